// The coordinator state machine under operator control, with the real search engine: pause holds
// new assignments and survives a restore from the journal, resume goes on, an enqueued
// configuration is the next trial, stop-trial stops a running attempt, drain ends the study once
// the running attempts have ended. Exact actions; virtual clock.
import Testing
import Search
@testable import Runtime

private typealias RealCore = CoordinatorCore<SearchEngine>
private let w = WorkerName("w")

private func study() throws -> Study {
    try Study.parse(yaml: """
        name: control
        seed: 3
        trials: 6
        objective: {metric: acc, direction: maximize}
        budget: {min_resource: 1, max_resource: 9, reduction_factor: 3}
        space:
          lr: {type: loguniform, low: 1e-4, high: 1e-1}
          layers: {type: int, low: 1, high: 4}
        task: {command: ["train", "{lr}", "{layers}"]}
        """)
}

private func makeCore() throws -> RealCore {
    let s = try study()
    return RealCore(engine: SearchEngine(study: s), settings: .init(objective: "acc", maxResource: 9, leaseTimeout: 100))
}

private func assigned(_ out: [CoordinatorAction]) -> [WorkOrder] {
    out.compactMap { if case .send(_, .assign(let o)) = $0 { return o } else { return nil } }
}

private func records(_ out: [CoordinatorAction]) -> [JournalRecord] {
    out.compactMap { if case .persist(let r) = $0 { return r } else { return nil } }
}

/// Runs trial `t`'s attempt to its target, reporting `acc` there, and ends it.
private func finish(_ core: inout RealCore, _ o: WorkOrder, acc: Double, now: Double) -> [CoordinatorAction] {
    var out = core.handle(.report(w, EpochReport(trial: o.assignment.trial, attempt: o.attempt, seq: 1,
                                                 resource: o.assignment.toResource, metrics: ["acc": acc])), now: now)
    out += core.handle(.ended(w, o.ref, .paused(resource: o.assignment.toResource)), now: now)
    return out
}

@Test func pauseHoldsAssignmentsAcrossARestoreAndResumeGoesOn() throws {
    var core = try makeCore()
    var journal: [JournalRecord] = []
    func run(_ i: CoordinatorInput, _ now: Double) -> [CoordinatorAction] {
        let out = core.handle(i, now: now); journal += records(out); return out
    }
    let first = try #require(assigned(run(.hello(w, slots: 1, running: []), 0)).first)
    let pause = run(.pause, 1)
    #expect(pause.contains(.persist(.assignmentsPaused(true))))
    #expect(pause.contains(.publish(.control(.paused))))
    #expect(core.isPaused)
    // The running attempt goes on to its rung and pauses there; nothing new is assigned.
    var out = core.handle(.report(w, EpochReport(trial: first.assignment.trial, attempt: 1, seq: 1, resource: 1, metrics: ["acc": 0.5])), now: 2)
    out += core.handle(.ended(w, first.ref, .paused(resource: 1)), now: 2)
    journal += records(out)
    #expect(assigned(out).isEmpty)
    #expect(core.trials[first.assignment.trial]?.state == .paused(resource: 1))
    #expect(core.trials[first.assignment.trial]?.lastRungValue == RungValue(resource: 1, value: 0.5))
    // A restarted coordinator remembers the pause.
    var restored = RealCore.restore(engine: SearchEngine(study: try study()), settings: core.settings, journal: journal, now: 3)
    #expect(restored.isPaused)
    #expect(assigned(restored.handle(.hello(w, slots: 1, running: []), now: 3)).isEmpty)
    let resume = restored.handle(.resume, now: 4)
    #expect(resume.contains(.persist(.assignmentsPaused(false))))
    #expect(assigned(resume).map(\.assignment.trial) == [TrialID(1)])
}

