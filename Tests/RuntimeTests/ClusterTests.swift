// Integration tests with real processes and real sockets on loopback: a `rung coordinator` and
// `rung worker`s running a shell-script trainer; a study completing with 3 workers, a worker
// killed mid-trial, the coordinator killed and restarted, malformed and oversized messages.
import Foundation
import Testing
import Search
import Store
import Wire
@testable import Runtime
import RungTestKit

/// Checks that the study in `directory` finished cleanly: every trial final, each rung result
/// stored once and exactly the ones the engine was fed.
private func checkFinished(_ directory: URL, trials: Int, failed: Set<Int> = []) throws {
    let store = try StudyStore.open(StudyDirectory(directory), role: .reader)
    let records = try store.trials()
    #expect(records.count == trials)
    #expect(records.allSatisfy { failed.contains($0.id.rawValue) ? $0.state == .failed : ($0.state == .completed || $0.state == .stopped) },
            "\(records.map { ($0.id, $0.state, $0.error) })")
    var fed: [TrialID: [Double]] = [:]
    for (event, _) in try store.engineEvents() {
        if case .reported(let t, let r, _, _) = event { fed[t, default: []].append(r) }
    }
    var total = 0
    for t in records {
        let results = try store.rungResults(t.id)
        total += results.count
        #expect(results.map(\.resource) == (fed[t.id] ?? []), "trial \(t.id): stored \(results.map(\.resource)), engine saw \(fed[t.id] ?? [])")
        #expect(Set(results.map(\.rung)).count == results.count, "trial \(t.id) has a rung result twice")
        if !failed.contains(t.id.rawValue) {
            #expect(results.first?.resource == 1, "trial \(t.id) has no result at the first rung")
        }
    }
    #expect(try store.summary().rungResultCount == total)
}

