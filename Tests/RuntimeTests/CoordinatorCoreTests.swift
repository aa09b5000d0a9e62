// Tests of the coordinator state machine with a scripted engine: dispatch, deferred milestones,
// promotion to the checkpoint holder, dedupe, superseded attempts, leases, failures, stop and
// restore from the journal. Exact action sequences; virtual clock.
import Testing
import Search
@testable import Runtime

typealias Core = CoordinatorCore<ScriptedEngine>

private let a = WorkerName("a"), b = WorkerName("b")

private func makeCore(count: Int = 3) -> Core {
    Core(engine: ScriptedEngine(count: count), settings: .init(objective: "acc", maxResource: 3, leaseTimeout: 10))
}

private func orders(_ actions: [CoordinatorAction]) -> [(WorkerName, WorkOrder)] {
    actions.compactMap { if case .send(let w, .assign(let o)) = $0 { return (w, o) } else { return nil } }
}

private func report(_ t: Int, attempt: Int = 1, seq: Int, at r: Double, acc: Double) -> EpochReport {
    EpochReport(trial: TrialID(t), attempt: attempt, seq: seq, resource: r, metrics: ["acc": acc])
}

private func ref(_ t: Int, _ attempt: Int = 1) -> AttemptRef { AttemptRef(trial: TrialID(t), attempt: attempt) }

@Test func helloFillsEverySlotAndPersistsBeforeSending() {
    var core = makeCore()
    let out = core.handle(.hello(a, slots: 2, running: []), now: 0)
    let sent = orders(out)
    #expect(sent.map(\.0) == [a, a])
    #expect(sent.map(\.1.assignment.trial) == [TrialID(0), TrialID(1)])
    #expect(sent.map(\.1.attempt) == [1, 1])
    #expect(sent.allSatisfy { $0.1.checkpoint == .none })
    // Each ASSIGN comes after the record that says it started.
    for (i, action) in out.enumerated() {
        if case .send(_, .assign(let o)) = action {
            #expect(out[..<i].contains(.persist(.started(o, worker: a))))
        }
    }
    #expect(core.engine.events == [.slotFree, .slotFree])
    #expect(core.trials[TrialID(0)]?.state == .running)
    #expect(core.workers[a]?.idle == 0)
}

@Test func theEngineGetsAReportsMetricsInTheOrderReported() throws {
    var core = makeCore(count: 1)
    _ = core.handle(.hello(a, slots: 1, running: []), now: 0)
    let metrics: MetricValues = ["val_loss": 0.3, "acc": 0.9, "latency_ms": 4]
    _ = core.handle(.report(a, EpochReport(trial: TrialID(0), attempt: 1, seq: 1, resource: 1, metrics: metrics)), now: 1)
    _ = core.handle(.ended(a, ref(0), .paused(resource: 1)), now: 2)
    let reported = core.engine.events.compactMap { if case .reported(_, _, _, let m) = $0 { return m } else { return nil } }
    #expect(reported.count == 1)
    #expect(try #require(reported.first).keys == ["val_loss", "acc", "latency_ms"])
}

@Test func milestoneAtPauseWaitsForPausedAndPromotionGoesToHolder() {
    var core = makeCore(count: 2)
    _ = core.handle(.hello(a, slots: 1, running: []), now: 0)
    _ = core.handle(.hello(b, slots: 1, running: []), now: 0)
    // Trial 0 on a, trial 1 on b.
    #expect(core.trials[TrialID(0)]?.liveWorker == a)
    #expect(core.trials[TrialID(1)]?.liveWorker == b)
    let r = core.handle(.report(a, report(0, seq: 1, at: 1, acc: 0.9)), now: 1)
    #expect(r == [.persist(.epoch(report(0, seq: 1, at: 1, acc: 0.9))), .publish(.epoch(report(0, seq: 1, at: 1, acc: 0.9)))])
    #expect(core.engine.events.count == 2)  // nothing reported to the engine yet
    let p = core.handle(.ended(a, ref(0), .paused(resource: 1)), now: 2)
    #expect(core.engine.events.suffix(2) == [
        .reported(trial: TrialID(0), resource: 1, value: 0.9, metrics: ["acc": 0.9]), .slotFree])
    let sent = orders(p)
    #expect(sent.count == 1)
    #expect(sent[0].0 == a)
    #expect(sent[0].1 == WorkOrder(
        assignment: Assignment(trial: TrialID(0), config: ["lr": .double(0)], fromResource: 1, toResource: 3, reportAt: [3]),
        attempt: 2, checkpoint: .local, isFinal: true))
    #expect(p.contains(.publish(.promoted(TrialID(0), toResource: 3))))
}

