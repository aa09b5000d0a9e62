// The per-class report and cost metrics end to end, with real processes on loopback: a shell-script
// trainer prints metric lines with cost metrics and, after its last epoch, one `rung_report` line;
// the worker sends it with DONE, the coordinator stores it per trial (and its line stays in the
// log), and `rung best` / `rung trials` print the same with --dir and --connect: constraints,
// cost columns, the per-class table, the confusion matrix and the Pareto front; and the report
// surviving a worker killed in its final attempt and a coordinator killed and restarted.
import Foundation
import Testing
import Search
import Store
@testable import Runtime
import RungTestKit

/// A study of a script whose latency is 300 × lr ms (feasible up to lr 1/60 under `latency_ms <= 5`)
/// and whose report for trial T has confusion [[T+1, 1], [0, 3]].
private struct CostStudy: InStudyFolder {
    let folder: StudyFolder, studyFile: URL

    /// With `gateFinalEpochs`, the first trial to reach epoch 9 finishes at once and every later one
    /// waits there until `openGate()`: the study cannot end before the test lets it.
    init(trials: Int, sleep: Double = 0, gateFinalEpochs: Bool = false, name: String = #function) throws {
        folder = try StudyFolder("rung-report", test: name)
        let root = folder.root
        let script = try folder.write("""
        #!/bin/sh
        lr=$1
        e=$RUNG_FROM_EPOCH
        t=$RUNG_TRIAL_ID
        while [ "$e" -lt "$RUNG_TO_EPOCH" ]; do
          e=$((e+1))
          sleep \(sleep)
          if \(gateFinalEpochs ? "true" : "false") && [ "$e" = "9" ]; then
            if mkdir "\(root.path)/first-final" 2>/dev/null; then :; else
              while [ ! -e "\(root.path)/gate" ]; do sleep 0.05; done
            fi
          fi
          acc=$(awk -v lr="$lr" -v e="$e" 'BEGIN { x = log(lr) / log(10) + 2; print 1 - x * x / 16 - 0.5 / (e + 1) }')
          lat=$(awk -v lr="$lr" 'BEGIN { print lr * 300 }')
          echo "{\\"epoch\\": $e, \\"acc\\": $acc, \\"latency_ms\\": $lat, \\"params_total\\": $((1000 + t)), \\"images_per_s\\": 250.5, \\"memory_mb\\": 1.5}"
        done
        echo "epoch $e" > "$RUNG_CHECKPOINT_DIR/state"
        if [ "$e" = "9" ]; then
          echo "{\\"rung_report\\": {\\"split\\": \\"test\\", \\"class_names\\": [\\"cat\\", \\"dog\\"], \\"accuracy\\": 0.8, \\"precision\\": [1.0, 0.75], \\"recall\\": [0.5, 1.0], \\"f1\\": [0.6667, 0.8571], \\"support\\": [$((t+2)), 3], \\"confusion\\": [[$((t+1)), 1], [0, 3]]}}"
        fi
        """, to: "train.sh", executable: true)
        studyFile = try folder.writeStudy(
            name: "cost-test", seed: 5, trials: trials,
            objective: #"{metric: acc, direction: maximize, constraints: ["latency_ms <= 5"], secondary: {metric: latency_ms, direction: minimize}}"#,
            budget: "{resource: epochs, min_resource: 1, max_resource: 9, reduction_factor: 3}",
            space: ["lr: {type: loguniform, low: 1e-4, high: 1e-1}"], command: ["/bin/sh", script.path, "{lr}"])
    }

    /// Lets the trials waiting at epoch 9 finish.
    func openGate() { FileManager.default.createFile(atPath: root.appendingPathComponent("gate").path, contents: nil) }
}

/// Runs `rung ARGS` to its end and returns its standard output.
private func rungOutput(_ rung: String, _ args: [String]) async throws -> String {
    let run = try Watched(ChildLaunch(executable: rung, arguments: args, environment: ParentWatch.childEnvironment()))
    let exit = await run.waitExit(within: 30)
    #expect(exit == .exited(0), "rung \(args.joined(separator: " ")): \(run.stderr)")
    return run.lines.map { $0 + "\n" }.joined()
}

