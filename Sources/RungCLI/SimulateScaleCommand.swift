// `rung simulate scale`: the scale benchmark — a study with 100,000 trials on 1,000 virtual workers
// on the synthetic benchmark — printing decisions per second, wall time and peak memory, and the
// same at 10,000 trials, so that a decision's cost can be seen not to grow with the trial count.
// Leaves out timing assertions: it prints figures.
import ArgumentParser
import Foundation
import Search
import Simulator
#if canImport(Glibc)
import Glibc
#endif

struct SimulateScaleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scale",
        abstract: "Measure the engine and simulator at scale: decisions per second and peak memory.",
        discussion: """
            Runs the study (default deploy/examples/sim-scale.yaml, ASHA + random) with each trial \
            count in --trials on --workers virtual workers, and prints wall time, engine time, \
            decisions, decisions per CPU second (CPU time, so that a busy machine does not skew it), \
            engine time per event and peak resident memory (getrusage ru_maxrss). Build with -c release for meaningful figures.
            """)

    @Option(help: "The study file; its `trials` is replaced by each count in --trials.")
    var study: String = "deploy/examples/sim-scale.yaml"
    @Option(parsing: .upToNextOption, help: "Trial counts to run, smallest first.")
    var trials: [Int] = [10_000, 100_000]
    @Option(help: "Number of virtual workers.")
    var workers: Int = 1000
    @Option(help: "Seed of the engine and the cluster.")
    var seed: UInt64 = 0

    func validate() throws {
        if workers < 1 { throw ValidationError("--workers is \(workers); it must be ≥ 1") }
        if trials.isEmpty || trials.contains(where: { $0 < 1 }) { throw ValidationError("--trials needs counts ≥ 1") }
    }

    func run() throws {
        var base = try loadStudy(study)
        print("Scale benchmark: \(base.scheduler.kind.rawValue) + \(base.sampler.kind.rawValue), synthetic benchmark, \(workers) workers")
        print("  " + ["trials", "wall s", "CPU s", "engine s", "events", "decisions", "decisions/CPU s", "engine µs/event", "makespan h", "peak RSS MiB"]
            .map { pad($0, 13) }.joined(separator: " "))
        var rates: [(Int, Double)] = []
        for n in trials {
            base.trials = n
            let bench = try BenchmarkCatalog.make("synthetic", study: base)
            let sim = StudySimulation(study: base, benchmark: bench, workers: workers)
            let clock = ContinuousClock()
            let start = clock.now
            let cpuStart = cpuSeconds()
            let r = try sim.run(seed: seed)
            let cpu = cpuSeconds() - cpuStart
            let wall = (clock.now - start)
            let wallSeconds = Double(wall.components.seconds) + Double(wall.components.attoseconds) * 1e-18
            let rate = Double(r.decisions.total) / cpu
            rates.append((n, rate))
            let cells = [String(n), String(format: "%.2f", wallSeconds), String(format: "%.2f", cpu),
                         String(format: "%.2f", r.engineSeconds),
                         String(r.events), String(r.decisions.total), String(format: "%.0f", rate),
                         String(format: "%.2f", 1e6 * r.engineSeconds / Double(max(r.events, 1))),
                         String(format: "%.1f", r.makespan / 3600), String(format: "%.1f", peakResidentMiB())]
            print("  " + cells.map { pad($0, 13) }.joined(separator: " "))
        }
        if let first = rates.first, let last = rates.last, rates.count > 1 {
            print(String(format: "Decisions/s at %d trials ÷ at %d trials: %.2f (≈ 1 means a decision's cost does not grow with the trial count)",
                         last.0, first.0, last.1 / first.1))
        }
    }
}

/// User + system CPU seconds this process has used so far.
func cpuSeconds() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    func s(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) * 1e-6 }
    return s(usage.ru_utime) + s(usage.ru_stime)
}

/// Peak resident set size of this process so far, in MiB (ru_maxrss is in KiB on Linux).
func peakResidentMiB() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_maxrss) / 1024
}
