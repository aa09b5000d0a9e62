// Constraints and the second objective: infeasible results never rank first or become best; the
// Pareto front is exactly the non-dominated feasible completed trials; maximize flips ranking.

import Testing
@testable import Search

@Suite struct ObjectiveTests {
    /// (value, latency) per trial, all run to R = 1 by `none`.
    func run(_ points: [(Double, Double)], direction: Direction = .minimize) -> SearchEngine {
        var study = testStudy(scheduler: SchedulerSpec(kind: .none), trials: points.count, R: 1, direction: direction)
        study.objective.constraints = [Constraint(metric: "latency_ms", comparison: .lessOrEqual, bound: 5)]
        study.objective.secondary = SecondaryObjective(metric: "latency_ms", direction: .minimize)
        var e = SearchEngine(study: study)
        for (i, p) in points.enumerated() {
            guard case .start(let a) = e.handle(.slotFree, now: 0).first else { Issue.record("no start"); return e }
            #expect(a.trial == TrialID(i) && a.toResource == 1)
            _ = e.handle(.reported(trial: a.trial, resource: 1, value: p.0, metrics: ["latency_ms": p.1]), now: 1)
        }
        #expect(e.handle(.slotFree, now: 2) == [.complete])
        return e
    }

    @Test func infeasibleResultIsNeverBest() {
        let e = run([(0.5, 4), (0.1, 9), (0.3, 5), (0.2, 6)])
        #expect(e.best?.id == TrialID(2))
        #expect(e.bestValue == 0.3)
        #expect(e.trials.map { $0.results[0].feasible } == [true, false, true, false])
        #expect(e.trials[1].results[0].loss == .infinity)
    }

    @Test func paretoFrontIsTheNonDominatedFeasibleSet() {
        // (loss, latency): 0 and 2 trade off; 1 is dominated by 2; 3 is infeasible; 4 equals 2.
        let e = run([(0.5, 1), (0.4, 4), (0.3, 3), (0.1, 7), (0.3, 3), (0.2, 5)])
        #expect(e.paretoFront().map(\.id.rawValue) == [5, 2, 4, 0])
    }

    @Test func maximizeRanksLargerValuesFirst() {
        let e = run([(0.5, 1), (0.9, 2), (0.7, 3)], direction: .maximize)
        #expect(e.best?.id == TrialID(1))
        #expect(e.paretoFront().map(\.id.rawValue) == [1, 0])
    }

    @Test func nanCountsAsWorst() {
        let e = run([(.nan, 1), (3, 1)])
        #expect(e.best?.id == TrialID(1))
        #expect(e.best(atRung: 0)?.id == TrialID(1))
    }

    @Test func bestAtRungTracksEachRung() {
        var d = TestDriver(study: testStudy(scheduler: SchedulerSpec(kind: .asha), trials: 30, R: 9), workers: 3, curve: smoothCurve)
        d.run()
        for k in d.engine.rungs.indices {
            let atK = d.engine.trials.compactMap { t in t.results.first { $0.rung == k }.map { ($0.loss, t.id) } }
            let expected = atK.min { $0.0 < $1.0 || ($0.0 == $1.0 && $0.1 < $1.1) }?.1
            #expect(d.engine.best(atRung: k)?.id == expected)
        }
    }
}
