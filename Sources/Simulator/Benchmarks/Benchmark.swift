// What the simulator runs instead of training: a benchmark answers "what would trial T with config
// C report at resource r?" and "how many virtual seconds does it take to go from r0 to r1?".
// Benchmarks are pure and seeded: the same inputs always give the same answers. Leaves out which
// benchmark a name means (see `BenchmarkCatalog`) and the event loop (see `Simulation`).
import Search

/// Which way the objective is better.
public enum ObjectiveDirection: String, Sendable, Hashable, Codable {
    /// Lower is better (losses, errors, test functions).
    case minimize
    /// Higher is better (accuracies, F1).
    case maximize

    /// True when `a` is strictly better than `b`.
    public func isBetter(_ a: Double, than b: Double) -> Bool {
        self == .minimize ? a < b : a > b
    }

    /// How much worse `value` is than `optimum` (≥ 0 when `optimum` is the true optimum).
    public func regret(_ value: Double, optimum: Double) -> Double {
        self == .minimize ? value - optimum : optimum - value
    }
}

/// A stand-in for training: recorded or closed-form learning curves with costs.
///
/// Resources are in the study's units (e.g. epochs); a benchmark that needs a fidelity in [0, 1]
/// divides by the maximum resource it was made with.
public protocol Benchmark: Sendable {
    /// The name it is selected by (`synthetic`, `branin`, `hartmann6`, `replay:FILE`).
    var name: String { get }
    /// Which way its values are better.
    var direction: ObjectiveDirection { get }
    /// The best value any configuration reaches at the maximum resource, where known; regret is
    /// measured against it.
    var optimum: Double? { get }
    /// The value trial `trial` with configuration `config` reports at `resource` (noisy where the
    /// benchmark has noise; deterministic in all its arguments).
    func value(trial: TrialID, config: Configuration, resource: Double) -> Double
    /// The noise-free value at the maximum resource: what the configuration is truly worth. Regret
    /// of an incumbent is computed from this, not from its (possibly lucky) noisy report.
    func trueFinalValue(trial: TrialID, config: Configuration) -> Double
    /// Virtual seconds to run from `fromResource` (0 for a fresh start) to `toResource`.
    func cost(trial: TrialID, config: Configuration, fromResource: Double, toResource: Double) -> Double
    /// Other metrics reported beside the objective at `resource` (for constraints and a second
    /// objective); none by default.
    func metrics(trial: TrialID, config: Configuration, resource: Double) -> MetricValues
    /// The recorded run a trial replays (replay benchmarks), for per-trial dumps; nil elsewhere.
    func recordedID(trial: TrialID, config: Configuration) -> String?
}

extension Benchmark {
    /// No recorded runs.
    public func recordedID(trial: TrialID, config: Configuration) -> String? { nil }

    /// No other metrics.
    public func metrics(trial: TrialID, config: Configuration, resource: Double) -> MetricValues { MetricValues() }
}
