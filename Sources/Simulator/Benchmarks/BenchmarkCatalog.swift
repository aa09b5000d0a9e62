// Benchmark names → benchmarks fitted to a study: `synthetic`, `branin`, `hartmann6` and
// `replay:FILE`. Checks up front that the study's space and objective suit the benchmark, so a
// run never stops halfway on a missing parameter. Leaves out the benchmarks' own formulas.
import Foundation
import Search

/// Options that only some benchmarks read.
public struct BenchmarkOptions: Sendable, Hashable {
    /// Seed of the synthetic benchmark's hidden landscape (fixed across repeats, so every repeat
    /// searches the same problem).
    public var landscapeSeed: UInt64 = 0
    /// The synthetic benchmark's crossing degree in [0, 1].
    public var crossing: Double = 0.2
    /// The synthetic benchmark's observation noise (standard deviation).
    public var noise: Double = 0.01
    /// How replayed trials are matched to recorded ones.
    public var replayMatching: ReplayBenchmark.Matching = .nearest
    /// Whether replayed trials resample a recorded seed's curve or replay the mean over seeds.
    public var replayNoise: ReplayBenchmark.Noise = .resample
    /// Replay: virtual seconds per epoch, overriding the recorded `seconds` (nil: as recorded, else 60).
    public var costPerEpoch: Double?
    /// Virtual seconds of one full-fidelity evaluation of a test function.
    public var testFunctionSeconds: Double = 3600

    /// The defaults.
    public init() {}
}

/// Makes benchmarks by name.
public enum BenchmarkCatalog {
    /// The names accepted, for help texts and error messages.
    public static let names = ["synthetic", "branin", "hartmann6", "replay:FILE"]

    /// The benchmark called `name`, fitted to `study`.
    /// - Throws: `SimulatorError` naming what does not fit (unknown name, missing parameters, an
    ///   objective direction the benchmark cannot serve, an unreadable recording).
    public static func make(_ name: String, study: Study, options: BenchmarkOptions = BenchmarkOptions()) throws -> any Benchmark {
        let maxResource = study.budget.maxResource
        switch name {
        case "synthetic":
            try requireMinimize(name, study)
            var scales: [String: ParameterScale?] = [:]
            for p in study.space.parameters {
                switch p.domain {
                case .uniform(let lo, let hi): scales[p.name] = .numeric(low: lo, high: hi, log: false)
                case .logUniform(let lo, let hi): scales[p.name] = .numeric(low: lo, high: hi, log: true)
                case .integer(let lo, let hi, _, let log): scales[p.name] = .numeric(low: Double(lo), high: Double(hi), log: log)
                case .categorical(let choices): scales[p.name] = .categorical(choices.map(\.description))
                case .fixed: continue
                }
            }
            return SyntheticBenchmark(parameters: scales, maxResource: maxResource, seed: options.landscapeSeed,
                                      crossing: options.crossing, noise: options.noise)
        case "branin":
            try requireMinimize(name, study)
            try requireNumeric(name, BraninBenchmark.parameters, study)
            return BraninBenchmark(maxResource: maxResource, secondsAtFullFidelity: options.testFunctionSeconds)
        case "hartmann6":
            try requireMinimize(name, study)
            try requireNumeric(name, Hartmann6Benchmark.parameters, study)
            return Hartmann6Benchmark(maxResource: maxResource, secondsAtFullFidelity: options.testFunctionSeconds)
        default:
            guard name.hasPrefix("replay:"), name.count > 7 else {
                throw SimulatorError(.unknownBenchmark,
                    "unknown benchmark '\(name)'; accepted: \(names.joined(separator: ", "))")
            }
            let path = String(name.dropFirst(7))
            let curves = try RecordedCurves.load(contentsOf: URL(fileURLWithPath: path), metric: study.objective.metric)
            return try ReplayBenchmark(name: name, curves: curves,
                                       direction: study.objective.direction == .minimize ? .minimize : .maximize,
                                       maxResource: maxResource, matching: options.replayMatching, space: study.space,
                                       noise: options.replayNoise, costPerEpoch: options.costPerEpoch)
        }
    }

    private static func requireMinimize(_ name: String, _ study: Study) throws {
        guard study.objective.direction == .minimize else {
            throw SimulatorError(.benchmarkMismatch,
                "benchmark '\(name)' is minimised, but the study's objective says `direction: maximize`; use `direction: minimize`")
        }
    }

    private static func requireNumeric(_ name: String, _ needed: [(name: String, low: Double, high: Double)], _ study: Study) throws {
        for (param, low, high) in needed {
            let wanted = "`\(param)` uniform in [\(low), \(high)]"
            guard let p = study.space[param] else {
                throw SimulatorError(.benchmarkMismatch,
                    "benchmark '\(name)' reads parameter `\(param)`, which the study's space lacks; add \(wanted)")
            }
            guard p.conditions.isEmpty else {
                throw SimulatorError(.benchmarkMismatch, "benchmark '\(name)' needs `\(param)` in every trial; remove its condition")
            }
            switch p.domain {
            case .uniform, .logUniform, .integer: continue
            default:
                throw SimulatorError(.benchmarkMismatch, "benchmark '\(name)' needs `\(param)` to be numeric; make it \(wanted)")
            }
        }
    }
}
