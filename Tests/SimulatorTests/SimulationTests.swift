// The event loop on hand-computable scenarios: utilisation, makespan, slow workers, deaths and
// determinism, driven by a scripted `none` engine so that every figure has a closed form.
import Foundation
import Search
import Testing
@testable import Simulator

@Suite struct SimulationTests {
    func run(trials: Int, workers: Int, seconds: Double = 10, milestones: [Double]? = nil,
             configure: (inout SimulationSettings) -> Void = { _ in }) throws -> (SimulationResult, ScriptedEngine) {
        var settings = SimulationSettings(workers: workers, seed: 7, maxResource: 1)
        settings.tickInterval = 0
        configure(&settings)
        var sim = try Simulation(engine: ScriptedEngine(trials: trials, maxResource: 1, milestones: milestones),
                                 benchmark: FixedCostBenchmark(secondsPerUnit: seconds), settings: settings)
        let result = try sim.run()
        return (result, sim.engine)
    }

    @Test func twoWorkersThreeTrialsHaveExactUtilisation() throws {
        // Worker 0 runs trials 0 then 2 (0–10 s, 10–20 s); worker 1 runs trial 1 (0–10 s) then idles.
        let (r, engine) = try run(trials: 3, workers: 2)
        #expect(r.makespan == 20)
        #expect(r.busySeconds == 30)
        #expect(r.utilisation == 0.75)
        #expect(r.resourceUsed == 3)
        #expect(r.reports == 3)
        #expect(r.decisions.starts == 3)
        #expect(r.decisions.completes == 1)
        #expect(engine.finished.count == 3)
        #expect(engine.log.prefix(3) == ["0.0 start 0", "0.0 start 1", "10.0 report 0 at 1.0 = 1.0"])
    }

    @Test func anytimeCurveKeepsOnlyImprovements() throws {
        // Trials finish at 10 s (0 and 1) and 20 s (2); values are 1 + x with x = 0, 0.1, 0.2.
        let (r, _) = try run(trials: 3, workers: 2)
        #expect(r.anytime.map(\.trial) == [TrialID(0)])
        #expect(r.anytime.map(\.time) == [10] && r.anytime.map(\.best) == [1.0] && r.anytime.map(\.regret) == [0])
        #expect(r.incumbent(at: 9.99) == nil)
        #expect(r.incumbent(at: 10)?.trial == TrialID(0))
        // Resource run by then: trials 0 and 1 both reached 1 at 10 s.
        #expect(r.csvRows(parameters: []) == ["7,10.0,\(r.anytime[0].resource),1.0,0.0,0,"])
        #expect(r.anytime[0].resource >= 1)
    }

    @Test func slowWorkerStretchesItsTrials() throws {
        // One of two workers is 3× slower: 2 trials → one takes 10 s, the other 30 s.
        let (r, _) = try run(trials: 2, workers: 2) { $0.slowFraction = 0.5; $0.slowFactor = 3 }
        #expect(r.makespan == 30)
        #expect(r.busySeconds == 40)
        #expect(abs(r.utilisation - 40.0 / 60.0) < 1e-15)
    }

    @Test func intermediateMilestonesArriveAtTheirTimes() throws {
        let (r, engine) = try run(trials: 1, workers: 1, milestones: [0.25, 0.5, 1])
        #expect(r.reports == 3)
        #expect(engine.log.filter { $0.contains("report") } ==
                ["2.5 report 0 at 0.25 = 4.0", "5.0 report 0 at 0.5 = 2.0", "10.0 report 0 at 1.0 = 1.0"])
        #expect(r.resourceUsed == 1)
    }

    @Test func deathsLoseTrialsAndTheStudyStillCompletes() throws {
        let (r, engine) = try run(trials: 40, workers: 4, milestones: [0.5, 1]) {
            $0.deathRate = 60   // one death per worker per virtual minute on average
            $0.restartDelay = 5
        }
        #expect(r.deaths > 0)
        #expect(r.lostTrials > 0)
        #expect(engine.lostEvents == r.lostTrials)
        #expect(engine.finished.count == 40)
        #expect(r.decisions.resumes == r.lostTrials)
        #expect(r.resourceUsed >= 40)
        #expect(r.busySeconds > 40 * 10)    // lost work counts as busy
        #expect(r.decisions.completes == 1)
    }

    @Test func sameSeedGivesIdenticalRunsAndOtherSeedsDiffer() throws {
        func csv(_ seed: UInt64) throws -> String {
            var settings = SimulationSettings(workers: 3, seed: seed, maxResource: 1)
            settings.deathRate = 60
            settings.restartDelay = 3
            settings.slowFraction = 0.34
            settings.slowFactor = 2
            var sim = try Simulation(engine: ScriptedEngine(trials: 30, maxResource: 1, milestones: [0.5, 1]),
                                     benchmark: FixedCostBenchmark(secondsPerUnit: 10), settings: settings)
            let r = try sim.run()
            return ([SimulationResult.csvHeader(parameters: r.parameterNames)] + r.csvRows(parameters: r.parameterNames)).joined(separator: "\n")
                + "\n\(r.makespan),\(r.busySeconds),\(r.deaths)\n" + sim.engine.log.joined(separator: "\n")
        }
        #expect(try csv(11) == csv(11))
        #expect(try csv(11) != csv(12))
    }

    @Test func anEngineThatOnlyWaitsIsReportedAsStalled() throws {
        struct Waiter: SearchDriving {
            mutating func handle(_ event: SearchEvent, now: Double) -> [Decision] { [.wait] }
        }
        var settings = SimulationSettings(workers: 2, seed: 1, maxResource: 1)
        settings.tickInterval = 0
        var sim = try Simulation(engine: Waiter(), benchmark: FixedCostBenchmark(secondsPerUnit: 1), settings: settings)
        #expect(throws: SimulatorError.self) { try sim.run() }
        settings.tickInterval = 1
        settings.stallTicks = 50
        var ticking = try Simulation(engine: Waiter(), benchmark: FixedCostBenchmark(secondsPerUnit: 1), settings: settings)
        #expect(throws: SimulatorError.self) { try ticking.run() }
    }

    @Test func badSettingsAreRefusedWithTheirName() {
        var settings = SimulationSettings(workers: 0, seed: 1, maxResource: 1)
        #expect(throws: SimulatorError(.badSetting, "workers is 0; it must be ≥ 1")) { try settings.validate() }
        settings.workers = 1
        settings.slowFactor = 0.5
        #expect(throws: SimulatorError(.badSetting, "slow factor is 0.5; it must be ≥ 1")) { try settings.validate() }
    }
}
