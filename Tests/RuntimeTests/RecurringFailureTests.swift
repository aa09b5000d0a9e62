// A worker whose machine fails every trial (here: a library it lacks), beside a healthy one, with
// real processes on loopback: every trial that failed there runs again on the healthy worker and
// ends there, the broken worker is quarantined with its last error (`rung status` says so), and
// `rung worker-release` gives it work again. No trial fails for good.
import Foundation
import Testing
import Runtime
import Store
import RungTestKit

@Suite(.serialized) struct RecurringFailureTests {
    @Test func aWorkerWhoseTrialsFailOnlyThereIsQuarantinedThenReleasedAndNoTrialIsLost() async throws {
        let rung = try #require(rungBinary(), "build the rung executable first (swift build)")
        let s = try ScriptStudy(trials: 12, sleep: 0.3)
        defer { s.remove() }
        let cluster = LocalCluster(rung: rung, endpoints: try LoopbackEndpoints())
        let e = cluster.endpoints.routerURL
        let coordinator = try Watched(cluster.coordinator(study: s.studyFile, directory: s.directory))
        // The healthy worker first: a failure while no other worker is connected is final at once.
        let good = try Watched(cluster.worker(name: "good", cache: s.cache("good")))
        #expect(await coordinator.line(within: 60) { $0.contains("worker good joined") } != nil, "\(coordinator.stderr)")
        var broken = cluster.worker(name: "bad", cache: s.cache("bad"))
        broken.environment["RUNG_TEST_BROKEN_MACHINE"] = "1"
        let bad = try Watched(broken)
        defer { for p in [coordinator, bad, good] { p.process.signal(SIGKILL) } }
        func run(_ args: [String]) async throws -> (exit: ChildExit?, out: [String], err: [String]) {
            let p = try Watched(ChildLaunch(executable: rung, arguments: args, environment: ParentWatch.childEnvironment()))
            let exit = await p.waitExit(within: 60)
            return (exit, p.lines, p.stderr)
        }

        let quarantined = await coordinator.line(within: 60) { $0.contains("worker bad quarantined") }
        #expect(quarantined?.contains("attempts of 2 trials failed here and then succeeded on other workers") == true,
                "\(quarantined ?? "none"): \(coordinator.lines.suffix(20))")
        #expect(quarantined?.contains("ImportError: libcudnn.so.9") == true, "the reason keeps the last error")
        // Hold the study open while the quarantine is checked and lifted.
        #expect(try await run(["pause", "--connect", e]).exit == .exited(0))
        let status = try await run(["status", "--connect", e])
        #expect(status.out.contains { $0.hasPrefix("Worker bad is quarantined") && $0.contains("libcudnn") }, "\(status.out)")
        #expect(coordinator.lines.contains { $0.contains("failed on bad") && $0.contains("queued again for another worker") })

        let release = try await run(["worker-release", "bad", "--connect", e])
        #expect(release.exit == .exited(0), "\(release.err)")
        #expect(release.out.first?.hasPrefix("worker bad released: it gets work again") == true, "\(release.out)")
        #expect(await coordinator.line(within: 30) { $0.contains("worker bad released from quarantine") } != nil)
        let after = try await run(["status", "--connect", e])
        #expect(!after.out.contains { $0.hasPrefix("Worker bad is quarantined") }, "\(after.out)")
        let again = try await run(["worker-release", "bad", "--connect", e])
        #expect(again.exit == .exited(1) && again.out.first?.hasPrefix("worker bad was not quarantined") == true, "\(again.out)")

        #expect(try await run(["resume", "--connect", e]).exit == .exited(0))
        #expect(await coordinator.waitExit(within: 120) == .exited(0), "\(coordinator.lines.suffix(20)) \(coordinator.stderr)")
        let store = try StudyStore.open(StudyDirectory(s.directory), role: .reader)
        let trials = try store.trials()
        #expect(trials.count == 12)
        #expect(trials.allSatisfy { $0.state == .completed || $0.state == .stopped }, "\(trials.map { ($0.id, $0.state, $0.error) })")
        #expect(trials.allSatisfy { $0.error == nil }, "a trial that succeeded elsewhere keeps no error")
        // Every attempt on `bad` failed, and none of those trials lost anything.
        let attempts = try trials.flatMap { try store.attempts($0.id) }
        let onBad = attempts.filter { $0.worker == "bad" }
        #expect(onBad.count >= 2 && onBad.allSatisfy { $0.outcome == .failed }, "\(onBad.map { ($0.trial, $0.outcome) })")
    }
}
