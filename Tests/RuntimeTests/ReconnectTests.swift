// Clients across a coordinator restart: a live query sent while the coordinator is down is sent
// again on a fresh connection and answered by the restarted coordinator, instead of failing with
// "no reply within 10 s".
import Foundation
import Testing
import Search
import Store
@testable import Runtime

@Suite(.serialized) struct ReconnectTests {
    @Test func aLiveQueryIsAnsweredByTheRestartedCoordinator() async throws {
        let rung = try #require(rungBinary(), "build the rung executable first (swift build)")
        let s = try ScriptStudy(trials: 4, sleep: 0.2)
        defer { s.remove() }
        let cluster = LocalCluster(rung: rung, endpoints: try LoopbackEndpoints())
        let first = try Watched(cluster.coordinator(study: s.studyFile, directory: s.directory))
        let reader = try LiveStudyReader(endpoint: cluster.endpoints.routerURL, timeout: 60, notice: { _ in })
        #expect(try await reader.studyInfo().name == "cluster-test")
        first.process.signal(SIGKILL)
        _ = await first.waitExit(within: 10)
        // Asked while no coordinator listens; the restarted one answers it.
        let pending = Task { try await reader.summary() }
        try await Task.sleep(for: .seconds(1))
        let second = try Watched(cluster.coordinator(study: nil, directory: s.directory))
        let summary = try await pending.value
        #expect(summary.info.name == "cluster-test")
        second.process.signal(SIGKILL)
        _ = await second.waitExit(within: 10)
    }
}