@Suite(.serialized) struct ReportClusterTests {
    @Test func reportLineReachesTheStoreAndTheClientsPrintItLiveAndOffline() async throws {
        let rung = try #require(rungBinary(), "build the rung executable first (swift build)")
        let s = try CostStudy(trials: 9)
        defer { s.remove() }
        let cluster = LocalCluster(rung: rung, endpoints: try LoopbackEndpoints())
        let coordinator = try Watched(cluster.coordinator(study: s.studyFile, directory: s.directory, extra: ["--keep-running"]))
        let workers = try (1...2).map { try Watched(cluster.worker(name: "w\($0)", cache: s.cache("w\($0)"))) }
        #expect(await coordinator.line(within: 90) { $0.contains("study complete") } != nil, "\(coordinator.stderr)")
        for w in workers { #expect(await w.waitExit(within: 30) == .exited(0)) }

        // Every completed trial has its report, exactly as printed; no other trial has one.
        let store = try StudyStore.open(StudyDirectory(s.directory), role: .reader)
        let trials = try store.trials()
        let completed = trials.filter { $0.state == .completed }
        #expect(!completed.isEmpty)
        for t in trials {
            let stored = try store.classReport(t.id)
            guard t.state == .completed else { #expect(stored == nil, "trial \(t.id)"); continue }
            let r = try #require(stored, "trial \(t.id) completed without its report")
            let k = t.id.rawValue
            #expect(r.report == ClassReport(split: "test", classNames: ["cat", "dog"], accuracy: 0.8, precision: [1, 0.75],
                                            recall: [0.5, 1], f1: [0.6667, 0.8571], support: [k + 2, 3],
                                            confusion: [[k + 1, 1], [0, 3]]))
            let lastAttempt = try store.attempts(t.id).last?.attempt
            #expect(r.resource == 9 && r.attempt == lastAttempt)
            // The line is still in the trial's log.
            let lines = try store.logs(LogQuery(trial: t.id, includeDecisions: false)).entries.map(\.text)
            #expect(lines.contains { $0.hasPrefix("{\"rung_report\"") })
            // Rows carry the cost metrics and feasibility (latency 300 × lr ≤ 5).
            let lr = try #require(t.config["lr"]?.numeric)
            #expect(t.feasible == (lr * 300 <= 5) && t.metrics?["params_total"] == Double(1000 + k))
        }

        // The leaderboard: feasible first; the best is feasible.
        let board = try store.leaderboard(limit: 100)
        let firstInfeasible = board.firstIndex { !$0.feasible } ?? board.count
        #expect(board[firstInfeasible...].allSatisfy { !$0.feasible })

        // The clients print the same offline and live.
        let dir = ["--dir", s.directory.path], live = ["--connect", cluster.endpoints.routerURL]
        for command in [["best"], ["best", "--json"], ["best", "--pareto"], ["best", "--pareto", "--json"],
                        ["best", "--pareto", "--against", "params_total"], ["trials"]] {
            let offline = try await rungOutput(rung, command + dir)
            let online = try await rungOutput(rung, command + live)
            #expect(offline == online, "rung \(command.joined(separator: " ")) differs:\n\(offline)\n---\n\(online)")
        }
        let text = try await rungOutput(rung, ["best"] + dir)
        #expect(text.contains("Constraints: latency_ms <= 5"))
        #expect(text.contains("params") && text.contains("latency ms") && text.contains("images/s") && text.contains("memory MB"))
        let best = try #require(board.first)
        if best.feasible, best.state == .completed {
            let k = best.trial.rawValue
            #expect(text.contains("Per-class report of trial \(k) (test split"))
            #expect(text.contains("Confusion matrix (rows: true class, columns: predicted class):"))
            #expect(text.contains("\ncat    1.0000     0.5000  0.6667  \(k + 2)\n"), "\(text)")
            #expect(text.contains("true \\ predicted  cat  dog\n"))
            #expect(text.contains("\ndog                 0    3\n"))
            let json = try await rungOutput(rung, ["best", "--json"] + live)
            let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
            let report = try #require((object["report"] as? [String: Any])?["report"] as? [String: Any])
            #expect(report["confusion"] as? [[Int]] == [[k + 1, 1], [0, 3]])
            #expect(report["classNames"] as? [String] == ["cat", "dog"])
            #expect(object["constraints"] as? [String] == ["latency_ms <= 5"])
        }
        #expect(board.contains { !$0.feasible }, "the seed should give some trial above 5 ms")
        #expect(text.contains("no: latency_ms "))
        let front = try await store.paretoFront()
        #expect(front.front.allSatisfy { $0.feasible && $0.state == .completed })
        let pareto = try await rungOutput(rung, ["best", "--pareto"] + dir)
        #expect(pareto.contains("Pareto front of cost-test: acc (maximize) against latency_ms (minimize), over \(front.candidates)"))
        coordinator.process.signal(SIGTERM)
        #expect(await coordinator.waitExit(within: 30) == .exited(0))
    }

