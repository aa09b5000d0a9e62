// The quality verdict on hand-made outcomes: random's final median regret and time, the time at
// which ASHA's median reaches it, the 1/3 goal, and TPE against random sampling under ASHA.
import Search
import Testing
@testable import Simulator

@Suite struct QualityReportTests {
    func outcome(_ label: String, _ curves: [[(Double, Double)]], makespans: [Double]) throws -> SchedulerComparison.Outcome {
        let results = zip(curves, makespans).enumerated().map { i, pair in
            SimulationResult(seed: UInt64(i), workers: 4,
                             anytime: pair.0.map { AnytimePoint(time: $0.0, best: $0.1, regret: $0.1, trial: TrialID(0)) },
                             makespan: pair.1, busySeconds: pair.1 * 2, resourceUsed: 0, resourceLost: 0,
                             decisions: DecisionCounts(), events: 0, reports: 0, deaths: 0, lostTrials: 0, engineSeconds: 0)
        }
        let study = try Study.parse(yaml: """
            objective: {metric: loss}
            budget: {min_resource: 1, max_resource: 9}
            trials: 10
            space: {x: {type: uniform, low: 0, high: 1}}
            """)
        return .init(label: label, study: study, summary: AnytimeSummary(results, direction: .minimize))
    }

    @Test func ashaFractionAndTPEVerdict() throws {
        // Random: final regrets {0.3, 0.5, 0.4} → median 0.4; makespans {90, 120, 100} → median 100.
        let random = try outcome("random", [[(90, 0.3)], [(120, 0.5)], [(100, 0.4)]], makespans: [90, 120, 100])
        // ASHA: median regret ≤ 0.4 first at t = 30 ({0.35, 0.2, ∞} → 0.35).
        let asha = try outcome("asha", [[(10, 0.9), (30, 0.35)], [(20, 0.2)], [(50, 0.1)]], makespans: [60, 60, 60])
        let tpe = try outcome("asha-tpe", [[(10, 0.1)], [(10, 0.2)], [(10, 0.3)]], makespans: [60, 60, 60])
        let report = QualityReport([random, asha, tpe])
        #expect(report.randomFinalRegret == 0.4)
        #expect(report.randomTime == 100)
        #expect(report.ashaTimeToRandomFinal == 30)
        #expect(report.ashaTimeFraction == 0.3)
        #expect(report.ashaGoalMet)
        #expect(report.ashaFinalRegret == 0.2)
        #expect(report.tpeFinalRegret == 0.2)
        #expect(report.tpeGoalMet)
        #expect(report.text.contains("= 0.300 of random's time (goal ≤ 0.333): PASS"))
        #expect(report.text.contains("Worker utilisation: asha 50.0%"))
    }

    @Test func missedGoalsAreReported() throws {
        let random = try outcome("random", [[(90, 0.3)]], makespans: [90])
        let asha = try outcome("asha", [[(60, 0.3)]], makespans: [90])
        let tpe = try outcome("asha-tpe", [[(60, 0.31)]], makespans: [90])
        let report = QualityReport([random, asha, tpe])
        #expect(abs(report.ashaTimeFraction! - 2.0 / 3.0) < 1e-15)
        #expect(!report.ashaGoalMet)
        #expect(!report.tpeGoalMet)
        #expect(report.text.contains("FAIL"))
    }
}