@Test func duplicateReportIgnoredAndSupersededAttemptRefused() {
    var core = makeCore(count: 1)
    _ = core.handle(.hello(a, slots: 1, running: []), now: 0)
    let first = core.handle(.report(a, report(0, seq: 1, at: 0.5, acc: 0.1)), now: 1)
    #expect(first.count == 2)
    #expect(core.handle(.report(a, report(0, seq: 1, at: 0.5, acc: 0.1)), now: 1) == [])
    let bad = core.handle(.report(a, report(0, attempt: 0, seq: 2, at: 0.5, acc: 0.1)), now: 1)
    #expect(bad == [.refuse(a, .malformed("`attempt` is 0; accepted: 1…1000000"))])
    let next = core.handle(.report(a, report(0, attempt: 2, seq: 2, at: 0.5, acc: 0.1)), now: 1)
    #expect(next == [.refuse(a, .unassignedAttempt(ref(0, 2), current: 1)), .send(a, .stop(ref(0, 2)))])
    let unknown = core.handle(.report(a, report(7, attempt: 1, seq: 2, at: 0.5, acc: 0.1)), now: 1)
    #expect(unknown == [.refuse(a, .unknownTrial(TrialID(7)))])
    // Unknown sender: asked to say HELLO.
    #expect(core.handle(.heartbeat(b, running: []), now: 1) == [.refuse(b, .unknownWorker(b))])
}

@Test func silentWorkerLosesItsTrialWhichResumesFromStoredCheckpointElsewhere() {
    var core = makeCore(count: 1)
    _ = core.handle(.hello(a, slots: 1, running: []), now: 0)
    _ = core.handle(.report(a, report(0, seq: 1, at: 1, acc: 0.8)), now: 1)
    _ = core.handle(.ended(a, ref(0), .paused(resource: 1)), now: 2)  // promoted on a as attempt 2
    #expect(core.trials[TrialID(0)]?.attempt == 2)
    _ = core.handle(.checkpointStored(trial: TrialID(0), resource: 1), now: 3)
    _ = core.handle(.hello(b, slots: 1, running: []), now: 5)  // nothing to do for b: waits
    #expect(core.engine.events.last == .slotFree)
    let asked = core.engine.events.count
    _ = core.handle(.heartbeat(b, running: []), now: 12)
    _ = core.handle(.tick, now: 12)
    #expect(core.engine.events.count == asked)  // the engine said wait and nothing changed since
    let out = core.handle(.tick, now: 12.5)  // a last heard at 2: silent for 10.5 s
    #expect(out.contains(.persist(.lost(ref(0, 2), worker: a))))
    #expect(out.contains(.publish(.requeued(TrialID(0)))))
    let sent = orders(out)
    #expect(sent.count == 1)
    #expect(sent[0].0 == b)
    #expect(sent[0].1.attempt == 3)
    #expect(sent[0].1.checkpoint == .coordinator)
    #expect(sent[0].1.assignment.fromResource == 1)
    #expect(core.workers[a] == nil)
    // A late report from the lost attempt is refused.
    let late = core.handle(.report(b, report(0, attempt: 2, seq: 9, at: 2, acc: 0.8)), now: 13)
    #expect(late.first == .refuse(b, .supersededAttempt(ref(0, 2), current: 3)))
}

@Test func lostCheckpointFallsBackToRunningFromScratch() {
    var core = makeCore(count: 1)
    _ = core.handle(.hello(a, slots: 1, running: []), now: 0)
    _ = core.handle(.report(a, report(0, seq: 1, at: 1, acc: 0.8)), now: 1)
    _ = core.handle(.ended(a, ref(0), .paused(resource: 1)), now: 2)
    _ = core.handle(.goodbye(a), now: 3)  // leaves before uploading
    let out = core.handle(.hello(b, slots: 1, running: []), now: 4)
    let sent = orders(out)
    #expect(sent.map(\.1.checkpoint) == [.none])
    #expect(sent.map(\.1.assignment.fromResource) == [0])
    #expect(sent.map(\.1.assignment.toResource) == [3])
}

