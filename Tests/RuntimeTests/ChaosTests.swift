// The chaos test of study integrity (issue 12's done-when), bounded, on loopback: a study of 200+
// cheap `task: command:` trials with a deterministic objective while workers are SIGKILLed every
// ~1.5 s (and restarted), the coordinator is SIGKILLed and restarted ≥ 5 times, the log's tail is
// torn once (garbage after the last WAL frame), one worker has an unusable cache and one trial hangs.
// Then: no trial failed for a machine cause (only the hung one, by its timeout), every stored value
// is bit for bit the objective's, no rung result twice, the bad worker quarantined, and a second
// coordinator on the directory refused. RUNG_CHAOS_TRIALS / RUNG_CHAOS_COORDINATOR_KILLS make it longer;
// RUNG_CHAOS_FAULTS=0 runs the same study without faults (for its wall time).
import Foundation
import Testing
import Search
import Store
@testable import Runtime
import RungTestKit

private let hasPython = FileManager.default.isExecutableFile(atPath: "/usr/bin/python3")

@Suite(.serialized, .enabled(if: hasPython, "needs python3 for the trial script"))
struct ChaosTests {
    @Test func aStudyUnderFaultsLosesDuplicatesAndChangesNothing() async throws {
        let rung = try #require(rungBinary(), "build the rung executable first (swift build)")
        let env = ProcessInfo.processInfo.environment
        let trials = Int(env["RUNG_CHAOS_TRIALS"] ?? "") ?? 200
        let faults = env["RUNG_CHAOS_FAULTS"] != "0"
        let coordinatorKills = faults ? Int(env["RUNG_CHAOS_COORDINATOR_KILLS"] ?? "") ?? 5 : 0
        let hung = 7
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("rung-chaos-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: root) }
        let script = root.appendingPathComponent("train.py")
        try """
            import json, os, sys, time
            lr = float(sys.argv[1]); t = int(os.environ["RUNG_TRIAL_ID"])
            for e in range(int(os.environ["RUNG_FROM_EPOCH"]) + 1, int(os.environ["RUNG_TO_EPOCH"]) + 1):
                if t == \(hung): time.sleep(3600)
                time.sleep(0.05)
                print(json.dumps({"epoch": e, "acc": lr * 0.7 + e / 3.0}), flush=True)
            """.write(to: script, atomically: true, encoding: .utf8)
        let studyFile = root.appendingPathComponent("study.yaml")
        try """
            name: chaos
            seed: 3
            trials: \(trials)
            objective: {metric: acc, direction: maximize}
            budget: {resource: epochs, min_resource: 1, max_resource: 3, reduction_factor: 3}
            scheduler: asha
            sampler: random
            space:
              lr: {type: uniform, low: 0.0, high: 1.0}
            task:
              command: ["python3", "\(script.path)", "{lr}"]
              timeout: {epoch: 3}
            """.write(to: studyFile, atomically: true, encoding: .utf8)
        let dir = root.appendingPathComponent("run")
        let cluster = LocalCluster(rung: rung, endpoints: try LoopbackEndpoints())
        let flags = ["--heartbeat", "0.5", "--lease-timeout", "10", "--quiet"]
        let started = Date()
        var coordinator = try Watched(cluster.coordinator(study: studyFile, directory: dir, extra: flags))

        // Healthy workers, and one whose cache lies under a regular file (it cannot be created).
        let names = (1...4).map { "w\($0)" }
        func worker(_ name: String) throws -> Watched {
            try Watched(cluster.worker(name: name, cache: root.appendingPathComponent("cache-\(name)"), slots: 2,
                                       extra: ["--stop-grace", "0.5"]))
        }
        var workers = try Dictionary(uniqueKeysWithValues: names.map { ($0, try worker($0)) })
        let blocker = root.appendingPathComponent("not-a-directory")
        try Data("x".utf8).write(to: blocker)
        let bad = faults ? try Watched(cluster.worker(name: "bad", cache: blocker.appendingPathComponent("cache"), slots: 2)) : nil

        var workerKills = 0, coordinatorKillCount = 0, torn = false, refused = false
        var lastWorkerKill = Date(), lastCoordinatorKill = Date()
        let deadline = Date().addingTimeInterval(Double(max(240, trials)))
        while coordinator.exit == nil || coordinatorKillCount < coordinatorKills {
            #expect(Date() < deadline, "the study did not finish in time")
            if Date() >= deadline { break }
            try await Task.sleep(for: .milliseconds(100))
            if let exit = coordinator.exit {
                // It finished before every planned kill: nothing left to do.
                #expect(exit == .exited(0), "\(coordinator.stderr.suffix(5))")
                break
            }
            if faults, Date().timeIntervalSince(lastWorkerKill) > 1.5 {
                lastWorkerKill = Date()
                let name = names[workerKills % names.count]
                workers[name]!.process.signal(SIGKILL)
                _ = await workers[name]!.waitExit(within: 10)
                workers[name] = try worker(name)
                workerKills += 1
            }
            if coordinatorKillCount < coordinatorKills, Date().timeIntervalSince(lastCoordinatorKill) > 3 {
                if !refused, faults {
                    // While one runs, a second coordinator on the directory is refused, naming the first.
                    let other = LocalCluster(rung: rung, endpoints: try LoopbackEndpoints())
                    let second = try Watched(other.coordinator(study: nil, directory: dir))
                    #expect(await second.waitExit(within: 30) == .exited(2))
                    #expect(second.stderr.contains { $0.contains("already run by coordinator pid \(coordinator.process.pid)") },
                            "\(second.stderr)")
                    refused = true
                }
                lastCoordinatorKill = Date()
                coordinator.process.signal(SIGKILL)
                _ = await coordinator.waitExit(within: 10)
                coordinatorKillCount += 1
                if !torn, coordinatorKillCount == 2 {
                    // A torn tail: bytes of a half-written frame after the last one in the WAL.
                    let wal = StudyDirectory(dir).database.path + "-wal"
                    if let h = FileHandle(forWritingAtPath: wal) {
                        h.seekToEndOfFile()
                        h.write(Data((0..<1500).map { UInt8(truncatingIfNeeded: $0 &* 37) }))
                        h.closeFile()
                        torn = true
                    }
                }
                coordinator = try Watched(cluster.coordinator(study: nil, directory: dir, extra: flags))
            }
        }
        let wall = Date().timeIntervalSince(started)
        #expect(await coordinator.waitExit(within: 60) == .exited(0), "\(coordinator.stderr.suffix(5))")
        for w in workers.values { _ = await w.waitExit(within: 20) }
        _ = await bad?.waitExit(within: 20)
        #expect(coordinatorKillCount >= coordinatorKills)
        #expect(torn == faults)
        #expect(refused == faults)

        let store = try StudyStore.open(StudyDirectory(dir), role: .reader)
        let records = try store.trials()
        #expect(records.count == trials)
        // No trial failed for a machine cause: only the hung one, by its own timeout.
        let failed = records.filter { $0.state == .failed }
        #expect(failed.map(\.id.rawValue) == [hung], "\(failed.map { ($0.id, $0.error) })")
        #expect(failed.allSatisfy { $0.error?.contains("timed out") == true })
        #expect(records.allSatisfy { $0.state == .failed || $0.state == .completed || $0.state == .stopped })
        // Every stored value is the objective's, bit for bit; no rung result twice.
        var rows = 0
        for row in try store.exportRows(allAttempts: true) {
            let lr = try #require(records.first { $0.id == row.trial }?.config["lr"]?.numeric)
            #expect(row.metrics["acc"]?.bitPattern == (lr * 0.7 + Double(row.epoch) / 3.0).bitPattern,
                    "trial \(row.trial) epoch \(row.epoch)")
            rows += 1
        }
        var fed: [TrialID: [Double]] = [:]
        for (event, _) in try store.engineEvents() {
            if case .reported(let t, let r, _, _) = event { fed[t, default: []].append(r) }
        }
        for t in records {
            let results = try store.rungResults(t.id)
            #expect(results.map(\.resource) == (fed[t.id] ?? []), "trial \(t.id)")
            #expect(Set(results.map(\.rung)).count == results.count, "trial \(t.id) has a rung result twice")
        }
        // The worker with the unusable cache is quarantined, with its reason.
        if faults {
            let badRecord = try store.workers().first { $0.name == "bad" }
            #expect(badRecord?.state == .quarantined, "\(String(describing: badRecord))")
            #expect(badRecord?.note?.contains("cannot be created") == true)
        }
        // The copy of study.sqlite alone is the finished study.
        #expect(try store.studyInfo().state == .completed)
        let lost = try records.reduce(0) { n, t in n + (try store.attempts(t.id).filter { $0.outcome == .lost }.count) }
        print("chaos: faults \(faults), \(trials) trials, \(rows) epoch rows, \(workerKills) worker kills, \(lost) attempts lost (run again uncounted), \(coordinatorKillCount) coordinator kills, torn \(torn), \(failed.count) failed (hung), wall \(String(format: "%.1f", wall)) s")
        print("chaos-done: \(trials) trials, \(rows) epoch rows, \(workerKills) worker kills, \(coordinatorKillCount) coordinator kills, torn \(torn), \(failed.count) failed (hung), wall \(String(format: "%.1f", wall)) s")
    }
}