    @Test func finalAttemptOfAKilledWorkerRunsAgainAndItsRerunsReportIsKept() async throws {
        let rung = try #require(rungBinary(), "build the rung executable first (swift build)")
        let s = try CostStudy(trials: 9, sleep: 0.2)
        defer { s.remove() }
        let cluster = LocalCluster(rung: rung, endpoints: try LoopbackEndpoints())
        let coordinator = try Watched(cluster.coordinator(study: s.studyFile, directory: s.directory,
                                                          extra: ["--lease-timeout", "1.5", "--heartbeat", "0.3"]))
        let w1 = try Watched(cluster.worker(name: "w1", cache: s.cache("w1")))
        // Kill w1 in the middle of a final attempt (from the checkpoint at 3 up to 9).
        let final = await coordinator.line(within: 60) { $0.contains("on w1 from its checkpoint at 3, up to 9") }
        let line = try #require(final, "no final attempt on w1: \(coordinator.lines.filter { $0.contains("up to 9") })")
        let trial = try #require(trialNumber(in: line))
        w1.process.signal(SIGKILL)
        let w2 = try Watched(cluster.worker(name: "w2", cache: s.cache("w2")))
        #expect(await coordinator.line(within: 30) { $0.contains("trial \(trial) completed") } != nil, "\(coordinator.lines.suffix(8))")
        #expect(await coordinator.waitExit(within: 90) == .exited(0), "\(coordinator.stderr)")
        #expect(await w2.waitExit(within: 30) == .exited(0))
        let store = try StudyStore.open(StudyDirectory(s.directory), role: .reader)
        let attempts = try store.attempts(TrialID(trial))
        #expect(attempts.contains { $0.outcome == .lost && $0.worker == "w1" })
        let completed = try #require(attempts.last { $0.outcome == .completed })
        #expect(completed.worker == "w2")
        let stored = try #require(try store.classReport(TrialID(trial)))
        #expect(stored.attempt == completed.attempt && stored.report.confusion == [[trial + 1, 1], [0, 3]])
    }

    @Test func reportsSurviveACoordinatorKilledAndRestarted() async throws {
        let rung = try #require(rungBinary(), "build the rung executable first (swift build)")
        let s = try CostStudy(trials: 18, sleep: 0.1, gateFinalEpochs: true)
        defer { s.remove() }
        let cluster = LocalCluster(rung: rung, endpoints: try LoopbackEndpoints())
        let options = ["--heartbeat", "0.3", "--lease-timeout", "6"]
        let first = try Watched(cluster.coordinator(study: s.studyFile, directory: s.directory, extra: options))
        let workers = try (1...2).map { try Watched(cluster.worker(name: "w\($0)", cache: s.cache("w\($0)"))) }
        #expect(await first.line(within: 60) { $0.contains(" completed") } != nil, "\(first.lines.suffix(5))")
        first.process.signal(SIGKILL)
        let firstExit = await first.waitExit(within: 30)
        #expect(firstExit == .signaled(SIGKILL), "\(String(describing: firstExit)) \(first.lines.suffix(5))")
        let second = try Watched(cluster.coordinator(study: nil, directory: s.directory, extra: options))
        s.openGate()
        #expect(await second.waitExit(within: 90) == .exited(0), "\(second.stderr) \(second.lines.suffix(5))")
        for w in workers { #expect(await w.waitExit(within: 30) == .exited(0)) }
        // Each completed trial has its report once, from its last attempt; the others have none.
        let store = try StudyStore.open(StudyDirectory(s.directory), role: .reader)
        let trials = try store.trials()
        #expect(trials.count == 18 && trials.allSatisfy { $0.state == .completed || $0.state == .stopped })
        for t in trials {
            let stored = try store.classReport(t.id)
            #expect((stored != nil) == (t.state == .completed), "trial \(t.id) \(t.state)")
            if let stored {
                #expect(stored.report.confusion == [[t.id.rawValue + 1, 1], [0, 3]])
                #expect(stored.attempt == (try store.attempts(t.id)).filter { $0.outcome == .completed }.last?.attempt)
            }
        }
        #expect(try store.classReportCount() == trials.filter { $0.state == .completed }.count)
    }
}
