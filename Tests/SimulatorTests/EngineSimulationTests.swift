// The simulator driving the real search engine: exact utilisation with the `none` scheduler,
// identical CSV for the same seed, faults that produce `.lost` while the study still completes,
// SHA with slow workers and ticks, and benchmark/study mismatches refused up front.
import Foundation
import Search
import Testing
@testable import Simulator

@Suite struct EngineSimulationTests {
    static func study(scheduler: String, trials: Int, maxResource: Int = 9, sampler: String = "random",
                      space: String = "  x: {type: uniform, low: 0, high: 1}") throws -> Study {
        try Study.parse(yaml: """
            objective: {metric: loss, direction: minimize}
            budget: {min_resource: 1, max_resource: \(maxResource), reduction_factor: 3}
            scheduler: \(scheduler)
            sampler: \(sampler)
            trials: \(trials)
            seed: 4
            space:
            \(space)
            """, source: "test.yaml")
    }

    static let synthetic = """
          lr: {type: loguniform, low: 1.0e-5, high: 1.0e-1}
          dropout: {type: uniform, low: 0, high: 0.5}
          optimizer: {type: categorical, choices: [adamw, sgd]}
        """

    @Test func noneSchedulerOnTwoWorkersHasExactUtilisation() throws {
        // Budget 1…1: each of 3 trials costs 10 s. Worker 0: trials 0 and 2; worker 1: trial 1.
        let study = try Self.study(scheduler: "none", trials: 3, maxResource: 1)
        var sim = StudySimulation(study: study, benchmark: FixedCostBenchmark(secondsPerUnit: 10), workers: 2)
        sim.settings.tickInterval = 0
        let r = try sim.run(seed: 4)
        #expect(r.makespan == 20)
        #expect(r.busySeconds == 30)
        #expect(r.utilisation == 0.75)
        #expect(r.decisions.starts == 3)
        #expect(r.decisions.completes == 1)
        #expect(r.resourceUsed == 3)
    }

    @Test func sameSeedGivesIdenticalCSV() throws {
        let study = try Self.study(scheduler: "asha", trials: 200, maxResource: 27, space: Self.synthetic)
        let bench = try BenchmarkCatalog.make("synthetic", study: study)
        var sim = StudySimulation(study: study, benchmark: bench, workers: 7)
        sim.settings.deathRate = 0.5
        sim.settings.slowFraction = 0.3
        sim.settings.slowFactor = 2
        let a = AnytimeSummary(try sim.run(repeats: 2, firstSeed: 10), direction: .minimize)
        let b = AnytimeSummary(try sim.run(repeats: 2, firstSeed: 10), direction: .minimize)
        #expect(a.csv == b.csv)
        // Everything but the wall-clock engine time is identical.
        func virtualOnly(_ rs: [SimulationResult]) -> [SimulationResult] { rs.map { var r = $0; r.engineSeconds = 0; return r } }
        #expect(virtualOnly(a.results) == virtualOnly(b.results))
        let c = AnytimeSummary(try sim.run(repeats: 2, firstSeed: 11), direction: .minimize)
        #expect(a.csv != c.csv)
        #expect(a.csv.split(separator: "\n").count > 2)
    }

    @Test func workerDeathsLoseTrialsAndTheStudyStillCompletes() throws {
        let study = try Self.study(scheduler: "asha", trials: 120, maxResource: 27, space: Self.synthetic)
        let bench = try BenchmarkCatalog.make("synthetic", study: study)
        var settings = SimulationSettings(workers: 8, seed: 3, maxResource: 27)
        settings.deathRate = 2          // two deaths per worker per virtual hour: about one per full trial
        settings.restartDelay = 120
        var sim = try Simulation(engine: SearchEngine(study: study), benchmark: bench, settings: settings)
        let r = try sim.run()
        #expect(r.lostTrials > 0)
        #expect(r.resourceLost > 0)
        #expect(r.decisions.completes == 1)
        #expect(sim.engine.isComplete)
        #expect(sim.engine.trials.count == 120)
        #expect(sim.engine.trials.allSatisfy { $0.state.isFinal })
        #expect(sim.engine.trials.contains { $0.losses > 0 })
        #expect(r.final != nil)
    }

    @Test func synchronousSHAWithSlowWorkersFinishesThroughTicks() throws {
        let study = try Study.parse(yaml: """
            objective: {metric: loss}
            budget: {min_resource: 1, max_resource: 9, reduction_factor: 3}
            scheduler: {type: sha, straggler_timeout: 600}
            trials: 27
            space:
              x: {type: uniform, low: 0, high: 1}
            """)
        let bench = try BenchmarkCatalog.make("synthetic", study: study)
        var sim = StudySimulation(study: study, benchmark: bench, workers: 9)
        #expect(sim.settings.tickInterval == 150)
        sim.settings.slowFraction = 1.0 / 3
        sim.settings.slowFactor = 20
        let r = try sim.run(seed: 1)
        #expect(r.decisions.completes == 1)
        #expect(r.decisions.stops > 0)
        #expect(r.utilisation > 0 && r.utilisation <= 1)
    }

    @Test func testFunctionsNeedTheirParameters() throws {
        let study = try Self.study(scheduler: "asha", trials: 10, space: "  x1: {type: uniform, low: -5, high: 10}")
        #expect(throws: SimulatorError(.benchmarkMismatch,
            "benchmark 'branin' reads parameter `x2`, which the study's space lacks; add `x2` uniform in [0.0, 15.0]")) {
            try BenchmarkCatalog.make("branin", study: study)
        }
        #expect(throws: SimulatorError(.unknownBenchmark,
            "unknown benchmark 'rosenbrock'; accepted: synthetic, branin, hartmann6, replay:FILE")) {
            try BenchmarkCatalog.make("rosenbrock", study: study)
        }
    }

    @Test func braninStudyFindsAGoodPoint() throws {
        let study = try Study.load(contentsOf: URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("deploy/examples/sim-branin.yaml"))
        let bench = try BenchmarkCatalog.make("branin", study: study)
        let r = try StudySimulation(study: study, benchmark: bench, workers: 8).run(seed: 0)
        let regret = try #require(r.final?.regret)
        #expect(regret >= 0 && regret < 2)   // 256 random points over the domain
        #expect(r.anytime.map(\.time) == r.anytime.map(\.time).sorted())
    }
}
