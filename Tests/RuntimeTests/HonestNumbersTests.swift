// Honest numbers and endings: metric lines with NaN and ±Infinity (as Python's json.dumps writes
// them) are metric lines; every double comes back bit for bit from the trial's line to the store
// and the CSV export; `rung coordinator` exits 0 for a finished study, 3 when every trial failed,
// 4 (and says how to carry on) when interrupted, 2 when it cannot start.
import Foundation
import RungBasics
import Testing
import Search
import Store
@testable import Runtime
import RungTestKit

@Test func metricLinesAcceptNonFiniteNumbersAndRejectWhatIsNotOneObject() throws {
    let m = try #require(MetricLine(#"{"epoch": 2, "loss": NaN, "grad": Infinity, "low": -Infinity, "s": "NaN", "ok": true, "x": null, "nested": {"a": [1, "}"]}, "name": "run \"1\""}"#))
    #expect(m.epoch == 2)
    #expect(m.metrics["loss"]!.isNaN)
    #expect(m.metrics["s"]!.isNaN)
    #expect(m.metrics["grad"] == .infinity)
    #expect(m.metrics["low"] == -.infinity)
    #expect(m.metrics["ok"] == 1)
    #expect(m.metrics.keys == ["loss", "grad", "low", "s", "ok"])  // the line's order
    for line in [#"{"epoch": NaN, "a": 1}"#, #"{"a": 1}"#, #"{"epoch": 1, "a": 1} trailing"#, #"{"epoch": 1, "a": }"#,
                 "epoch 1", #"[{"epoch": 1}]"#, #"{"epoch": 1, "a": 01x}"#, #"{"epoch": "1"}"#] {
        #expect(MetricLine(line) == nil, "\(line)")
    }
    #expect(MetricLine(#"  {"epoch":1e0,"a":-0.0}  "#)?.metrics["a"]?.sign == .minus)
    // A repeated name keeps its last value; one whose last value is not a number is left out.
    let repeated = try #require(MetricLine(#"{"b": 1, "a": 2, "b": 3, "c": 4, "c": "x", "epoch": 5, "epoch": 6}"#))
    #expect(repeated.epoch == 6 && repeated.metrics.keys == ["b", "a"] && repeated.metrics["b"] == 3)
    #expect(MetricLine(#"{"epoch": 1, "a": 2, "epoch": "done"}"#) == nil)
}

@Test func metricLinesKeepEveryBitOfEveryDouble() throws {
    let m = try #require(MetricLine(#"{"epoch": 1, "v": 0.19413958082850402}"#))
    #expect(m.metrics["v"]!.bitPattern == 0.19413958082850402.bitPattern)
    var rng = SplitMix64(seed: 7)
    for _ in 0..<20_000 {
        let d = Double(bitPattern: rng.next() & 0x7FEF_FFFF_FFFF_FFFF)  // finite, any magnitude
        for text in [d.description, String(format: "%.17g", d), String(format: "%.17e", -d)] {
            let parsed = try #require(MetricLine("{\"epoch\": 1, \"v\": \(text)}"), "\(text)")
            let want = text.hasPrefix("-") ? -d : d
            #expect(parsed.metrics["v"]!.bitPattern == want.bitPattern, "\(text)")
        }
    }
}

/// A study of Python trials whose values are a deterministic function of (lr, epoch); trial 0
/// reports NaN and trial 1 +Infinity as its objective; `fail: true` makes every trial exit 3.
private struct PythonStudy: InStudyFolder {
    let folder: StudyFolder, studyFile: URL
    init(trials: Int, fail: Bool = false, sleep: Double = 0, name: String = #function) throws {
        folder = try StudyFolder("rung-numbers", test: name, letters: 20)
        let script = try folder.write("""
            import json, os, sys, time
            lr = float(sys.argv[1]); t = int(os.environ["RUNG_TRIAL_ID"])
            if \(fail ? "True" : "False"): sys.exit(3)
            for e in range(int(os.environ["RUNG_FROM_EPOCH"]) + 1, int(os.environ["RUNG_TO_EPOCH"]) + 1):
                time.sleep(\(sleep))
                acc = lr * 0.7 + e / 3.0
                if t == 0: acc = float("nan")
                if t == 1: acc = float("inf")
                print(json.dumps({"epoch": e, "acc": acc, "fixed": 0.19413958082850402, "third": e / 3.0}), flush=True)
            """, to: "train.py")
        studyFile = try folder.writeStudy(
            name: "numbers", seed: 5, trials: trials,
            budget: "{resource: epochs, min_resource: 1, max_resource: 3, reduction_factor: 3}",
            space: ["lr: {type: loguniform, low: 1e-4, high: 1e-1}"], command: ["python3", script.path, "{lr}"])
    }
}

private let hasPython = FileManager.default.isExecutableFile(atPath: "/usr/bin/python3")