@Test func crashFailsTheTrialAndLowValueIsStopped() {
    var core = makeCore(count: 2)
    _ = core.handle(.hello(a, slots: 2, running: []), now: 0)
    let crash = core.handle(.ended(a, ref(0), .failed(reason: "killed by signal 9")), now: 1)
    #expect(crash.contains(.persist(.failed(TrialID(0), reason: "killed by signal 9"))))
    #expect(core.trials[TrialID(0)]?.state == .failed(reason: "killed by signal 9"))
    // Trial 1 reports a low value at its rung: paused then stopped by the engine.
    _ = core.handle(.report(a, report(1, seq: 1, at: 1, acc: 0.2)), now: 2)
    let end = core.handle(.ended(a, ref(1), .paused(resource: 1)), now: 3)
    #expect(end.contains(.persist(.stopped(TrialID(1)))))
    #expect(core.trials[TrialID(1)]?.state == .stopped)
    #expect(core.isComplete)
    #expect(end.suffix(2) == [.publish(.studyComplete), .send(a, .shutdown)])
}

@Test func stopOfARunningTrialFreesItsSlotAtOnce() {
    // Missing objective at a mid-assignment milestone fails the trial and stops the attempt.
    var core = Core(engine: ScriptedEngine(count: 1), settings: .init(objective: "f1", maxResource: 3))
    _ = core.handle(.hello(a, slots: 1, running: []), now: 0)
    var asg = core.trials[TrialID(0)]!.assignment
    #expect(asg.reportAt == [1])
    asg.reportAt = [0.5, 1]
    core.trials[TrialID(0)]!.assignment = asg
    let out = core.handle(.report(a, report(0, seq: 1, at: 0.5, acc: 0.3)), now: 1)
    // STOP frees the slot at once; the attempt's later messages change nothing.
    let stop = out.firstIndex(of: .send(a, .stop(ref(0))))
    #expect(stop != nil)
    #expect(out.firstIndex(of: .persist(.ended(ref(0), .stopped))).map { $0 < stop! } == true)
    #expect(core.workers[a]?.idle == 1)
    #expect(core.isComplete)
    #expect(core.handle(.ended(a, ref(0), .stopped), now: 2) == [])
}

@Test func restoredCoordinatorMatchesLiveAndReadoptsItsWorker() {
    var live = makeCore(count: 3)
    var journal: [JournalRecord] = []
    func run(_ input: CoordinatorInput, _ now: Double) {
        for case .persist(let r) in live.handle(input, now: now) { journal.append(r) }
    }
    run(.hello(a, slots: 2, running: []), 0)
    run(.report(a, report(0, seq: 1, at: 1, acc: 0.9)), 1)
    run(.ended(a, ref(0), .paused(resource: 1)), 2)
    run(.report(a, report(1, seq: 1, at: 0.5, acc: 0.4)), 3)
    var back = Core.restore(engine: ScriptedEngine(count: 3), settings: live.settings, journal: journal, now: 100)
    #expect(back.trials == live.trials)
    #expect(back.queue == live.queue)
    #expect(back.engine.events == live.engine.events)
    #expect(back.workers[a]?.introduced == false)
    #expect(back.workers[a]?.running == [ref(0, 2), ref(1)])
    // The duplicate resent after the restart is ignored; the worker must say HELLO first.
    #expect(back.handle(.report(a, report(1, seq: 1, at: 0.5, acc: 0.4)), now: 101) == [.refuse(a, .unknownWorker(a))])
    let hello = back.handle(.hello(a, slots: 2, running: [ref(1)]), now: 101)
    #expect(hello.contains(.persist(.lost(ref(0, 2), worker: a))))
    #expect(back.handle(.report(a, report(1, seq: 1, at: 0.5, acc: 0.4)), now: 102) == [])
    #expect(back.trials[TrialID(1)]?.state == .running)
    // Trial 0 runs again as attempt 3 from its checkpoint, which a still holds.
    #expect(back.trials[TrialID(0)]?.attempt == 3)
    #expect(orders(hello).map(\.1.checkpoint) == [.local])
}

@Test func stopStudyStopsEveryTrialAndStartsNothingMore() {
    var core = makeCore(count: 5)
    _ = core.handle(.hello(a, slots: 2, running: []), now: 0)
    _ = core.handle(.report(a, report(0, seq: 1, at: 1, acc: 0.9)), now: 1)
    _ = core.handle(.ended(a, ref(0), .paused(resource: 1)), now: 2)  // trial 0 promoted: attempt 2
    let out = core.handle(.stopStudy(drain: false), now: 3)
    #expect(out.contains(.send(a, .stop(ref(0, 2)))))
    #expect(out.contains(.send(a, .stop(ref(1)))))
    #expect(out.contains(.persist(.complete)))
    #expect(out.last == .send(a, .shutdown))
    #expect(core.trials.values.allSatisfy { $0.state == .stopped })
    #expect(core.workers[a]?.idle == 2)
    #expect(orders(core.handle(.tick, now: 100)).isEmpty)
}
