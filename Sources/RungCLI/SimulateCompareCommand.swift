// `rung simulate compare`: the scheduler quality comparison on the synthetic benchmark — random
// search at full budget, ASHA with random and TPE sampling, synchronous SHA and Hyperband — over
// many seeds, with the goals checked (non-zero exit when one is missed). Leaves out plots.
import ArgumentParser
import Foundation
import Search
import Simulator

struct SimulateCompareCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Compare schedulers over many seeds on one benchmark and check the quality goals.",
        discussion: """
            Runs each study file in --examples named sim-random.yaml (label random, scheduler none), \
            sim-asha.yaml (asha), sim-asha-tpe.yaml (asha-tpe), sim-sha.yaml (sha) and \
            sim-hyperband.yaml (hyperband) — the ones present — over the same seeds, and prints the \
            final median regret of each, the virtual time at which ASHA's median regret reaches random \
            search's final median regret as a fraction of random's time (goal ≤ 1/3), TPE+ASHA against \
            random+ASHA (goal ≤), and worker utilisation. Exits with status 1 when a goal is missed.
            """)

    @Option(help: "Folder holding the sim-*.yaml study files.")
    var examples: String = "deploy/examples"
    @Option(help: "The benchmark (see `rung simulate run --help`).")
    var benchmark: String = "synthetic"
    @Option(help: "Number of virtual workers.")
    var workers: Int = 16
    @Option(help: "Number of seeds (repeats per study).")
    var seeds: Int = 20
    @Option(help: "The first seed.")
    var firstSeed: UInt64 = 0
    @Option(help: "Write every contender's anytime curves to this CSV file (label, then the columns of `rung simulate --csv`).")
    var csv: String?
    @Flag(help: "Print the report but exit 0 even when a goal is missed.")
    var noCheck = false
    @OptionGroup var cluster: ClusterOptions

    static let contenders = [("random", "sim-random.yaml"), ("asha", "sim-asha.yaml"), ("asha-tpe", "sim-asha-tpe.yaml"),
                             ("sha", "sim-sha.yaml"), ("hyperband", "sim-hyperband.yaml")]

    func validate() throws {
        if workers < 1 { throw ValidationError("--workers is \(workers); it must be ≥ 1") }
        if seeds < 1 { throw ValidationError("--seeds is \(seeds); it must be ≥ 1") }
    }

    func run() throws {
        var entries: [SchedulerComparison.Entry] = []
        for (label, file) in Self.contenders {
            let path = (examples as NSString).appendingPathComponent(file)
            guard FileManager.default.fileExists(atPath: path) else { continue }
            entries.append(.init(label: label, study: try loadStudy(path)))
        }
        guard entries.contains(where: { $0.label == "random" }), entries.contains(where: { $0.label == "asha" }) else {
            throw ValidationError("\(examples) must hold at least sim-random.yaml and sim-asha.yaml")
        }
        let options = try cluster.benchmarkOptions()
        let name = benchmark
        let cluster = self.cluster
        let comparison = SchedulerComparison(
            entries: entries, workers: workers, seeds: seeds, firstSeed: firstSeed,
            benchmark: { try BenchmarkCatalog.make(name, study: $0, options: options) },
            cluster: { sim in cluster.apply(to: &sim.settings) })
        let started = Date()
        let outcomes = try comparison.run { label, i, r in
            if i == seeds || i % 5 == 0 {
                note("\(label): \(i)/\(seeds) seeds done (last: regret \(formatValue(r.final?.regret)), makespan \(formatTime(r.makespan)))")
            }
        }
        let report = QualityReport(outcomes)
        print("Benchmark \(benchmark), \(workers) workers, seeds \(firstSeed)…\(firstSeed + UInt64(seeds) - 1)")
        print(report.text)
        print("Wall time \(Readable.duration(Date().timeIntervalSince(started)))")
        if let csv {
            let names = Set(outcomes.flatMap { $0.summary.results.flatMap(\.parameterNames) }).sorted()
            var text = "label," + SimulationResult.csvHeader(parameters: names) + "\n"
            for o in outcomes {
                for row in o.summary.results.flatMap({ $0.csvRows(parameters: names) }) { text += "\(o.label),\(row)\n" }
            }
            try text.write(toFile: csv, atomically: true, encoding: .utf8)
            print("Anytime curves written to \(csv)")
        }
        let hasTPE = outcomes.contains { $0.label == "asha-tpe" }
        if !noCheck && (!report.ashaGoalMet || (hasTPE && !report.tpeGoalMet)) { throw ExitCode(1) }
    }
}
