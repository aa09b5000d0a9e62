// Operator control against a live study: a real `rung coordinator` and `rung worker` on loopback,
// and the `rung pause`, `resume`, `enqueue`, `stop-trial` and `stop-study --drain` commands as
// processes. Then a second study warm-started from the first one's directory.
import Foundation
import Testing
import Search
import Store
@testable import Runtime
import RungTestKit

/// Runs `rung ARGS` to its end: exit, stdout and stderr lines.
private func rungCommand(_ rung: String, _ args: [String]) async throws -> (exit: ChildExit?, out: [String], err: [String]) {
    let p = try Watched(ChildLaunch(executable: rung, arguments: args, environment: ParentWatch.childEnvironment()))
    let exit = await p.waitExit(within: 90)
    return (exit, p.lines, p.stderr)
}

@Suite(.serialized) struct ControlClusterTests {
    @Test func pauseResumeEnqueueStopTrialAndDrainSteerALiveStudy() async throws {
        let rung = try #require(rungBinary(), "build the rung executable first (swift build)")
        // Each trial's epochs wait for a gate file the test creates (`go<trial>`), so every command
        // lands while the attempt it is about still runs, however slow the machine.
        let s = try ScriptStudy(trials: 8, sleep: 0)
        defer { s.remove() }
        let gates = s.root.appendingPathComponent("gates", isDirectory: true)
        try FileManager.default.createDirectory(at: gates, withIntermediateDirectories: true)
        try """
            #!/bin/sh
            lr=$1
            e=$RUNG_FROM_EPOCH
            while [ "$e" -lt "$RUNG_TO_EPOCH" ]; do
              e=$((e+1))
              while [ ! -e "\(gates.path)/go$RUNG_TRIAL_ID" ]; do sleep 0.05; done
              acc=$(awk -v lr="$lr" -v e="$e" 'BEGIN { x = log(lr) / log(10) + 2; print 1 - x * x / 16 - 0.5 / (e + 1) }')
              echo "trial $RUNG_TRIAL_ID epoch $e"
              echo "{\\"epoch\\": $e, \\"acc\\": $acc}"
            done
            echo "epoch $e" > "$RUNG_CHECKPOINT_DIR/state"
            """.write(to: s.root.appendingPathComponent("train.sh"), atomically: true, encoding: .utf8)
        func open(_ trial: Int) { FileManager.default.createFile(atPath: gates.appendingPathComponent("go\(trial)").path, contents: nil) }
        let cluster = LocalCluster(rung: rung, endpoints: try LoopbackEndpoints())
        let e = cluster.endpoints.routerURL
        let coordinator = try Watched(cluster.coordinator(study: s.studyFile, directory: s.directory))
        let worker = try Watched(cluster.worker(name: "w1", cache: s.cache("w1")))
        defer { coordinator.process.signal(SIGKILL); worker.process.signal(SIGKILL) }

        // Pause while trial 0 runs: it goes on to its rung and pauses there, with its value in the
        // stream; nothing new starts.
        #expect(await coordinator.line(within: 90) { $0.contains("trial 0 attempt 1 on w1") } != nil, "\(coordinator.stderr)")
        let pause = try await rungCommand(rung, ["pause", "--connect", e])
        #expect(pause.exit == .exited(0), "\(pause.err)")
        #expect(pause.out.first?.hasPrefix("paused: no new assignments; 1 running attempt(s)") == true, "\(pause.out)")
        open(0)
        let paused = await coordinator.line(within: 90) { $0.contains("trial 0 paused at rung 0 (epoch 1) acc ") }
        #expect(paused?.hasSuffix("with a checkpoint") == true, "\(coordinator.lines.suffix(5))")
        #expect(paused.map { $0.range(of: #"acc -?\d+\.\d{4} with"#, options: .regularExpression) != nil } == true,
                "the value has 4 decimals: \(paused ?? "none")")
        let again = try await rungCommand(rung, ["pause", "--connect", e])
        #expect(again.out.first?.hasPrefix("already paused") == true, "\(again.out)")
        // `rung status` says the study is paused and why nothing starts.
        let status = try await rungCommand(rung, ["status", "--connect", e])
        #expect(status.out.first?.hasPrefix("Study cluster-test: paused") == true, "\(status.out)")
        #expect(status.out.contains { $0.hasPrefix("Paused by an operator: no new assignments until `rung resume`") }, "\(status.out)")

        // A configuration outside the search space is refused before anything is sent, naming the
        // parameter and what it accepts; a good one is enqueued.
        let bad = try await rungCommand(rung, ["enqueue", "--connect", e, "--config", "lr=5"])
        #expect(bad.exit == .exited(1))
        #expect(bad.err.contains { $0.contains("lr=5") && $0.contains("a real number in [0.0001, 0.1] (log scale)") }, "\(bad.err)")
        let unknown = try await rungCommand(rung, ["enqueue", "--connect", e, "--config", "lr=0.01", "momentum=0.9"])
        #expect(unknown.exit == .exited(1))
        #expect(unknown.err.contains { $0.contains("`momentum` is not a parameter of the search space; its parameters: lr") }, "\(unknown.err)")
        let enqueue = try await rungCommand(rung, ["enqueue", "--connect", e, "--config", "lr=0.0123"])
        #expect(enqueue.exit == .exited(0), "\(enqueue.err)")
        #expect(enqueue.out.first?.contains("enqueued {lr=0.0123}") == true, "\(enqueue.out)")
        #expect(!coordinator.lines.contains { $0.contains("trial 1 attempt 1") }, "a trial started while the study was paused")

