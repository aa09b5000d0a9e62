// Summaries over repeats: quantiles with infinite entries, medians of step functions, and the
// first time the median reaches a target.
import Search
import Testing
@testable import Simulator

@Suite struct AnytimeSummaryTests {
    func result(_ seed: UInt64, _ points: [(Double, Double)], makespan: Double) -> SimulationResult {
        SimulationResult(seed: seed, workers: 1,
                         anytime: points.map { AnytimePoint(time: $0.0, best: $0.1, regret: $0.1, trial: TrialID(0)) },
                         makespan: makespan, busySeconds: makespan / 2, resourceUsed: 0, resourceLost: 0,
                         decisions: DecisionCounts(), events: 0, reports: 0, deaths: 0, lostTrials: 0, engineSeconds: 0)
    }

    @Test func quantilesSortInfinityLast() {
        #expect(AnytimeSummary.quantile([3, 1, 2], 0.5) == 2)
        #expect(AnytimeSummary.quantile([4, 1, 3, 2], 0.5) == 2.5)
        #expect(AnytimeSummary.quantile([1, .infinity, .infinity], 0.5) == .infinity)
        #expect(AnytimeSummary.quantile([1, 2, .infinity, .infinity], 0.5) == .infinity)
        #expect(AnytimeSummary.quantile([0, 10, 20, 30, 40], 0.25) == 10)
    }

    @Test func medianRegretIsAStepFunctionOverRepeats() {
        let s = AnytimeSummary([
            result(0, [(10, 0.5), (30, 0.1)], makespan: 40),
            result(1, [(20, 0.4)], makespan: 50),
            result(2, [(5, 0.9), (25, 0.2)], makespan: 30),
        ], direction: .minimize)
        #expect(s.medianRegret(at: 4) == .infinity)
        #expect(s.medianRegret(at: 10) == 0.9)         // {0.5, ∞, 0.9}
        #expect(s.medianRegret(at: 20) == 0.5)         // {0.5, 0.4, 0.9}
        #expect(s.medianRegret(at: 26) == 0.4)         // {0.5, 0.4, 0.2}
        #expect(s.finalMedianRegret == 0.2)            // {0.1, 0.4, 0.2}
        #expect(s.firstTime(medianRegretAtMost: 0.45) == 25)
        #expect(s.firstTime(medianRegretAtMost: 0.05) == nil)
        #expect(s.medianMakespan == 40)
        #expect(s.medianUtilisation == 0.5)
        #expect(s.grid(2) == [25, 50])
        #expect(s.csv == "seed,time,resource,best,regret,trial,recorded\n0,10.0,0.0,0.5,0.5,0,\n0,30.0,0.0,0.1,0.1,0,\n1,20.0,0.0,0.4,0.4,0,\n2,5.0,0.0,0.9,0.9,0,\n2,25.0,0.0,0.2,0.2,0,\n")
    }
}