@Test func enqueuedConfigurationIsTheNextTrialAndSurvivesARestore() throws {
    var core = try makeCore()
    var journal: [JournalRecord] = []
    journal += records(core.handle(.pause, now: 0))
    let config: Configuration = ["lr": .double(0.0123), "layers": .int(3)]
    #expect(core.engine.enqueueProblem(["lr": .double(5), "layers": .int(3)]) == "`lr` is 5.0, but it takes a real number in [0.0001, 0.1] (log scale)")
    #expect(core.engine.enqueueProblem(["lr": .double(0.01)]) == "`layers` is missing; it takes an integer in 1…4")
    let enqueue = core.handle(.enqueue(config), now: 1)
    journal += records(enqueue)
    #expect(enqueue.contains(.persist(.engine(.enqueued(config: config), at: 1))))
    #expect(core.engine.enqueuedCount == 1)
    var restored = RealCore.restore(engine: SearchEngine(study: try study()), settings: core.settings, journal: journal, now: 2)
    #expect(restored.engine.enqueuedCount == 1)
    _ = restored.handle(.hello(w, slots: 2, running: []), now: 2)
    let orders = assigned(restored.handle(.resume, now: 3))
    #expect(orders.map(\.assignment.config) .first == config)
    #expect(orders.count == 2)  // the enqueued one, then a sampled one
    #expect(orders.last?.assignment.config != config)
    #expect(restored.engine.enqueuedCount == 0)
}

@Test func stopTrialStopsARunningAttemptAndItsSlotTakesNewWork() throws {
    var core = try makeCore()
    let first = try #require(assigned(core.handle(.hello(w, slots: 1, running: []), now: 0)).first)
    let out = core.handle(.stopTrial(first.assignment.trial), now: 1)
    #expect(out.contains(.persist(.engine(.stopRequested(trial: first.assignment.trial), at: 1))))
    #expect(out.contains(.send(w, .stop(first.ref))))
    #expect(out.contains(.publish(.control(.stopRequested(first.assignment.trial)))))
    #expect(core.trials[first.assignment.trial]?.state == .stopped)
    #expect(core.engine.trial(first.assignment.trial)?.state == .stopped)
    #expect(assigned(out).map(\.assignment.trial) == [TrialID(1)])
    // Stopping it again changes nothing.
    #expect(records(core.handle(.stopTrial(first.assignment.trial), now: 2)).isEmpty)
}

@Test func drainEndsTheStudyOnceTheRunningAttemptsHaveEnded() throws {
    var core = try makeCore()
    let orders = assigned(core.handle(.hello(w, slots: 2, running: []), now: 0))
    #expect(orders.count == 2)
    let drain = core.handle(.stopStudy(drain: true), now: 1)
    #expect(drain.contains(.persist(.draining)))
    #expect(!core.isComplete)
    let one = finish(&core, orders[0], acc: 0.4, now: 2)
    #expect(assigned(one).isEmpty)
    #expect(!core.isComplete)
    let two = finish(&core, orders[1], acc: 0.6, now: 3)
    #expect(assigned(two).isEmpty)
    #expect(core.isComplete)
    #expect(two.contains(.persist(.complete)))
    #expect(two.contains(.send(w, .shutdown)))
    // Both ran to their rung: their results reached the engine before the end.
    #expect(core.engine.trials.map { $0.results.count } == [1, 1])
    #expect(core.engine.trials.allSatisfy { $0.state.isFinal })
}

@Test func aReportWithoutTheObjectiveFailsTheTrialListingWhatItReported() throws {
    var core = try makeCore()
    let first = try #require(assigned(core.handle(.hello(w, slots: 1, running: []), now: 0)).first)
    _ = core.handle(.report(w, EpochReport(trial: first.assignment.trial, attempt: 1, seq: 1, resource: 1,
                                           metrics: ["val_acc": 0.8, "loss": 0.4])), now: 1)
    let out = core.handle(.ended(w, first.ref, .paused(resource: 1)), now: 2)
    #expect(out.contains(.persist(.failed(first.assignment.trial, reason:
        "the report at epoch 1 has no value for the objective 'acc'; it reported loss, val_acc"))))
}