        // Resume: the enqueued configuration is the next trial.
        let resume = try await rungCommand(rung, ["resume", "--connect", e])
        #expect(resume.exit == .exited(0), "\(resume.err)")
        #expect(resume.out.first == "resumed: assignments go on", "\(resume.out)")
        let resumedStatus = try await rungCommand(rung, ["status", "--connect", e])
        #expect(resumedStatus.out.first?.hasPrefix("Study cluster-test: running") == true, "\(resumedStatus.out)")
        let started = await coordinator.line(within: 90) { $0.contains("trial 1 attempt 1 on w1") }
        #expect(started?.hasSuffix("{lr=0.0123}") == true, "\(started ?? "none")")

        // Stop that trial while it runs; an unknown trial is refused.
        let stop = try await rungCommand(rung, ["stop-trial", "1", "--connect", e])
        #expect(stop.exit == .exited(0), "\(stop.err)")
        #expect(stop.out.first == "trial 1 stopped (it was running)", "\(stop.out)")
        #expect(await coordinator.line(within: 90) { $0.contains("trial 1 stopped by an operator") } != nil)
        let missing = try await rungCommand(rung, ["stop-trial", "99", "--connect", e])
        #expect(missing.exit == .exited(1))
        #expect(missing.err.contains { $0.contains("trial 99 is not part of this study") }, "\(missing.err)")

        // Drain: the attempt running now ends at its rung, nothing new starts, then the study ends.
        let next = try #require(await coordinator.line(within: 90) { $0.contains("trial 2 attempt 1 on w1") })
        _ = next
        let drain = try await rungCommand(rung, ["stop-study", "--drain", "--connect", e])
        #expect(drain.exit == .exited(0), "\(drain.err)")
        #expect(await coordinator.line(within: 90) { $0.contains("draining") } != nil)
        let drainingStatus = try await rungCommand(rung, ["status", "--connect", e])
        #expect(drainingStatus.out.first?.hasPrefix("Study cluster-test: draining") == true, "\(drainingStatus.out)")
        #expect(drainingStatus.out.contains { $0.hasPrefix("Draining: nothing new starts") }, "\(drainingStatus.out)")
        open(2)
        #expect(await coordinator.waitExit(within: 60) == .exited(0), "\(coordinator.stderr)")
        #expect(await worker.waitExit(within: 30) == .exited(0))
        let lines = coordinator.lines
        let drained = try #require(lines.firstIndex { $0.contains("draining") })
        let trial2Paused = try #require(lines.firstIndex { $0.contains("trial 2 paused at rung 0") }, "\(lines)")
        let complete = try #require(lines.firstIndex { $0.contains("study complete") })
        #expect(drained < trial2Paused && trial2Paused < complete)
        #expect(!lines.contains { $0.contains("trial 3 attempt") }, "a trial started while draining")
        let store = try StudyStore.open(StudyDirectory(s.directory), role: .reader)
        let trials = try store.trials()
        #expect(trials.count == 3)
        #expect(trials.map(\.state) == [.stopped, .stopped, .stopped], "\(trials.map(\.state))")
        #expect(trials[1].config == ["lr": .double(0.0123)])
        #expect(try store.rungResults(TrialID(2)).map(\.resource) == [1], "trial 2 ran to its rung before the study ended")
        #expect(try store.rungResults(TrialID(1)).isEmpty, "trial 1 was stopped before its first epoch ended")

        // Warm start: a TPE study seeded with the first study's results.
        let tpe = s.root.appendingPathComponent("tpe.yaml")
        try String(contentsOf: s.studyFile, encoding: .utf8)
            .replacingOccurrences(of: "sampler: random", with: "sampler: tpe")
            .replacingOccurrences(of: "name: cluster-test", with: "name: warm")
            .replacingOccurrences(of: "trials: 8", with: "trials: 1")
            .write(to: tpe, atomically: true, encoding: .utf8)
        let warmDir = s.root.appendingPathComponent("warm", isDirectory: true)
        let warm = try Watched(ChildLaunch(executable: rung, arguments: [
            "coordinator", "--study", tpe.path, "--dir", warmDir.path, "--bind", e, "--publish", cluster.endpoints.publishURL,
            "--warm-start", s.directory.path,
        ], environment: ParentWatch.childEnvironment()))
        defer { warm.process.signal(SIGKILL) }
        open(3); open(0)
        let w2 = try Watched(cluster.worker(name: "w2", cache: s.cache("w2")))
        defer { w2.process.signal(SIGKILL) }
        #expect(await warm.waitExit(within: 60) == .exited(0), "\(warm.stderr)")
        // Every trial of the first study with a result seeds the sampler (trials 0 and 2).
        let measured = trials.filter { $0.value != nil }
        #expect(warm.lines.contains { $0.hasPrefix("warm start: \(measured.count) result(s) of study 'cluster-test'") }, "\(warm.lines.prefix(4))")
        let warmStore = try StudyStore.open(StudyDirectory(warmDir), role: .reader)
        let seeded = try warmStore.engineEvents().compactMap { event, _ -> [PriorResult]? in
            if case .seeded(let r) = event { return r } else { return nil }
        }
        #expect(seeded.count == 1)
        #expect(seeded.first?.map(\.config) == measured.map(\.config))
        #expect(seeded.first?.map(\.value) == measured.map { $0.value! })
        #expect(measured.map(\.id) == [TrialID(0), TrialID(2)])
        #expect(try warmStore.logs(LogQuery(includeDecisions: true)).entries.contains { $0.text.contains("sampler seeded with \(measured.count) result(s)") })
    }
}