@Suite(.serialized, .enabled(if: hasPython, "needs python3 for the trial script"))
struct HonestEndingsTests {
    @Test func valuesReachTheStoreAndTheExportBitForBitAndNonFiniteRanksLast() async throws {
        let rung = try #require(rungBinary(), "build the rung executable first (swift build)")
        let s = try PythonStudy(trials: 6)
        defer { s.remove() }
        let cluster = LocalCluster(rung: rung, endpoints: try LoopbackEndpoints())
        let coordinator = try Watched(cluster.coordinator(study: s.studyFile, directory: s.directory))
        let worker = try Watched(cluster.worker(name: "w1", cache: s.root.appendingPathComponent("cache"), slots: 2))
        #expect(await coordinator.waitExit(within: 90) == .exited(0), "\(coordinator.stderr)")
        _ = await worker.waitExit(within: 30)

        // A copy of study.sqlite alone (no -wal) holds the finished study.
        let copy = StudyDirectory(s.root.appendingPathComponent("copy"))
        try FileManager.default.createDirectory(at: copy.root, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: StudyDirectory(s.directory).database, to: copy.database)
        let store = try StudyStore.open(copy, role: .reader)
        let trials = try store.trials()
        #expect(trials.count == 6)
        #expect(trials.allSatisfy { $0.state == .completed || $0.state == .stopped }, "\(trials.map { ($0.id, $0.state, $0.error) })")
        #expect(try store.studyInfo().state == .completed)

        let rows = try store.exportRows(allAttempts: true)
        #expect(!rows.isEmpty)
        for row in rows {
            let lr = try #require(trials.first { $0.id == row.trial }?.config["lr"]?.numeric)
            let acc = try #require(row.metrics["acc"])
            switch row.trial.rawValue {
            case 0: #expect(acc.isNaN)
            case 1: #expect(acc == .infinity)
            default: #expect(acc.bitPattern == (lr * 0.7 + Double(row.epoch) / 3.0).bitPattern, "trial \(row.trial) epoch \(row.epoch)")
            }
            #expect(row.metrics["fixed"]!.bitPattern == 0.19413958082850402.bitPattern)
            #expect(row.metrics["third"]!.bitPattern == (Double(row.epoch) / 3.0).bitPattern)
        }
        // The CSV export prints the same digits the trial printed.
        let export = try Watched(ChildLaunch(executable: rung, arguments: ["export", "--dir", s.directory.path, "--format", "csv"],
                                               environment: ProcessInfo.processInfo.environment))
        #expect(await export.waitExit(within: 30) == .exited(0))
        #expect(export.lines.dropFirst().allSatisfy { $0.contains("0.19413958082850402") })
        // NaN and +∞ are the worst values, whatever the direction.
        let board = try store.leaderboard(limit: 6).map(\.trial.rawValue)
        #expect(!board.prefix(4).contains(0) && !board.prefix(4).contains(1), "\(board)")
    }

    @Test func exitStatusSaysHowTheStudyEnded() async throws {
        let rung = try #require(rungBinary(), "build the rung executable first (swift build)")
        // Every trial fails: 3.
        let failing = try PythonStudy(trials: 3, fail: true)
        defer { failing.remove() }
        var cluster = LocalCluster(rung: rung, endpoints: try LoopbackEndpoints())
        let c1 = try Watched(cluster.coordinator(study: failing.studyFile, directory: failing.directory))
        let w1 = try Watched(cluster.worker(name: "w1", cache: failing.root.appendingPathComponent("cache")))
        #expect(await c1.waitExit(within: 60) == .exited(3), "\(c1.lines.suffix(3)) \(c1.stderr)")
        #expect(c1.lines.contains { $0.contains("every trial failed") })
        _ = await w1.waitExit(within: 30)

        // Interrupted by SIGTERM: 4, and the way to carry on in words.
        let slow = try PythonStudy(trials: 4, sleep: 0.5)
        defer { slow.remove() }
        cluster = LocalCluster(rung: rung, endpoints: try LoopbackEndpoints())
        let c2 = try Watched(cluster.coordinator(study: slow.studyFile, directory: slow.directory))
        let w2 = try Watched(cluster.worker(name: "w2", cache: slow.root.appendingPathComponent("cache")))
        #expect(await c2.line(within: 30) { $0.contains("attempt 1 on w2") } != nil)
        c2.process.signal(SIGTERM)
        #expect(await c2.waitExit(within: 30) == .exited(4))
        #expect(c2.lines.contains { $0.contains("rung coordinator --dir \(StudyDirectory(slow.directory).root.path)") }, "\(c2.lines.suffix(3))")
        w2.process.signal(SIGKILL)
        _ = await w2.waitExit(within: 10)

        // Cannot start (a study file that does not exist): 2.
        let c3 = try Watched(cluster.coordinator(study: slow.root.appendingPathComponent("missing.yaml"),
                                                 directory: slow.root.appendingPathComponent("other")))
        #expect(await c3.waitExit(within: 30) == .exited(2))
        #expect(c3.stderr.contains { $0.contains("cannot start") })
    }
}
