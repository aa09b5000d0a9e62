// Trial processes under control: `task.timeout` (per epoch, per attempt) stops a hung attempt and
// fails it with the reason, the study-file key is validated, and a child spawned with
// `dieWithParent` is SIGKILLed when the thread that spawned it ends (as when its worker dies).
import Foundation
import Synchronization
import Testing
import Search
@testable import Runtime
import RungTestKit

private func hungOrder() -> WorkOrder {
    WorkOrder(assignment: Assignment(trial: TrialID(3), config: ["lr": .double(0.1)], fromResource: 0, toResource: 2,
                                     reportAt: [2]),
              attempt: 1, checkpoint: .none, isFinal: true)
}

private func end(of run: TrialRun) async -> AttemptEnd? {
    for await e in run.events { if case .ended(let x) = e { return x } }
    return nil
}

@Test func aTrialSilentForLongerThanItsEpochTimeoutFailsWithTheReason() async throws {
    let cache = TrialCache(root: FileManager.default.temporaryDirectory.appendingPathComponent("rung-timeout-\(UUID().uuidString)"))
    defer { try? FileManager.default.removeItem(at: cache.root) }
    let task = TrialTask.command(CommandTask(argv: ["/bin/sh", "-c", #"echo '{"epoch": 1, "acc": 0.5}'; exec sleep 120"#]))
    let started = Date()
    let run = try TrialRun(order: hungOrder(), task: task, cache: cache, rungExecutable: "/bin/false", stopGrace: 0.5,
                           timeout: TaskTimeout(epoch: 1))
    let outcome = await end(of: run)
    #expect(outcome == .failed(reason: "timed out: no metric line for 1 s (task.timeout.epoch)"))
    #expect(Date().timeIntervalSince(started) < 60)  // long before the 120 s sleep ends, even on a loaded machine

    let whole = try TrialRun(order: hungOrder(), task: .command(CommandTask(argv: ["/bin/sh", "-c", "exec sleep 60"])),
                             cache: cache, rungExecutable: "/bin/false", stopGrace: 0.5, timeout: TaskTimeout(attempt: 0.5))
    #expect(await end(of: whole) == .failed(reason: "timed out: the attempt ran longer than 0.5 s (task.timeout.attempt)"))
}

@Test func theTimeoutKeyIsValidated() throws {
    func parse(_ json: String) throws -> TaskTimeout { try TaskTimeout.parse(json: Data(json.utf8)) }
    #expect(try parse(#"{"command": ["x"]}"#) == TaskTimeout())
    #expect(try parse(#"{"command": ["x"], "timeout": 30}"#) == TaskTimeout(attempt: 30))
    #expect(try parse(#"{"command": ["x"], "timeout": {"epoch": 5, "attempt": 60}}"#) == TaskTimeout(epoch: 5, attempt: 60))
    for bad in [#"{"timeout": -1}"#, #"{"timeout": {"epochs": 5}}"#, #"{"timeout": {"epoch": "5"}}"#, #"{"timeout": {}}"#, #"{"timeout": true}"#] {
        #expect(throws: RuntimeError.self, "\(bad)") { try parse(bad) }
    }
    // The task itself still parses with the key.
    #expect(try TrialTask.parse(json: Data(#"{"command": ["x"], "timeout": 30}"#.utf8)) == .command(CommandTask(argv: ["x"])))
}

/// Whether process `pid` is gone (or a zombie nobody reaped yet).
private func gone(_ pid: Int32) -> Bool {
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else { return true }
    guard let close = stat.lastIndex(of: ")") else { return true }
    return stat[stat.index(close, offsetBy: 2)] == "Z"
}

/// Waits up to `seconds` for `condition`.
private func eventually(_ seconds: Double, _ condition: () -> Bool) async -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if condition() { return true }
        try? await Task.sleep(for: .milliseconds(50))
    }
    return condition()
}

@Suite(.serialized) struct WorkerChildrenTests {
    /// A study of one trial whose process records its pid, then either sleeps (exec, same pid) or
    /// traps SIGTERM to write `graceful` after 0.3 s.
    private func study(trap: Bool) throws -> (root: URL, file: URL, dir: URL) {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("rung-children-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        let body = trap
            ? "trap 'sleep 0.3; echo done > \(root.path)/graceful; exit 0' TERM; sleep 60 & wait"
            : "exec sleep 60"
        let file = root.appendingPathComponent("study.yaml")
        try """
            name: children
            trials: 1
            objective: {metric: acc, direction: maximize}
            budget: {resource: epochs, min_resource: 1, max_resource: 3, reduction_factor: 3}
            space:
              lr: {type: uniform, low: 0, high: 1}
            task:
              command: ["/bin/sh", "-c", "echo $$ > \(root.path)/pid; \(body)"]
            """.write(to: file, atomically: true, encoding: .utf8)
        return (root, file, root.appendingPathComponent("run"))
    }

    private func pid(in root: URL) -> Int32? {
        (try? String(contentsOf: root.appendingPathComponent("pid"), encoding: .utf8))
            .flatMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv"), "needs util-linux setpriv"))
    func trialProcessesDieWithASIGKILLedWorker() async throws {
        let rung = try #require(rungBinary(), "build the rung executable first (swift build)")
        let s = try study(trap: false)
        defer { try? FileManager.default.removeItem(at: s.root) }
        let cluster = LocalCluster(rung: rung, endpoints: try LoopbackEndpoints())
        let coordinator = try Watched(cluster.coordinator(study: s.file, directory: s.dir))
        let worker = try Watched(cluster.worker(name: "w1", cache: s.root.appendingPathComponent("cache")))
        #expect(await eventually(30) { pid(in: s.root) != nil })
        let trial = try #require(pid(in: s.root))
        #expect(!gone(trial))
        worker.process.signal(SIGKILL)
        _ = await worker.waitExit(within: 10)
        #expect(await eventually(5) { gone(trial) }, "trial process \(trial) outlived its SIGKILLed worker")
        coordinator.process.signal(SIGKILL)
        _ = await coordinator.waitExit(within: 10)
    }

    @Test func aWorkerOnSIGTERMGivesItsTrialsTheirStopGrace() async throws {
        let rung = try #require(rungBinary(), "build the rung executable first (swift build)")
        let s = try study(trap: true)
        defer { try? FileManager.default.removeItem(at: s.root) }
        let cluster = LocalCluster(rung: rung, endpoints: try LoopbackEndpoints())
        let coordinator = try Watched(cluster.coordinator(study: s.file, directory: s.dir))
        let worker = try Watched(cluster.worker(name: "w1", cache: s.root.appendingPathComponent("cache"),
                                                extra: ["--stop-grace", "5"]))
        #expect(await eventually(30) { pid(in: s.root) != nil })
        worker.process.signal(SIGTERM)
        #expect(await worker.waitExit(within: 15) == .exited(0))
        #expect(FileManager.default.fileExists(atPath: s.root.appendingPathComponent("graceful").path),
                "the trial did not get to finish its SIGTERM handler before the worker left")
        coordinator.process.signal(SIGKILL)
        _ = await coordinator.waitExit(within: 10)
    }
}
