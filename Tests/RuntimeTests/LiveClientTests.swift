// The study clients live (`--connect`) against a running coordinator, compared with the same
// commands offline (`--dir`) on its study directory: status, trials, best, export, and
// `rung logs --follow` run as child processes while the study runs. Also QUERY_REPLY's round trip
// of the store's read models, and the error naming the endpoint when no coordinator answers.
import Foundation
import Testing
import Search
import Store
import Wire
@testable import Runtime
import RungTestKit

/// A `rung` child whose output is collected as it comes (RungTestKit's `Watched`: its exit is
/// reported after its last line, so none is missed).
func rungChild(_ rung: String, _ args: [String]) throws -> Watched {
    try Watched(ChildLaunch(executable: rung, arguments: args, environment: ProcessInfo.processInfo.environment))
}

/// Waits up to `seconds` for `child` to exit (SIGKILL after that); its stdout and stderr lines and
/// its exit status (nil if it had to be killed or died of a signal).
func finish(_ child: Watched, within seconds: Double) async -> (lines: [String], stderr: [String], exit: Int32?) {
    let exit = await child.waitExit(within: seconds)
    guard case .exited(let status)? = exit else { return (child.lines, child.stderr, nil) }
    return (child.lines, child.stderr, status)
}

/// Runs `rung args` to its end (at most `seconds`); its stdout lines, stderr lines and exit status.
func rungOutput(_ rung: String, _ args: [String], within seconds: Double = 30) async throws -> (lines: [String], stderr: [String], exit: Int32?) {
    await finish(try rungChild(rung, args), within: seconds)
}

@Suite(.serialized) struct LiveClientTests {
    @Test func queryRepliesCarryTheStoresReadModelsExactly() throws {
        let trial = StoredTrial(id: TrialID(4), config: ["lr": .double(2.0), "layers": .int(2), "opt": .string("adam"), "warm": .bool(true)],
                                state: .paused, bracket: 1, rung: 0, resource: 3, value: .nan, attempt: 2, worker: "w1",
                                created: 1764426000.25, updated: 1764426001.5, error: nil)
        let reply = try QueryReply(query: .trials, publish: "tcp://*:5556", result: [trial])
        let decoded = try Envelope.decode(Envelope.encode(.queryReply(reply)))
        guard case .queryReply(let back) = decoded else {
            Issue.record("decoded \(decoded.type), not QUERY_REPLY")
            return
        }
        #expect(back == reply)
        #expect(back.publish == "tcp://*:5556")
        let trials = try back.result([StoredTrial].self)
        #expect(trials.count == 1)
        #expect(trials[0].config == trial.config)  // 2.0 stays a float parameter, 2 an integer one
        #expect(trials[0].value?.isNaN == true)
        var got = trials[0], expected = trial
        got.value = nil
        expected.value = nil  // NaN ≠ NaN: compare the rest
        #expect(got == expected)
        // A nil result is JSON null and reads back as nil.
        let none = try QueryReply(query: .trial, publish: nil, result: StoredTrial?.none)
        guard case .queryReply(let noneBack) = try Envelope.decode(Envelope.encode(.queryReply(none))) else { return }
        #expect(try noneBack.result(StoredTrial?.self) == nil)
        #expect(ClientEndpoint.publish(router: "tcp://gpu-box:5555", bound: "tcp://*:6000") == "tcp://gpu-box:6000")
        #expect(ClientEndpoint.publish(router: "tcp://10.0.0.7:5555", bound: nil) == "tcp://10.0.0.7:5556")
    }

