// Constraints and the second objective: infeasible results never rank first or become best; the
// Pareto front is exactly the non-dominated feasible completed trials; maximize flips ranking.

import PropertyBased
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

/// The Pareto front against its definition, point by point, on random clouds with many ties.
@Suite struct ParetoFrontPropertyTests {
    /// Brute force: i is on the front when no j is no worse on both coordinates and better on one.
    static func bruteForce(_ p: [(Double, Double)]) -> Set<Int> {
        Set(p.indices.filter { i in
            !p.indices.contains { j in
                j != i && p[j].0 <= p[i].0 && p[j].1 <= p[i].1 && (p[j].0 < p[i].0 || p[j].1 < p[i].1)
            }
        })
    }

    @Test func sweepEqualsBruteForceOnRandomPoints() async {
        await propertyCheck(count: 300, input: Gen.int(in: 0...40), Gen.uint64(in: 0...UInt64.max)) { n, seed in
            var rng = RandomSource(seed: seed)
            // Coarse grids make ties on either coordinate common; some fine values too.
            let coarse = rng.unit() < 0.5
            let points = (0..<n).map { _ -> (Double, Double) in
                let a = coarse ? Double(Int(rng.unit() * 6)) : rng.unit()
                let b = coarse ? Double(Int(rng.unit() * 6)) : rng.unit() * 10 - 5
                return (a, b)
            }
            let front = ParetoFront.indices(points)
            #expect(Set(front) == Self.bruteForce(points), "\(points)")
            #expect(front.count == Set(front).count)
            // Sorted along the front: first coordinate ascending, second descending with it.
            for (x, y) in zip(front, front.dropFirst()) {
                #expect(points[x].0 <= points[y].0 && points[x].1 >= points[y].1)
                #expect((points[x].0, points[x].1, x) < (points[y].0, points[y].1, y))
            }
        }
    }

    @Test func nanPointsAreLeftOutAndInfinityKeptWhenAlone() {
        #expect(ParetoFront.indices([(.nan, 1), (2, .nan), (3, 4)]) == [2])
        #expect(ParetoFront.indices([(1, .infinity), (2, 3), (3, 3)]) == [0, 1])
        #expect(ParetoFront.indices([]) == [])
    }
}