@Suite(.serialized) struct ClusterTests {
    @Test func studyOfTwentyTrialsCompletesOnThreeWorkersWithEveryLogLine() async throws {
        let rung = try #require(rungBinary(), "build the rung executable first (swift build)")
        let s = try ScriptStudy(trials: 20, sleep: 0)
        defer { s.remove() }
        let cluster = LocalCluster(rung: rung, endpoints: try LoopbackEndpoints())
        let coordinator = try Watched(cluster.coordinator(study: s.studyFile, directory: s.directory))
        let workers = try (1...3).map { try Watched(cluster.worker(name: "w\($0)", cache: s.cache("w\($0)"))) }
        #expect(await coordinator.waitExit(within: 90) == .exited(0), "\(coordinator.stderr)")
        for w in workers { #expect(await w.waitExit(within: 30) == .exited(0)) }
        try checkFinished(s.directory, trials: 20)

        // Every line each trial wrote is in the store, attempt after attempt, across workers.
        let store = try StudyStore.open(StudyDirectory(s.directory), role: .reader)
        for t in try store.trials() {
            var expected: [String] = []
            var errors: [String] = []
            for a in try store.attempts(t.id) {
                let from = Int(a.fromResource), to = Int(a.toResource)
                if from > 0 { expected.append("resumed from epoch \(from)") }
                expected += (from + 1...to).map { "trial \(t.id) epoch \($0)" }
                errors.append("attempt \(a.attempt) of trial \(t.id)")
            }
            let entries = try store.logs(LogQuery(trial: t.id, includeDecisions: false)).entries
            #expect(entries.filter { $0.stream == .stdout }.map(\.text) == expected)
            #expect(entries.filter { $0.stream == .stderr }.map(\.text) == errors)
            #expect(FileManager.default.fileExists(atPath: StudyDirectory(s.directory).logFile(t.id).path))
        }
    }

    @Test func trialOfAKilledWorkerResumesFromItsCheckpointOnAnother() async throws {
        let rung = try #require(rungBinary(), "build the rung executable first (swift build)")
        let s = try ScriptStudy(trials: 6, sleep: 0.5)
        defer { s.remove() }
        let cluster = LocalCluster(rung: rung, endpoints: try LoopbackEndpoints())
        let coordinator = try Watched(cluster.coordinator(study: s.studyFile, directory: s.directory,
                                                          extra: ["--lease-timeout", "1.5", "--heartbeat", "0.3"]))
        let w1 = try Watched(cluster.worker(name: "w1", cache: s.cache("w1")))
        // w1 resumes a promoted trial from its checkpoint: kill it in the middle of that attempt.
        let resumed = await coordinator.line(within: 60) { $0.contains("attempt 2 on w1 from its checkpoint") }
        let line = try #require(resumed, "no resume on w1: \(coordinator.lines.suffix(5))")
        let trial = try #require(trialNumber(in: line))
        // Killed mid-attempt, before a second worker exists: the trial can only go on elsewhere.
        w1.process.signal(SIGKILL)
        let lost = await coordinator.line(within: 30) { $0.contains("trial \(trial) attempt 2 lost with worker w1") }
        #expect(lost != nil, "\(coordinator.lines.suffix(8))")
        let w2 = try Watched(cluster.worker(name: "w2", cache: s.cache("w2")))
        #expect(await coordinator.line(within: 30) { $0.contains("worker w2 joined") } != nil)
        let again = await coordinator.line(within: 60) { $0.contains("trial \(trial) attempt 3 on w2 from its checkpoint at 1") }
        #expect(again != nil, "\(coordinator.lines.suffix(8))")
        #expect(await coordinator.waitExit(within: 90) == .exited(0), "\(coordinator.stderr)")
        #expect(await w2.waitExit(within: 30) == .exited(0))
        try checkFinished(s.directory, trials: 6)
        let store = try StudyStore.open(StudyDirectory(s.directory), role: .reader)
        let attempts = try store.attempts(TrialID(trial))
        // A require, not an expect: indexing below must not crash the whole test run.
        try #require(attempts.count >= 3, "\(attempts)")
        #expect(attempts[1].outcome == .lost)
        #expect(attempts[2].worker == "w2")
        #expect(attempts[2].fromResource == 1)
        // w2 never held that checkpoint: it came from the coordinator's artifact store.
        #expect(FileManager.default.fileExists(atPath: s.cache("w2").appendingPathComponent("trial-\(trial)/r-1/state").path))
    }

    @Test func coordinatorKilledAndRestartedLosesAndDoublesNothing() async throws {
        let rung = try #require(rungBinary(), "build the rung executable first (swift build)")
        let s = try ScriptStudy(trials: 12, sleep: 0.05)
        defer { s.remove() }
        let cluster = LocalCluster(rung: rung, endpoints: try LoopbackEndpoints())
        let first = try Watched(cluster.coordinator(study: s.studyFile, directory: s.directory, extra: ["--heartbeat", "0.3", "--lease-timeout", "6"]))
        let workers = try (1...2).map { try Watched(cluster.worker(name: "w\($0)", cache: s.cache("w\($0)"))) }
        let fifthPause = await first.line(within: 60) { _ in first.lines.filter { $0.contains(" paused at ") }.count >= 5 }
        #expect(fifthPause != nil, "\(first.lines.suffix(5))")
        first.process.signal(SIGKILL)
        #expect(await first.waitExit(within: 30) == .signaled(SIGKILL))
        let second = try Watched(cluster.coordinator(study: nil, directory: s.directory, extra: ["--heartbeat", "0.3", "--lease-timeout", "6"]))
        #expect(await second.line(within: 30) { $0.contains("carrying on") } != nil)
        #expect(await second.waitExit(within: 90) == .exited(0), "\(second.stderr) \(second.lines.suffix(5))")
        for w in workers { #expect(await w.waitExit(within: 30) == .exited(0)) }
        try checkFinished(s.directory, trials: 12)
    }

    @Test func workerLeavingOnSIGTERMHasItsTrialQueuedAgainAndACrashingTrialFails() async throws {
        let rung = try #require(rungBinary(), "build the rung executable first (swift build)")
        let s = try ScriptStudy(trials: 5, sleep: 0.1, crashTrial: 2)
        defer { s.remove() }
        let cluster = LocalCluster(rung: rung, endpoints: try LoopbackEndpoints())
        let coordinator = try Watched(cluster.coordinator(study: s.studyFile, directory: s.directory))
        let w1 = try Watched(cluster.worker(name: "w1", cache: s.cache("w1")))
        let started = await coordinator.line(within: 30) { $0.contains("trial 0 attempt 1 on w1") }
        #expect(started != nil)
        w1.process.signal(SIGTERM)
        #expect(await w1.waitExit(within: 30) == .exited(0))
        #expect(await coordinator.line(within: 30) { $0.contains("trial 0 attempt 1 lost with worker w1") } != nil)
        #expect(await coordinator.line(within: 30) { $0.contains("trial 0 queued again") } != nil)
        let w2 = try Watched(cluster.worker(name: "w2", cache: s.cache("w2")))
        #expect(await coordinator.line(within: 30) { $0.contains("trial 0 attempt 2 on w2") } != nil)
        // The exception line (the last stderr line) comes first in the reason, the lines before it after.
        let failure = await coordinator.line(within: 60) { $0.contains("trial 2 failed: diverged: loss is nan (exit status 3") }
        #expect(failure?.hasSuffix("(exit status 3; stderr before it: attempt 1 of trial 2)") == true, "\(failure ?? "none")")
        #expect(await coordinator.waitExit(within: 90) == .exited(0), "\(coordinator.stderr)")
        #expect(await w2.waitExit(within: 30) == .exited(0))
        try checkFinished(s.directory, trials: 5, failed: [2])
    }

    @Test func clientsReadTrialsBestAndLogsFromALiveCoordinator() async throws {
        let rung = try #require(rungBinary(), "build the rung executable first (swift build)")
        let s = try ScriptStudy(trials: 6, sleep: 0)
        defer { s.remove() }
        let cluster = LocalCluster(rung: rung, endpoints: try LoopbackEndpoints())
        let coordinator = try Watched(cluster.coordinator(study: s.studyFile, directory: s.directory, extra: ["--keep-running"]))
        let worker = try Watched(cluster.worker(name: "w1", cache: s.cache("w1"), slots: 2))
        #expect(await coordinator.line(within: 60) { $0.contains("study complete") } != nil)
        #expect(await worker.waitExit(within: 30) == .exited(0))

        let context = try ZMQContext()
        let client = try ZMQSocket(context, .dealer, options: [.linger(milliseconds: 0)])
        defer { client.close() }
        try client.connect(cluster.endpoints.routerURL)
        func ask(_ m: Message) throws -> Message? {
            try client.send(m)
            return try client.receiveMessage(timeout: .seconds(30))
        }
        let store = try StudyStore.open(StudyDirectory(s.directory), role: .reader)
        guard case .trialsReply(let trials)? = try ask(.trials(TrialsRequest())) else {
            Issue.record("no TRIALS_REPLY")
            return
        }
        #expect(trials.trials.map(\.trial) == (0..<6).map { TrialID($0) })
        #expect(trials.trials.filter { $0.state == .completed }.count == (try store.trials()).filter { $0.state == .completed }.count)
        guard case .bestReply(let best)? = try ask(.best(BestRequest(count: 2))) else {
            Issue.record("no BEST_REPLY")
            return
        }
        #expect(best.trials.map(\.trial) == (try store.leaderboard(limit: 2)).map(\.trial))
        guard case .logsReply(let logs)? = try ask(.logs(LogsRequest(trial: TrialID(0), events: true))) else {
            Issue.record("no LOGS_REPLY")
            return
        }
        #expect(logs.lines.filter { $0.stream == .stdout }.flatMap(\.lines).first == "trial 0 epoch 1")
        #expect(logs.events.first?.kind == .started)
        #expect(logs.complete)
        guard case .stopStudyReply(let stop)? = try ask(.stopStudy(StopStudyRequest(reason: "test"))) else {
            Issue.record("no STOP_STUDY_REPLY")
            return
        }
        #expect(stop.stopping == false)  // already complete
        coordinator.process.signal(SIGTERM)
        #expect(await coordinator.waitExit(within: 30) == .exited(0))
    }

    @Test func malformedAndOversizedMessagesGetAnErrorAndTheCoordinatorCarriesOn() async throws {
        let s = try ScriptStudy(trials: 1, sleep: 0)
        defer { s.remove() }
        let endpoints = try LoopbackEndpoints()
        let coordinator = try CoordinatorProcess(options: endpoints.coordinatorOptions(study: s.studyFile, directory: s.directory))
        let serving = Task { try await runOnThread { try coordinator.run() } }
        defer { coordinator.requestStop() }

        let context = try ZMQContext()
        let client = try ZMQSocket(context, .dealer, options: [.linger(milliseconds: 0), .receiveTimeout(milliseconds: 20000)])
        defer { client.close() }
        try client.connect(endpoints.routerURL)
        func errorCode(for frames: [Data]) throws -> WireError.Code? {
            try client.send(frames)
            guard let reply = try client.receiveMessage(timeout: .seconds(20)), case .error(let e) = reply else { return nil }
            return e.code
        }
        #expect(try errorCode(for: [Envelope.frame(type: "REPORT", body: "{not json".utf8)]) == .malformedBody)
        #expect(try errorCode(for: [Envelope.frame(type: "REPORT", body: Data(repeating: 32, count: 2 << 20))]) == .oversize)
        #expect(try errorCode(for: [Envelope.frame(type: "NO_SUCH_TYPE", body: "{}".utf8)]) == .unknownType)
        #expect(try errorCode(for: [Data("RUNG2 REPORT".utf8)]) == .malformedHeader)
        #expect(try errorCode(for: [Envelope.frame(type: "READY", body: #"{"freeSlots":1}"#.utf8), Data()]) == .unexpectedFrames)
        #expect(try errorCode(for: [Data("HTTP/1.1".utf8), Data("GET".utf8), Data()]) == .notRung)
        // A peer speaking RUNG1 is refused in RUNG1's framing, saying which protocol the coordinator speaks.
        try client.send([Data("RUNG1".utf8), Data("READY".utf8), Data(#"{"freeSlots":1}"#.utf8)])
        let old = try #require(try client.receive(timeout: .seconds(20)))
        #expect(old.count == 3 && old[0] == Data("RUNG1".utf8) && old[1] == Data("ERROR".utf8))
        #expect(String(decoding: old.last ?? Data(), as: UTF8.self).contains("peer speaks protocol RUNG1; this side speaks RUNG2 only"))
        // A REPORT from a peer that never said HELLO: asked to say HELLO.
        let report = Message.report(Report(trial: TrialID(0), attempt: 1, seq: 1, resource: 1, metrics: ["acc": 1], atRung: true))
        #expect(try errorCode(for: Envelope.encode(report)) == .unknownPeer)
        // Still serving.
        try client.send(.status(StatusRequest()))
        let reply = try client.receiveMessage(timeout: .seconds(20))
        guard case .statusReply(let status)? = reply else {
            Issue.record("expected STATUS_REPLY, got \(String(describing: reply))")
            return
        }
        #expect(status.study == "cluster-test")
        #expect(status.finished == false)
        coordinator.requestStop()
        try await serving.value
    }
}
