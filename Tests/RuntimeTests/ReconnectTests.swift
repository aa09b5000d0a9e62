// Clients across a coordinator restart: a live query sent while the coordinator is down is sent
// again on a fresh connection and answered by the restarted coordinator, instead of failing with
// "no reply within 10 s"; `rung logs --follow` goes on through a restart and prints every line
// once, the same as the study directory holds.
import Foundation
import Testing
import Search
import Store
@testable import Runtime
import RungTestKit

@Suite(.serialized) struct ReconnectTests {
    @Test func aLiveQueryIsAnsweredByTheRestartedCoordinator() async throws {
        let rung = try #require(rungBinary(), "build the rung executable first (swift build)")
        let s = try ScriptStudy(trials: 4, sleep: 0.2)
        defer { s.remove() }
        let cluster = LocalCluster(rung: rung, endpoints: try LoopbackEndpoints())
        let first = try Watched(cluster.coordinator(study: s.studyFile, directory: s.directory))
        let (notices, notice) = AsyncStream.makeStream(of: String.self)
        let reader = try LiveStudyReader(endpoint: cluster.endpoints.routerURL, timeout: 60, notice: { notice.yield($0) })
        #expect(try await reader.studyInfo().name == "cluster-test")
        first.process.signal(SIGKILL)
        _ = await first.waitExit(within: 10)
        // Asked while no coordinator listens; the restarted one answers it.
        let pending = Task { try await reader.summary() }
        // The reader says so once its request has gone a second without an answer.
        let waiting = await firstElement(of: notices, within: 20)
        #expect(waiting?.hasPrefix("waiting for the coordinator") == true, "\(waiting ?? "no notice")")
        let second = try Watched(cluster.coordinator(study: nil, directory: s.directory))
        let summary = try await pending.value
        #expect(summary.info.name == "cluster-test")
        second.process.signal(SIGKILL)
        _ = await second.waitExit(within: 10)
    }

    @Test func logsFollowCarriesOnAcrossACoordinatorRestart() async throws {
        let rung = try #require(rungBinary(), "build the rung executable first (swift build)")
        let s = try ScriptStudy(trials: 6, sleep: 0.2)
        defer { s.remove() }
        let cluster = LocalCluster(rung: rung, endpoints: try LoopbackEndpoints())
        let first = try Watched(cluster.coordinator(study: s.studyFile, directory: s.directory))
        let follower = try rungChild(rung, ["logs", "--all", "--follow", "--connect", cluster.endpoints.routerURL])
        let worker = try Watched(cluster.worker(name: "w1", cache: s.cache("w1")))
        var second: Watched?
        defer { for p in [first, worker] + (second.map { [$0] } ?? []) { p.process.signal(SIGKILL) } }
        #expect(await first.line(within: 60) { $0.contains("trial 1 paused at rung 0") } != nil, "\(first.lines.suffix(5))")
        first.process.signal(SIGKILL)
        // The follower is now without a coordinator until the restart below.
        _ = await first.waitExit(within: 10)
        second = try Watched(cluster.coordinator(study: nil, directory: s.directory))
        #expect(await second!.waitExit(within: 120) == .exited(0), "\(second!.lines.suffix(10)) \(second!.stderr)")
        _ = await worker.waitExit(within: 30)

        let followed = await finish(follower, within: 45)
        #expect(followed.exit == 0, "the follower: \(followed.stderr)")
        var live = followed.lines
        let last = live.popLast() ?? ""
        #expect(last.hasPrefix("-- study cluster-test is completed"), "\(last)")
        let offline = try await rungOutput(rung, ["logs", "--all", "--dir", s.directory.path])
        #expect(offline.exit == 0)
        #expect(live == offline.lines, "live \(live.count) lines, offline \(offline.lines.count)")
        #expect(Set(live).count == live.count, "no line twice")
        // Lines written after the restart reached the follower.
        #expect(live.contains { $0.contains("study complete") }, "\(live.suffix(5))")
    }
}

/// The first element `stream` yields within `seconds`; nil if none does (or it ends).
private func firstElement(of stream: AsyncStream<String>, within seconds: Double) async -> String? {
    await withTaskGroup(of: String?.self) { group in
        group.addTask {
            var next = stream.makeAsyncIterator()
            return await next.next()
        }
        group.addTask {
            try? await Task.sleep(for: .seconds(seconds))  // the deadline, not a poll
            return nil
        }
        let found = await group.next() ?? nil
        group.cancelAll()
        return found
    }
}
