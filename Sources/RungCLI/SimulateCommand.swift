// `rung simulate`: runs a study file against a benchmark in virtual time with N virtual workers and
// prints the anytime table, resource used and worker utilisation. `compare` and `scale` are its
// other subcommands (SimulateCompareCommand.swift, SimulateScaleCommand.swift). Leaves out plots.
import ArgumentParser
import Foundation
import Search
import Simulator

struct SimulateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract: "Run a study in virtual time against a benchmark, with thousands of virtual workers.",
        discussion: """
            Drives the same search engine the coordinator runs, but workers are virtual: each \
            assignment takes the benchmark's cost in virtual seconds, reports arrive at each rung \
            milestone, and faults can be injected. Benchmarks: \(BenchmarkCatalog.names.joined(separator: ", ")).

            Examples:
              rung simulate --study deploy/examples/sim-asha.yaml --benchmark synthetic --workers 16 --repeats 5
              rung simulate --study deploy/examples/sim-branin.yaml --benchmark branin --workers 8 --csv branin.csv
              rung simulate compare
              rung simulate scale
            """,
        subcommands: [SimulateRunCommand.self, SimulateCompareCommand.self, SimulateScaleCommand.self],
        defaultSubcommand: SimulateRunCommand.self)
}

/// Cluster and benchmark options shared by the simulate subcommands.
struct ClusterOptions: ParsableArguments {
    @Option(help: "Worker deaths per worker per virtual hour; a death loses the running trial, which the engine requeues.")
    var deathRate: Double = 0
    @Option(help: "Virtual seconds before a dead worker is back (restarted or replaced).")
    var restartDelay: Double = 300
    @Option(help: "Fraction of workers that are slow, in [0, 1].")
    var slowFraction: Double = 0
    @Option(help: "How many times slower a slow worker is (≥ 1).")
    var slowFactor: Double = 3
    @Option(help: "Virtual seconds between ticks (lets SHA cut stragglers). Default: a quarter of the study's straggler_timeout, or no ticks.")
    var tick: Double?
    @Option(help: "Synthetic benchmark: how much early and final rankings disagree, in [0, 1] (0: not at all; good configurations converge slower as it grows).")
    var crossing: Double = 0.2
    @Option(help: "Synthetic benchmark: standard deviation of the observation noise.")
    var noise: Double = 0.01
    @Option(help: "Synthetic benchmark: seed of the hidden landscape (the same in every repeat).")
    var landscapeSeed: UInt64 = 0
    @Option(help: "Replay benchmark: match simulated trials to recorded ones by `nearest` configuration or `in-order`.")
    var replayMatching: String = "nearest"
    @Option(help: "Replay benchmark with several recorded seeds: `resample` (each trial replays one seed's curve) or `mean` (the mean curve, no noise).")
    var replayNoise: String = "resample"
    @Option(help: "Replay benchmark: virtual seconds per epoch, overriding the recorded `seconds` column (default: as recorded, else 60).")
    var costPerEpoch: Double?

    func benchmarkOptions() throws -> BenchmarkOptions {
        var o = BenchmarkOptions()
        o.crossing = crossing
        o.noise = noise
        o.landscapeSeed = landscapeSeed
        guard let m = ReplayBenchmark.Matching(rawValue: replayMatching) else {
            throw ValidationError("--replay-matching is '\(replayMatching)'; it must be nearest or in-order")
        }
        o.replayMatching = m
        guard let n = ReplayBenchmark.Noise(rawValue: replayNoise) else {
            throw ValidationError("--replay-noise is '\(replayNoise)'; it must be resample or mean")
        }
        o.replayNoise = n
        if let c = costPerEpoch {
            guard c > 0, c.isFinite else { throw ValidationError("--cost-per-epoch is \(c); it must be a number of seconds > 0") }
            o.costPerEpoch = c
        }
        return o
    }

