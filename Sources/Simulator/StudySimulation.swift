// Runs a study file's search engine against a benchmark in virtual time, once or over several
// seeds. Repeat i uses seed base + i for both the engine (sampling) and the cluster (deaths, slow
// workers); the benchmark's landscape stays fixed so every repeat searches the same problem.
// Leaves out printing (the `rung simulate` command) and the event loop itself (Simulation).
import Search

/// A study, a benchmark and a cluster, ready to be simulated.
public struct StudySimulation: Sendable {
    /// The study (its seed is replaced per repeat).
    public var study: Study
    /// The benchmark standing in for training.
    public var benchmark: any Benchmark
    /// The cluster (its seed is replaced per repeat).
    public var settings: SimulationSettings

    /// A simulation of `study` on `benchmark` with `workers` workers. Ticks default to a quarter of
    /// the study's straggler timeout when it has one, and to none otherwise.
    public init(study: Study, benchmark: any Benchmark, workers: Int) {
        self.study = study
        self.benchmark = benchmark
        settings = SimulationSettings(workers: workers, seed: study.seed, maxResource: study.budget.maxResource)
        settings.tickInterval = study.scheduler.stragglerTimeout.map { $0 / 4 } ?? 0
    }

    /// Runs the study once with `seed` for the engine and the cluster.
    public func run(seed: UInt64) throws -> SimulationResult {
        var s = study
        s.seed = seed
        var cluster = settings
        cluster.seed = seed
        var simulation = try Simulation(engine: SearchEngine(study: s), benchmark: benchmark, settings: cluster)
        return try simulation.run()
    }

    /// Runs `repeats` times with seeds `firstSeed`, `firstSeed + 1`, …; `progress` hears of each
    /// finished repeat (index from 1, result).
    public func run(repeats: Int, firstSeed: UInt64,
                    progress: (Int, SimulationResult) -> Void = { _, _ in }) throws -> [SimulationResult] {
        guard repeats >= 1 else { throw SimulatorError(.badSetting, "repeats is \(repeats); it must be ≥ 1") }
        var results: [SimulationResult] = []
        for i in 0..<repeats {
            let r = try run(seed: firstSeed &+ UInt64(i))
            results.append(r)
            progress(i + 1, r)
        }
        return results
    }
}
