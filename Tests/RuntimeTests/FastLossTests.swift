// Fast loss detection: a SIGKILLed worker's connection drops at once; the coordinator's socket
// monitor sees it and, once the other workers have heartbeated, takes the silent one as gone — in
// about a second, not after the 30 s lease — and its trial runs again elsewhere, uncounted. A
// frozen worker (SIGSTOP: its TCP connection stays open, nothing answers) is dropped by the ROUTER's
// ZMTP heartbeats after 10 s, also well before the lease.
import Foundation
import Testing
import Search
import Store
@testable import Runtime
import RungTestKit

@Suite(.serialized) struct FastLossTests {
    @Test func aKilledWorkerIsNoticedInSecondsNotAtTheLeaseTimeout() async throws {
        let rung = try #require(rungBinary(), "build the rung executable first (swift build)")
        let s = try ScriptStudy(trials: 10, sleep: 0.4)
        defer { s.remove() }
        let cluster = LocalCluster(rung: rung, endpoints: try LoopbackEndpoints())
        let coordinator = try Watched(cluster.coordinator(study: s.studyFile, directory: s.directory,
                                                          extra: ["--heartbeat", "0.5", "--lease-timeout", "30"]))
        let w1 = try Watched(cluster.worker(name: "w1", cache: s.cache("w1")))
        #expect(await coordinator.line(within: 60) { $0.contains("attempt 1 on w1") } != nil, "\(coordinator.lines.suffix(5))")
        let w2 = try Watched(cluster.worker(name: "w2", cache: s.cache("w2")))
        #expect(await coordinator.line(within: 30) { $0.contains("worker w2 joined") } != nil)
        let killed = Date()
        w1.process.signal(SIGKILL)
        let lost = await coordinator.line(within: 25) { $0.contains("lost with worker w1") }
        #expect(lost != nil, "\(coordinator.lines.suffix(8))")
        #expect(Date().timeIntervalSince(killed) < 20, "noticed only after \(Date().timeIntervalSince(killed)) s")
        let trial = try #require(lost.flatMap(trialNumber(in:)))
        #expect(await coordinator.waitExit(within: 90) == .exited(0), "\(coordinator.stderr)")
        _ = await w2.waitExit(within: 30)
        let store = try StudyStore.open(StudyDirectory(s.directory), role: .reader)
        #expect(try store.trials().allSatisfy { $0.state == .completed || $0.state == .stopped })
        #expect(try store.attempts(TrialID(trial)).contains { $0.worker == "w2" })
    }

    @Test func aFrozenWorkerIsDroppedByZMTPHeartbeatsBeforeTheLeaseTimeout() async throws {
        let rung = try #require(rungBinary(), "build the rung executable first (swift build)")
        let s = try ScriptStudy(trials: 6, sleep: 0.4)
        defer { s.remove() }
        let cluster = LocalCluster(rung: rung, endpoints: try LoopbackEndpoints())
        let coordinator = try Watched(cluster.coordinator(study: s.studyFile, directory: s.directory,
                                                          extra: ["--heartbeat", "0.5", "--lease-timeout", "60"]))
        let w1 = try Watched(cluster.worker(name: "w1", cache: s.cache("w1")))
        defer { w1.process.signal(SIGKILL); coordinator.process.signal(SIGKILL) }
        #expect(await coordinator.line(within: 60) { $0.contains("attempt 1 on w1") } != nil, "\(coordinator.lines.suffix(5))")
        let w2 = try Watched(cluster.worker(name: "w2", cache: s.cache("w2")))
        defer { w2.process.signal(SIGKILL) }
        #expect(await coordinator.line(within: 30) { $0.contains("worker w2 joined") } != nil)
        let frozen = Date()
        w1.process.signal(SIGSTOP)
        let lost = await coordinator.line(within: 50) { $0.contains("lost with worker w1") }
        let after = Date().timeIntervalSince(frozen)
        #expect(lost != nil, "\(coordinator.lines.suffix(8))")
        #expect(after < 40, "noticed only after \(after) s (lease 60 s)")
        #expect(await coordinator.waitExit(within: 120) == .exited(0), "\(coordinator.stderr)")
        let store = try StudyStore.open(StudyDirectory(s.directory), role: .reader)
        #expect(try store.trials().allSatisfy { $0.state == .completed || $0.state == .stopped })
        print("a frozen worker was taken as gone after \(String(format: "%.1f", after)) s (ZMTP heartbeat timeout 10 s, lease 60 s)")
    }
}