    func apply(to settings: inout SimulationSettings) {
        settings.deathRate = deathRate
        settings.restartDelay = restartDelay
        settings.slowFraction = slowFraction
        settings.slowFactor = slowFactor
        if let tick { settings.tickInterval = tick }
    }
}

/// Loads a study file, turning its errors into a message that names the file.
func loadStudy(_ path: String) throws -> Study {
    do { return try Study.load(contentsOf: URL(fileURLWithPath: path)) } catch let e as SearchError {
        throw ValidationError(e.description)
    }
}

/// Writes text to standard error (progress, so that stdout stays the report).
func note(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}

/// Virtual seconds as "3 h 25 min" (`Readable.duration`).
func formatTime(_ seconds: Double) -> String {
    guard seconds.isFinite else { return "—" }
    return Readable.duration(seconds)
}

func formatValue(_ v: Double?) -> String {
    guard let v, v.isFinite else { return "—" }
    return Readable.significant(v)
}

struct SimulateRunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Simulate one study file (the default subcommand: `rung simulate --study …` runs this).")

    @Option(help: "The study file (YAML).")
    var study: String
    @Option(help: "The benchmark: synthetic, branin, hartmann6 or replay:FILE (a per-epoch CSV/JSONL export).")
    var benchmark: String = "synthetic"
    @Option(help: "Number of virtual workers.")
    var workers: Int = 16
    @Option(help: "Seed of the first repeat (engine and cluster); repeat i uses seed + i. Default: the study's seed.")
    var seed: UInt64?
    @Option(help: "How many repeats (seeds) to run; the table shows medians over them.")
    var repeats: Int = 1
    @Option(help: "Write every repeat's anytime curve to this CSV file (seed,time,resource,best,regret,trial,recorded,param.<name>…; one row per improvement of the incumbent).")
    var csv: String?
    @Option(help: "Write every trial of every repeat to this file: CSV, or JSON Lines when it ends in .jsonl (seed, trial, recorded run, resource run and reached, last and final value, seconds, start and end time, stopped, configuration).")
    var trialsOut: String?
    @Option(help: "Rows in the anytime table.")
    var rows: Int = 12
    @OptionGroup var cluster: ClusterOptions

    func validate() throws {
        if workers < 1 { throw ValidationError("--workers is \(workers); it must be ≥ 1") }
        if repeats < 1 { throw ValidationError("--repeats is \(repeats); it must be ≥ 1") }
        if rows < 1 { throw ValidationError("--rows is \(rows); it must be ≥ 1") }
    }

    func run() throws {
        let study = try loadStudy(self.study)
        let bench = try BenchmarkCatalog.make(benchmark, study: study, options: try cluster.benchmarkOptions())
        var sim = StudySimulation(study: study, benchmark: bench, workers: workers)
        cluster.apply(to: &sim.settings)
        sim.settings.traceTrials = trialsOut != nil
        try sim.settings.validate()
        let first = seed ?? study.seed
        print("Study \(study.name): scheduler \(study.scheduler.kind.rawValue), sampler \(study.sampler.kind.rawValue), "
              + "\(study.trials.map(String.init) ?? "unlimited") trials, \(study.budget.resource) "
              + "\(formatValue(study.budget.minResource))…\(formatValue(study.budget.maxResource)), η = \(study.budget.reductionFactor)")
        print("Benchmark \(bench.name) (optimum \(formatValue(bench.optimum))), \(workers) workers, "
              + "\(repeats) repeat\(repeats == 1 ? "" : "s") from seed \(first)")
        let started = Date()
        let results = try sim.run(repeats: repeats, firstSeed: first) { i, r in
            if repeats > 1 {
                note("repeat \(i)/\(repeats) (seed \(r.seed)): makespan \(formatTime(r.makespan)), "
                     + "regret \(formatValue(r.final?.regret)), utilisation \(String(format: "%.1f%%", 100 * r.utilisation))")
            }
        }
        let summary = AnytimeSummary(results, direction: bench.direction)
        print(anytimeTable(summary, rows: rows))
        let r0 = results.map(\.resourceUsed)
        print("Total resource used (\(study.budget.resource)): median \(formatValue(AnytimeSummary.quantile(r0, 0.5)))"
              + ", lost to faults \(formatValue(AnytimeSummary.quantile(results.map(\.resourceLost), 0.5)))")
        print("Worker utilisation: median \(String(format: "%.1f%%", 100 * summary.medianUtilisation))"
              + " (busy time / (workers × makespan))")
        print("Makespan: median \(formatTime(summary.medianMakespan))")
        let d = results.map(\.decisions)
        func med(_ f: (DecisionCounts) -> Int) -> String { formatValue(AnytimeSummary.quantile(d.map { Double(f($0)) }, 0.5)) }
        print("Decisions per repeat (median): \(med(\.total)) — starts \(med(\.starts)), resumes \(med(\.resumes)), "
              + "stops \(med(\.stops)), waits \(med(\.waits))")
        if cluster.deathRate > 0 {
            print("Faults per repeat (median): deaths \(formatValue(AnytimeSummary.quantile(results.map { Double($0.deaths) }, 0.5))), "
                  + "trials lost \(formatValue(AnytimeSummary.quantile(results.map { Double($0.lostTrials) }, 0.5)))")
        }
        print("Wall time \(Readable.duration(Date().timeIntervalSince(started)))")
        if let csv {
            try summary.csv.write(toFile: csv, atomically: true, encoding: .utf8)
            print("Anytime curves written to \(csv)")
        }
        if let trialsOut {
            try trialDump(results, path: trialsOut).write(toFile: trialsOut, atomically: true, encoding: .utf8)
            print("Trials written to \(trialsOut)")
        }
    }
}

