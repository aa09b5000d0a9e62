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

// MARK: - Failures that recur on one worker and not elsewhere

/// Drives a core with workers that fail every attempt (`broken`) or succeed at once (reporting
/// `acc` 0.4 at the assignment's end, so the scripted engine stops the trial there), until nothing
/// is left to run. Returns every order sent, with its worker, and the journal.
private func drive(_ core: inout CoordinatorCore<ScriptedEngine>, workers: [WorkerName], broken: Set<WorkerName>,
                   maxSteps: Int = 200) -> (orders: [(WorkerName, WorkOrder)], journal: [JournalRecord], published: [CoordinatorEvent]) {
    var now = 0.0, sent: [(WorkerName, WorkOrder)] = [], journal: [JournalRecord] = [], published: [CoordinatorEvent] = []
    var pending: [(WorkerName, WorkOrder)] = []
    func take(_ out: [CoordinatorAction]) {
        for action in out {
            switch action {
            case .persist(let r): journal.append(r)
            case .publish(let e): published.append(e)
            case .send(let w, .assign(let o)): sent.append((w, o)); pending.append((w, o))
            default: break
            }
        }
    }
    for w in workers { now += 1; take(core.handle(.hello(w, slots: 1, running: []), now: now)) }
    var steps = 0
    while !pending.isEmpty, steps < maxSteps {
        steps += 1
        now += 1
        let (w, o) = pending.removeFirst()
        let ref = AttemptRef(trial: o.assignment.trial, attempt: o.attempt)
        if broken.contains(w) {
            take(core.handle(.ended(w, ref, .failed(reason: "exit status 1: ImportError: libcudnn.so.9")), now: now))
        } else {
            let to = o.assignment.toResource
            take(core.handle(.report(w, EpochReport(trial: ref.trial, attempt: ref.attempt, seq: 1, resource: to, metrics: ["acc": 0.4])), now: now))
            take(core.handle(.ended(w, ref, .paused(resource: to)), now: now))
        }
    }
    return (sent, journal, published)
}

@Test func failuresThatRecurOnOneWorkerAndNotElsewhereQuarantineItAndCostNoTrial() {
    let bad = WorkerName("bad"), good = WorkerName("good")
    var core = CoordinatorCore(engine: ScriptedEngine(count: 8), settings: .init(objective: "acc", maxResource: 3, leaseTimeout: 1e9))
    let run = drive(&core, workers: [bad, good], broken: [bad])

    // Every trial failed on `bad` ran again on `good` and ended there: no trial failed for good.
    #expect(core.trials.count == 8)
    #expect(core.trials.values.allSatisfy { if case .failed = $0.state { return false } else { return true } },
            "\(core.trials.mapValues(\.state))")
    #expect(!core.engine.events.contains { if case .failed = $0 { return true } else { return false } })
    let failedOnBad = Set(run.orders.filter { $0.0 == bad }.map(\.1.assignment.trial))
    for t in failedOnBad {
        #expect(run.orders.contains { $0.0 == good && $0.1.assignment.trial == t }, "trial \(t) ran again on good")
        #expect(run.journal.contains(.retried(AttemptRef(trial: t, attempt: 1), worker: bad)))
    }
    // Never twice on the broken worker, and nothing more once it is quarantined.
    #expect(failedOnBad.count == run.orders.filter { $0.0 == bad }.count)
    let reason = try? #require(core.quarantined[bad])
    #expect(reason?.contains("attempts of 2 trials failed here and then succeeded on other workers") == true, "\(reason ?? "none")")
    #expect(reason?.contains("libcudnn.so.9") == true)
    #expect(core.quarantined[good] == nil)
    let quarantinedAt = run.journal.firstIndex { if case .quarantined(bad, _) = $0 { return true } else { return false } }
    let lastOnBad = run.journal.lastIndex { if case .started(_, bad) = $0 { return true } else { return false } }
    #expect(quarantinedAt != nil && lastOnBad != nil && lastOnBad! < quarantinedAt!)
    #expect(run.published.contains { if case .attemptFailed(_, bad, _) = $0 { return true } else { return false } })

    // The journal alone gives the same bookkeeping.
    let restored = CoordinatorCore.restore(engine: ScriptedEngine(count: 8), settings: core.settings, journal: run.journal, now: 1e6)
    #expect(restored.quarantined == core.quarantined)
    #expect(restored.strikes == core.strikes)
    #expect(restored.trials.mapValues(\.failedOn) == core.trials.mapValues(\.failedOn))
}

@Test func aFailureThatFollowsTheTrialToASecondMachineIsTheTrialsOwn() {
    let a = WorkerName("a"), b = WorkerName("b")
    var core = CoordinatorCore(engine: ScriptedEngine(count: 3), settings: .init(objective: "acc", maxResource: 3, leaseTimeout: 1e9))
    let run = drive(&core, workers: [a, b], broken: [a, b])
    // Each trial ran once on each machine, then failed for good; nobody is quarantined (the
    // failures follow the trials, not a machine).
    for t in 0..<3 {
        let on = run.orders.filter { $0.1.assignment.trial == TrialID(t) }.map(\.0)
        #expect(Set(on) == [a, b] && on.count == 2, "trial \(t) ran on \(on)")
        guard case .failed(let reason)? = core.trials[TrialID(t)]?.state else { Issue.record("trial \(t) is \(String(describing: core.trials[TrialID(t)]?.state))"); continue }
        #expect(reason.contains("libcudnn"))
    }
    #expect(core.quarantined.isEmpty)
}

@Test func withOneWorkerOrMaxAttemptsOneAFailureIsFinalAtOnce() {
    let a = WorkerName("a"), b = WorkerName("b")
    var alone = CoordinatorCore(engine: ScriptedEngine(count: 2), settings: .init(objective: "acc", maxResource: 3, leaseTimeout: 1e9))
    let one = drive(&alone, workers: [a], broken: [a])
    #expect(one.orders.count == 2, "each trial ran once: \(one.orders.map { ($0.0, $0.1.assignment.trial) })")
    #expect(alone.trials.values.allSatisfy { if case .failed = $0.state { return true } else { return false } })

    var strict = CoordinatorCore(engine: ScriptedEngine(count: 2),
                                 settings: .init(objective: "acc", maxResource: 3, leaseTimeout: 1e9, maxAttempts: 1))
    let once = drive(&strict, workers: [a, b], broken: [a])
    #expect(!once.journal.contains { if case .retried = $0 { return true } else { return false } })
    #expect(strict.trials.values.contains { if case .failed = $0.state { return true } else { return false } })
}