    @Test func liveClientsPrintWhatTheStudyDirectoryHoldsAndFollowEveryLine() async throws {
        let rung = try #require(rungBinary(), "build the rung executable first (swift build)")
        let s = try ScriptStudy(trials: 9, sleep: 0.1)
        defer { s.remove() }
        let cluster = LocalCluster(rung: rung, endpoints: try LoopbackEndpoints())
        let connect = ["--connect", cluster.endpoints.routerURL]
        let coordinator = try Watched(cluster.coordinator(study: s.studyFile, directory: s.directory, extra: ["--keep-running"]))
        // Followers started before any trial exists (everything arrives live)…
        let followTrial = try rungChild(rung, ["logs", "--trial", "4", "--follow"] + connect)
        let followAll = try rungChild(rung, ["logs", "--all", "--follow"] + connect)
        let interrupted = try rungChild(rung, ["logs", "--all", "--follow", "--lines-only"] + connect)
        let workers = try (1...2).map { try Watched(cluster.worker(name: "w\($0)", cache: s.cache("w\($0)"))) }
        // …and one once trial 1 has a history (history over the ROUTER, then live over PUB).
        #expect(await coordinator.line(within: 60) { $0.contains("trial 1 attempt 1 on") } != nil, "\(coordinator.lines.suffix(5))")
        let lateFollower = try rungChild(rung, ["logs", "--trial", "1", "--follow"] + connect)
        // Ctrl-C ends a follower at once and cleanly, with what it printed so far.
        #expect(await interrupted.line(within: 30) { _ in true } != nil)
        interrupted.process.signal(SIGINT)
        let cut = await finish(interrupted, within: 30)
        #expect(cut.exit == 0, "\(cut.stderr)")
        // While the study runs: the coordinator answers between the batches it ingests.
        let running = try await rungOutput(rung, ["status"] + connect)
        #expect(running.exit == 0, "\(running.stderr)")
        #expect(running.lines.first?.hasPrefix("Study cluster-test: ") == true, "\(running.lines)")
        let best = try await rungOutput(rung, ["best", "--json"] + connect)
        let object = try JSONSerialization.jsonObject(with: Data(best.lines.joined(separator: "\n").utf8)) as? [String: Any]
        #expect(object?["study"] as? String == "cluster-test" && object?["objective"] as? String == "acc", "\(best)")

        #expect(await coordinator.line(within: 90) { $0.contains("study complete") } != nil, "\(coordinator.stderr)")
        for w in workers { #expect(await w.waitExit(within: 30) == .exited(0)) }
        for (follower, trial) in [(followTrial, "4"), (lateFollower, "1"), (followAll, nil)] {
            let followed = await finish(follower, within: 45)
            #expect(followed.exit == 0, "\(followed.stderr)")
            let offline = try await rungOutput(rung, ["logs", "--dir", s.directory.path] + (trial.map { ["--trial", $0] } ?? ["--all"]))
            #expect(offline.exit == 0)
            var live = followed.lines
            let last = live.popLast() ?? ""
            #expect(last.hasPrefix("-- trial \(trial ?? "") is ") || last.hasPrefix("-- study cluster-test is completed"), "\(last)")
            // Every line the trial wrote, once, in commit order, with the decisions between them.
            #expect(live == offline.lines, "trial \(trial ?? "all"): live \(live.count) lines, offline \(offline.lines.count) \(offline.stderr)")
            #expect(Set(live).count == live.count)
            if trial == nil { #expect(live.contains { $0.contains(" == promoted") }) }
            if let trial { #expect(live.contains { $0.hasSuffix("stdout: trial \(trial) epoch 1") }, "\(live) \(last) \(followed.stderr) \(coordinator.lines)") }
        }

        let offlineLines = try await rungOutput(rung, ["logs", "--all", "--lines-only", "--dir", s.directory.path]).lines
        #expect(Array(offlineLines.prefix(cut.lines.count)) == cut.lines)

        // The same tables and JSON from the coordinator as from the directory.
        for command in [["status"], ["trials"], ["best"], ["best", "--json"], ["export", "--format", "jsonl"]] {
            let live = try await rungOutput(rung, command + connect)
            let offline = try await rungOutput(rung, command + ["--dir", s.directory.path])
            #expect(live.exit == 0 && offline.exit == 0, "\(command): \(live.stderr) \(offline.stderr)")
            #expect(!live.lines.isEmpty, "\(command): \(live) \(offline)")
            #expect(live.lines == offline.lines, "\(command.joined(separator: " ")) differs live and offline")
        }
        coordinator.process.signal(SIGTERM)
        #expect(await coordinator.waitExit(within: 30) == .exited(0))
    }

    @Test func clientsNameTheEndpointWhenNoCoordinatorAnswers() async throws {
        let rung = try #require(rungBinary(), "build the rung executable first (swift build)")
        let endpoint = "tcp://127.0.0.1:\(try freeLoopbackPort())"
        let silent = try await rungOutput(rung, ["status", "--connect", endpoint, "--timeout", "1.5"])
        #expect(silent.exit == 1)
        #expect(silent.stderr.contains("waiting for the coordinator at \(endpoint) …"), "\(silent.stderr)")
        #expect(silent.stderr.contains { $0.hasPrefix("error: no reply from the coordinator at \(endpoint) within 1.5 s") }, "\(silent.stderr)")
        let both = try await rungOutput(rung, ["trials", "--dir", "runs/x", "--connect", endpoint])
        #expect(both.exit == 64)
        #expect(both.stderr.contains { $0.contains("--dir and --connect exclude each other") }, "\(both.stderr)")
        let neither = try await rungOutput(rung, ["best"])
        #expect(neither.exit == 64)
    }
}
