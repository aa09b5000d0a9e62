// End-to-end engine behaviour on scripted runs: completion, budgets, replay determinism.

import Testing
@testable import Search

@Suite struct EngineTests {
    @Test(arguments: [SchedulerSpec(kind: .asha), SchedulerSpec(kind: .ashaStopping), SchedulerSpec(kind: .sha),
                      SchedulerSpec(kind: .none), SchedulerSpec(kind: .hyperband, over: .asha),
                      SchedulerSpec(kind: .hyperband, over: .ashaStopping), SchedulerSpec(kind: .hyperband, over: .sha)])
    func runCompletesWithEveryTrialFinal(spec: SchedulerSpec) {
        var d = TestDriver(study: testStudy(scheduler: spec), workers: 4, curve: smoothCurve)
        d.run()
        #expect(d.done)
        #expect(d.engine.isComplete)
        #expect(d.engine.trials.count == 40)
        #expect(d.engine.trials.allSatisfy { $0.state.isFinal })
        #expect(d.engine.runningCount == 0)
        for state in TrialState.allCases {
            #expect(d.engine.count(state) == d.engine.trials.filter { $0.state == state }.count, "\(state)")
        }
        #expect(d.engine.trials.contains { $0.state == .completed })
        // Best is a completed trial and no completed trial beats it.
        let best = try! #require(d.engine.best)
        #expect(best.lastRung == d.engine.rungs.count - 1)
        let finals = d.engine.trials.filter { $0.state == .completed }.map { $0.results.last!.value }
        #expect(d.engine.bestValue == finals.min())
    }

    @Test(arguments: [SchedulerSpec.Kind.asha, .ashaStopping, .sha, .hyperband, .none])
    func replayGivesIdenticalDecisionsAndState(kind: SchedulerSpec.Kind) {
        let study = testStudy(scheduler: SchedulerSpec(kind: kind), sampler: SamplerSpec(kind: .tpe), trials: 60)
        var d = TestDriver(study: study, workers: 5, curve: smoothCurve)
        d.losing = [TrialID(3): 1, TrialID(11): 5]
        d.failing = [TrialID(7)]
        d.run()
        #expect(d.done)
        var fresh = SearchEngine(study: study)
        var same = true
        for ((e, t), reply) in zip(d.log, d.replies) where fresh.handle(e, now: t) != reply { same = false }
        #expect(same)
        #expect(fresh == d.engine)
        #expect(SearchEngine.replay(study: study, events: d.log) == d.engine)
    }

    @Test func resourceBudgetStopsHandingOutWork() {
        let study = testStudy(scheduler: SchedulerSpec(kind: .asha), trials: nil, maxTotal: 100)
        var d = TestDriver(study: study, workers: 3, curve: smoothCurve)
        d.run()
        #expect(d.engine.isComplete)
        // Work is handed out only while committed < cap: the overshoot is at most one assignment
        // per worker, each at most R − r... here at most 3 × 18 (27 − 9).
        #expect(d.engine.committedResource >= 100)
        #expect(d.engine.committedResource < 100 + 3 * 18 + 1e-9)
    }
}
