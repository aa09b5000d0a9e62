// Machine faults versus trial faults in the coordinator state machine: a FAILED that the worker
// marks as its machine's fault quarantines the worker (no new work, survives a restore), runs the
// trial again elsewhere without counting the attempt, and a release gives the worker work again;
// attempts lost with a dead worker are queued again uncounted. Also the worker's own cache check.
import Foundation
import Testing
import Search
@testable import Runtime

private let a = WorkerName("a"), b = WorkerName("b")

private func orders(_ actions: [CoordinatorAction]) -> [(WorkerName, WorkOrder)] {
    actions.compactMap { if case .send(let w, .assign(let o)) = $0 { return (w, o) } else { return nil } }
}

@Test func aMachineFaultQuarantinesTheWorkerAndRunsTheTrialElsewhereUncounted() {
    var core = CoordinatorCore(engine: ScriptedEngine(count: 1), settings: .init(objective: "acc", maxResource: 3, leaseTimeout: 10))
    _ = core.handle(.hello(a, slots: 1, running: []), now: 0)
    #expect(core.trials[TrialID(0)]?.liveWorker == a)
    var records: [JournalRecord] = []
    let out = core.handle(.ended(a, AttemptRef(trial: TrialID(0), attempt: 1), .machineFault(reason: "the cache /x is not writable")), now: 1)
    records += out.compactMap { if case .persist(let r) = $0 { return r } else { return nil } }
    #expect(core.quarantined[a] == "the cache /x is not writable")
    #expect(out.contains(.publish(.workerQuarantined(a, reason: "the cache /x is not writable"))))
    #expect(core.engine.events.contains(.requeued(trial: TrialID(0))))
    #expect(!core.engine.events.contains(.failed(trial: TrialID(0), reason: "the cache /x is not writable")))
    #expect(orders(out).isEmpty, "a quarantined worker gets no new work")
    #expect(core.trials[TrialID(0)]?.state.isFinal == false)

    // A healthy worker joins: the trial runs there as attempt 2.
    let joined = core.handle(.hello(b, slots: 1, running: []), now: 2)
    #expect(orders(joined).map(\.0) == [b])
    #expect(orders(joined).first?.1.attempt == 2)

    // The quarantine is part of the record: a restored core has it too.
    let restored = CoordinatorCore.restore(engine: ScriptedEngine(count: 1), settings: core.settings,
                                           journal: records, now: 3)
    #expect(restored.quarantined[a] != nil)

    // Released: a gets work again (a second trial would go to it; here it simply counts free slots).
    let release = core.handle(.releaseWorker(a), now: 4)
    #expect(release.contains(.publish(.workerReleased(a))))
    #expect(core.quarantined[a] == nil)
    #expect(core.idleSlots == 1)
}

@Test func attemptsLostWithDeadWorkersNeverCountAgainstMaxAttempts() throws {
    var study = try Study.parse(yaml: """
        name: lost
        trials: 1
        max_attempts: 2
        objective: {metric: acc, direction: maximize}
        budget: {resource: epochs, min_resource: 1, max_resource: 3, reduction_factor: 3}
        space:
          lr: {type: uniform, low: 0, high: 1}
        task: {command: ["true"]}
        """, source: "test")
    study.maxAttempts = 2
    var core = CoordinatorCore(engine: SearchEngine(study: study), settings: .init(objective: "acc", maxResource: 3, leaseTimeout: 5))
    var now = 0.0
    // Five workers in a row take the trial and die (lease expiry).
    for i in 0..<5 {
        let w = WorkerName("w\(i)")
        _ = core.handle(.hello(w, slots: 1, running: []), now: now)
        #expect(core.trials[TrialID(0)]?.liveWorker == w, "round \(i)")
        now += 10
        _ = core.handle(.tick, now: now)
        #expect(core.trials[TrialID(0)]?.state.isFinal == false, "lost \(i + 1) times with max_attempts 2")
    }
}

@Test func theWorkersCacheCheckNamesWhatIsWrong() throws {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("rung-machine-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: root) }
    #expect(MachineCheck.problem(cache: root.appendingPathComponent("cache"), minFreeBytes: 0) == nil)
    // Under a regular file: cannot be created.
    let file = root.appendingPathComponent("file")
    try Data("x".utf8).write(to: file)
    #expect(MachineCheck.problem(cache: file.appendingPathComponent("cache"), minFreeBytes: 0)?.contains("cannot be created") == true)
    // Not enough free space.
    #expect(MachineCheck.problem(cache: root, minFreeBytes: Int64.max / 2)?.contains("MB free") == true)
    // Read-only (root ignores permissions, so only checked when they bite).
    let ro = root.appendingPathComponent("ro")
    try FileManager.default.createDirectory(at: ro, withIntermediateDirectories: true)
    chmod(ro.path, 0o555)
    defer { chmod(ro.path, 0o755) }
    if getuid() != 0 {
        #expect(MachineCheck.problem(cache: ro, minFreeBytes: 0)?.contains("not writable") == true)
    }
}
