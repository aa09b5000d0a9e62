// The quality comparison of schedulers on one benchmark: each study runs over the same seeds, and
// the report checks ASHA against random search at full budget (time to reach random's final median
// regret, goal ≤ 1/3 of random's time), TPE+ASHA against random+ASHA (goal: final median regret no
// worse) and shows synchronous SHA's worker utilisation beside ASHA's. Leaves out plotting.
import Foundation
import Search

/// Several studies simulated over the same seeds on the same benchmark.
public struct SchedulerComparison: Sendable {
    /// One contender: a label and its study.
    public struct Entry: Sendable {
        /// Its label (`random`, `asha`, `asha-tpe`, `sha`, `hyperband`, or anything else).
        public var label: String
        /// Its study.
        public var study: Study
        /// Makes an entry.
        public init(label: String, study: Study) { self.label = label; self.study = study }
    }

    /// What one contender did over all seeds.
    public struct Outcome: Sendable {
        /// Its label.
        public var label: String
        /// Its study.
        public var study: Study
        /// Its repeats summarised.
        public var summary: AnytimeSummary
    }

    /// The contenders.
    public var entries: [Entry]
    /// Makes the benchmark for a study.
    public var benchmark: @Sendable (Study) throws -> any Benchmark
    /// Sets up the cluster for a study's simulation (workers, faults).
    public var cluster: @Sendable (inout StudySimulation) -> Void
    /// Number of virtual workers.
    public var workers: Int
    /// Seeds run: firstSeed ..< firstSeed + seeds.
    public var seeds: Int
    /// The first seed.
    public var firstSeed: UInt64

    /// Makes a comparison.
    public init(entries: [Entry], workers: Int, seeds: Int, firstSeed: UInt64 = 0,
                benchmark: @escaping @Sendable (Study) throws -> any Benchmark,
                cluster: @escaping @Sendable (inout StudySimulation) -> Void = { _ in }) {
        self.entries = entries; self.workers = workers; self.seeds = seeds; self.firstSeed = firstSeed
        self.benchmark = benchmark; self.cluster = cluster
    }

    /// Runs every contender over every seed; `progress` hears (label, repeat from 1, result).
    public func run(progress: (String, Int, SimulationResult) -> Void = { _, _, _ in }) throws -> [Outcome] {
        try entries.map { entry in
            let bench = try benchmark(entry.study)
            var sim = StudySimulation(study: entry.study, benchmark: bench, workers: workers)
            cluster(&sim)
            let results = try sim.run(repeats: seeds, firstSeed: firstSeed) { i, r in progress(entry.label, i, r) }
            return Outcome(label: entry.label, study: entry.study, summary: AnytimeSummary(results, direction: bench.direction))
        }
    }
}

/// The verdict on the quality goals, computed from a comparison's outcomes.
public struct QualityReport: Sendable {
    /// The outcomes, in the order run.
    public var outcomes: [SchedulerComparison.Outcome]
    /// Random search's (label `random`) final median regret.
    public var randomFinalRegret: Double?
    /// Random search's median makespan.
    public var randomTime: Double?
    /// The first time ASHA's (label `asha`) median regret is ≤ random's final median regret.
    public var ashaTimeToRandomFinal: Double?
    /// `ashaTimeToRandomFinal / randomTime` (goal ≤ 1/3).
    public var ashaTimeFraction: Double? {
        guard let a = ashaTimeToRandomFinal, let r = randomTime, r > 0 else { return nil }
        return a / r
    }
    /// Final median regret of ASHA with random sampling and with TPE (label `asha-tpe`).
    public var ashaFinalRegret: Double?, tpeFinalRegret: Double?

    /// Whether ASHA reached random's final median regret within 1/3 of random's time.
    public var ashaGoalMet: Bool { (ashaTimeFraction ?? .infinity) <= 1.0 / 3.0 }
    /// Whether TPE+ASHA's final median regret is at most random+ASHA's.
    public var tpeGoalMet: Bool {
        guard let t = tpeFinalRegret, let a = ashaFinalRegret else { return false }
        return t <= a
    }

    /// Computes the verdict.
    public init(_ outcomes: [SchedulerComparison.Outcome]) {
        self.outcomes = outcomes
        func find(_ label: String) -> AnytimeSummary? { outcomes.first { $0.label == label }?.summary }
        if let random = find("random") {
            randomFinalRegret = random.finalMedianRegret
            randomTime = random.medianMakespan
            if let asha = find("asha"), randomFinalRegret!.isFinite {
                ashaTimeToRandomFinal = asha.firstTime(medianRegretAtMost: randomFinalRegret!)
            }
        }
        ashaFinalRegret = find("asha")?.finalMedianRegret
        tpeFinalRegret = find("asha-tpe")?.finalMedianRegret
    }

    /// The printed report: one row per contender, then the goals.
    public var text: String {
        func f(_ v: Double?, _ format: String = "%.5f") -> String {
            guard let v, v.isFinite else { return "—" }
            return String(format: format, v)
        }
        func pad(_ s: String, _ w: Int) -> String { s.count >= w ? s : s + String(repeating: " ", count: w - s.count) }
        var lines: [String] = []
        let seeds = outcomes.first?.summary.results.count ?? 0
        lines.append("Scheduler comparison over \(seeds) seeds (medians; regret = true final value of the incumbent − optimum)")
        lines.append("  " + ["contender", "scheduler", "sampler", "trials", "final regret", "q25", "q75",
                             "makespan (h)", "resource", "utilisation"].enumerated()
            .map { pad($1, [11, 10, 8, 7, 13, 9, 9, 13, 10, 11][$0]) }.joined(separator: " "))
        for o in outcomes {
            let s = o.summary
            let cells = [o.label, o.study.scheduler.kind.rawValue, o.study.sampler.kind.rawValue,
                         o.study.trials.map(String.init) ?? "∞", f(s.finalMedianRegret),
                         f(s.regretQuantile(0.25, at: .infinity)), f(s.regretQuantile(0.75, at: .infinity)),
                         f(s.medianMakespan / 3600, "%.2f"), f(s.medianResource, "%.0f"),
                         f(100 * s.medianUtilisation, "%.1f%%")]
            lines.append("  " + cells.enumerated().map { pad($1, [11, 10, 8, 7, 13, 9, 9, 13, 10, 11][$0]) }.joined(separator: " "))
        }
        lines.append("")
        if let rf = randomFinalRegret, let rt = randomTime {
            lines.append("Random search at full budget: final median regret \(f(rf)) after \(f(rt / 3600, "%.2f")) h (median makespan).")
            let verdict = ashaGoalMet ? "PASS" : "FAIL"
            lines.append("ASHA reaches it at \(f(ashaTimeToRandomFinal.map { $0 / 3600 }, "%.2f")) h = "
                         + "\(f(ashaTimeFraction, "%.3f")) of random's time (goal ≤ 0.333): \(verdict)")
        }
        if ashaFinalRegret != nil, tpeFinalRegret != nil {
            lines.append("TPE+ASHA final median regret \(f(tpeFinalRegret)) vs random+ASHA \(f(ashaFinalRegret)) "
                         + "(goal ≤): \(tpeGoalMet ? "PASS" : "FAIL")")
        }
        let utils = outcomes.filter { ["asha", "sha", "hyperband"].contains($0.label) }
            .map { "\($0.label) \(f(100 * $0.summary.medianUtilisation, "%.1f%%"))" }
        if !utils.isEmpty { lines.append("Worker utilisation: " + utils.joined(separator: ", ")) }
        return lines.joined(separator: "\n")
    }
}