/// Every repeat's trial traces as CSV, or JSON Lines when `path` ends in `.jsonl`.
func trialDump(_ results: [SimulationResult], path: String) throws -> String {
    if path.lowercased().hasSuffix(".jsonl") {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        var lines: [String] = []
        for r in results {
            for t in r.trials {
                struct Row: Encodable { var seed: UInt64; var trace: TrialTrace
                    func encode(to encoder: any Encoder) throws {
                        try trace.encode(to: encoder)
                        var c = encoder.container(keyedBy: K.self)
                        try c.encode(seed, forKey: K(stringValue: "seed")!)
                    }
                    struct K: CodingKey { var stringValue: String; var intValue: Int? { nil }
                        init?(stringValue: String) { self.stringValue = stringValue }; init?(intValue: Int) { nil } }
                }
                lines.append(String(decoding: try encoder.encode(Row(seed: r.seed, trace: t)), as: UTF8.self))
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }
    let names = Set(results.flatMap { $0.trials.flatMap { $0.config.keys } }).sorted()
    return ([SimulationResult.traceHeader(parameters: names)] + results.flatMap { $0.traceRows(parameters: names) })
        .joined(separator: "\n") + "\n"
}

/// The anytime table: median best value and regret (with quartiles) at evenly spaced times.
func anytimeTable(_ summary: AnytimeSummary, rows: Int) -> String {
    var lines = ["Anytime (best value at the maximum resource; medians over \(summary.results.count) repeat\(summary.results.count == 1 ? "" : "s"))",
                 "  virtual time              best        regret      regret q25  regret q75"]
    for t in summary.grid(rows) {
        lines.append("  " + pad(formatTime(t), 24) + "  " + pad(formatValue(summary.medianBest(at: t)), 10)
                     + "  " + pad(formatValue(summary.medianRegret(at: t)), 10)
                     + "  " + pad(formatValue(summary.regretQuantile(0.25, at: t)), 10)
                     + "  " + pad(formatValue(summary.regretQuantile(0.75, at: t)), 10))
    }
    return lines.joined(separator: "\n")
}

/// `text` padded with spaces to `width` characters.
func pad(_ text: String, _ width: Int) -> String {
    text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
}
