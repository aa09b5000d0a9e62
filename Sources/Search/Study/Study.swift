// A validated study: what to optimise, with which budget, scheduler and sampler, over which space,
// and the opaque task every trial runs. Built by `Study.parse(yaml:)` (StudyParser.swift) or in
// code. Leaves out how trials are run; the `task` is kept as a JSON-like value for the runtime.

import RungBasics
import Foundation

/// Whether smaller or larger objective values are better.
public enum Direction: String, Sendable, Codable, Equatable, CaseIterable {
    case minimize, maximize
}

/// A bound on a recorded metric, e.g. `latency_ms <= 5`. A trial whose metrics break one is
/// infeasible: it ranks behind every feasible trial and is never the best.
public struct Constraint: Sendable, Codable, Equatable {
    /// A comparison operator of a constraint.
    public enum Comparison: String, Sendable, Codable, Equatable, CaseIterable {
        case lessOrEqual = "<=", less = "<", greaterOrEqual = ">=", greater = ">"
    }
    /// The metric name (a key of `.reported`'s `metrics`, or the objective metric itself).
    public var metric: String
    /// How the metric compares to `bound`.
    public var comparison: Comparison
    /// The bound.
    public var bound: Double

    /// Makes `metric comparison bound`.
    public init(metric: String, comparison: Comparison, bound: Double) {
        self.metric = metric; self.comparison = comparison; self.bound = bound
    }

    /// Whether `value` satisfies the constraint.
    public func isSatisfied(by value: Double) -> Bool {
        switch comparison {
        case .lessOrEqual: return value <= bound
        case .less: return value < bound
        case .greaterOrEqual: return value >= bound
        case .greater: return value > bound
        }
    }

    /// `latency_ms <= 5` (an integral bound without a fraction, as people write it).
    public var text: String {
        let b = abs(bound) < 1e15 ? Int(exactly: bound).map(String.init) ?? "\(bound)" : "\(bound)"
        return "\(metric) \(comparison.rawValue) \(b)"
    }
}

/// What the study optimises.
public struct Objective: Sendable, Codable, Equatable {
    /// The metric name the workers report as the objective value (e.g. `val_loss`).
    public var metric: String
    /// Whether smaller or larger is better.
    public var direction: Direction
    /// Feasibility bounds on recorded metrics.
    public var constraints: [Constraint]
    /// An optional second objective (metric, direction): `SearchEngine.paretoFront()` uses it.
    /// Schedulers rank by the first objective only.
    public var secondary: SecondaryObjective?

    /// Makes an objective.
    public init(metric: String, direction: Direction = .minimize, constraints: [Constraint] = [],
                secondary: SecondaryObjective? = nil) {
        self.metric = metric; self.direction = direction
        self.constraints = constraints; self.secondary = secondary
    }

    /// The value turned into a loss (smaller is better); NaN, +∞ and −∞ count as +∞ (a diverged
    /// run), so a non-finite value ranks last in either direction.
    public func loss(_ value: Double) -> Double {
        if !value.isFinite { return .infinity }
        return direction == .minimize ? value : -value
    }

    /// Whether `metrics` (plus the objective `value`) satisfy every constraint; a metric that was
    /// not reported does not break its constraint (it may be reported only at the end).
    public func isFeasible(value: Double, metrics: MetricValues) -> Bool {
        for c in constraints {
            let v = c.metric == metric ? value : metrics[c.metric]
            if let v, !c.isSatisfied(by: v) { return false }
        }
        return true
    }
}

/// A second objective, for a Pareto front.
public struct SecondaryObjective: Sendable, Codable, Equatable {
    /// Its metric name (a key of `.reported`'s `metrics`).
    public var metric: String
    /// Whether smaller or larger is better.
    public var direction: Direction
    /// Makes one.
    public init(metric: String, direction: Direction) { self.metric = metric; self.direction = direction }
}

/// The resource axis along which trials are scheduled (Li et al. 2018 notation).
public struct Budget: Sendable, Codable, Equatable {
    /// The resource's name, e.g. `epochs` (for people; the engine only uses numbers).
    public var resource: String
    /// r: the smallest resource a trial is given (the first rung).
    public var minResource: Double
    /// R: the most resource a trial is given (the last rung).
    public var maxResource: Double
    /// η: the reduction factor; 1/η of a rung is promoted to the next.
    public var reductionFactor: Int

    /// Makes a budget (validated by the parser, not here).
    public init(resource: String = "epochs", minResource: Double, maxResource: Double, reductionFactor: Int = 3) {
        self.resource = resource; self.minResource = minResource
        self.maxResource = maxResource; self.reductionFactor = reductionFactor
    }
}

/// Which scheduler drives the study and its options.
public struct SchedulerSpec: Sendable, Codable, Equatable {
    /// The algorithm.
    public enum Kind: String, Sendable, Codable, Equatable, CaseIterable {
        /// ASHA (Li et al. 2020), promotion variant: a trial pauses at each rung, resumed when promoted.
        case asha
        /// ASHA, stopping variant: a trial runs to R and is stopped at a rung where it is not in the top 1/η.
        case ashaStopping = "asha-stopping"
        /// Synchronous successive halving (Jamieson & Talwalkar 2016).
        case sha
        /// Hyperband (Li et al. 2018): brackets of `over`.
        case hyperband
        /// Every trial runs to R; the baseline.
        case none
    }
    /// The algorithm.
    public var kind: Kind
    /// For `hyperband`: the bracket algorithm (`asha`, `asha-stopping` or `sha`).
    public var over: Kind
    /// For `sha`: seconds after a rung's first result after which trials still running in it are
    /// stopped and counted out of the rung. Nil: wait forever.
    public var stragglerTimeout: Double?
    /// For `sha`: trials in each bracket's first rung. Nil: η^s_max (Hyperband's widest bracket).
    public var bracketTrials: Int?
    /// For `sha` and Hyperband over it: how many brackets may run at once (1 = fully synchronous).
    public var maxParallelBrackets: Int
    /// For ASHA (and Hyperband over it): s, the minimum early-stopping rate of Li et al. 2020 —
    /// trials start at rung s (resource r·η^s) instead of rung 0, so no trial is judged on fewer
    /// epochs; under Hyperband, brackets below s are dropped. Clamped to the top rung's index.
    public var minEarlyStoppingRate: Int = 0

    /// Makes a scheduler spec.
    public init(kind: Kind = .asha, over: Kind = .asha, stragglerTimeout: Double? = nil,
                bracketTrials: Int? = nil, maxParallelBrackets: Int = 1) {
        self.kind = kind; self.over = over; self.stragglerTimeout = stragglerTimeout
        self.bracketTrials = bracketTrials; self.maxParallelBrackets = maxParallelBrackets
    }

    private enum CodingKeys: String, CodingKey {
        case kind, over, stragglerTimeout, bracketTrials, maxParallelBrackets, minEarlyStoppingRate
    }

    /// Decodes a spec; keys added later (`minEarlyStoppingRate`) may be absent.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        kind = try c.decode(Kind.self, forKey: .kind)
        over = try c.decode(Kind.self, forKey: .over)
        stragglerTimeout = try c.decodeIfPresent(Double.self, forKey: .stragglerTimeout)
        bracketTrials = try c.decodeIfPresent(Int.self, forKey: .bracketTrials)
        maxParallelBrackets = try c.decode(Int.self, forKey: .maxParallelBrackets)
        minEarlyStoppingRate = try c.decodeIfPresent(Int.self, forKey: .minEarlyStoppingRate) ?? 0
    }

    /// The bracket algorithm actually run: `over` under Hyperband, else `kind`.
    public var bracketKind: Kind { kind == .hyperband ? over : kind }
}

/// Options of the TPE sampler (Bergstra et al. 2011) with BOHB's fidelity rule (Falkner et al. 2018).
public struct TPEOptions: Sendable, Codable, Equatable {
    /// γ: the fraction of observations that form the "good" density l(x).
    public var gamma: Double
    /// Candidates drawn from l(x) per suggestion; the one maximising l(x)/g(x) is kept.
    public var candidates: Int
    /// Observations a rung needs before it is modelled. Nil: d + 2 (d = free parameters).
    public var minObservations: Int?
    /// Only the last this-many observations of the modelled rung are used (bounds the cost).
    public var maxObservations: Int
    /// Fraction of suggestions drawn at random even when a model exists (BOHB's ρ).
    public var randomFraction: Double
    /// Weight of the flat prior mixed into each density (in observations).
    public var priorWeight: Double
    /// Multiplies every kernel bandwidth (BOHB's bandwidth factor).
    public var bandwidthFactor: Double
    /// Count running trials without a result at the modelled rung as bad (a constant liar), so
    /// that parallel workers spread out.
    public var constantLiar: Bool = true
    /// Model all parameters jointly (a product kernel per observation) instead of one density each.
    public var multivariate: Bool = false

    /// Defaults: γ 0.15, 24 candidates, d+2 observations, last 256, ρ 1/3, prior 1, bandwidth ×1.
    public init(gamma: Double = 0.15, candidates: Int = 24, minObservations: Int? = nil,
                maxObservations: Int = 256, randomFraction: Double = 1.0 / 3.0,
                priorWeight: Double = 1, bandwidthFactor: Double = 1, constantLiar: Bool = true,
                multivariate: Bool = false) {
        self.gamma = gamma; self.candidates = candidates; self.minObservations = minObservations
        self.maxObservations = maxObservations; self.randomFraction = randomFraction
        self.priorWeight = priorWeight; self.bandwidthFactor = bandwidthFactor
        self.constantLiar = constantLiar; self.multivariate = multivariate
    }

    private enum CodingKeys: String, CodingKey {
        case gamma, candidates, minObservations, maxObservations, randomFraction, priorWeight, bandwidthFactor
        case constantLiar, multivariate
    }

    /// Decodes options; keys added later (`constantLiar`, `multivariate`) may be absent.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        gamma = try c.decode(Double.self, forKey: .gamma)
        candidates = try c.decode(Int.self, forKey: .candidates)
        minObservations = try c.decodeIfPresent(Int.self, forKey: .minObservations)
        maxObservations = try c.decode(Int.self, forKey: .maxObservations)
        randomFraction = try c.decode(Double.self, forKey: .randomFraction)
        priorWeight = try c.decode(Double.self, forKey: .priorWeight)
        bandwidthFactor = try c.decode(Double.self, forKey: .bandwidthFactor)
        constantLiar = try c.decodeIfPresent(Bool.self, forKey: .constantLiar) ?? true
        multivariate = try c.decodeIfPresent(Bool.self, forKey: .multivariate) ?? false
    }
}

/// How new configurations are chosen.
public struct SamplerSpec: Sendable, Codable, Equatable {
    /// The sampler kind.
    public enum Kind: String, Sendable, Codable, Equatable, CaseIterable {
        case random, grid, tpe
    }
    /// The sampler kind.
    public var kind: Kind
    /// TPE's options (ignored by the others).
    public var tpe: TPEOptions
    /// Makes a sampler spec.
    public init(kind: Kind = .random, tpe: TPEOptions = TPEOptions()) { self.kind = kind; self.tpe = tpe }
}

/// A validated study.
public struct Study: Sendable, Codable, Equatable {
    /// The study's name (a directory name for the runtime).
    public var name: String
    /// What to optimise.
    public var objective: Objective
    /// The resource axis (r, R, η).
    public var budget: Budget
    /// The scheduler.
    public var scheduler: SchedulerSpec
    /// The sampler.
    public var sampler: SamplerSpec
    /// How many trials to start at most (nil: unlimited, then `maxTotalResource` or the grid ends it).
    public var trials: Int?
    /// Total resource (summed over all assignments) to hand out at most; nil: unlimited.
    public var maxTotalResource: Double?
    /// How many times a lost trial is run again before it counts as failed.
    public var maxAttempts: Int
    /// Seed of the engine's random source.
    public var seed: UInt64
    /// The search space.
    public var space: SearchSpace
    /// What each trial runs, opaque to the engine.
    public var task: JSONValue

    /// Makes a study in code (not validated; `parse` validates).
    public init(name: String = "study", objective: Objective, budget: Budget,
                scheduler: SchedulerSpec = SchedulerSpec(), sampler: SamplerSpec = SamplerSpec(),
                trials: Int? = nil, maxTotalResource: Double? = nil, maxAttempts: Int = 3,
                seed: UInt64 = 0, space: SearchSpace, task: JSONValue = .null) {
        self.name = name; self.objective = objective; self.budget = budget
        self.scheduler = scheduler; self.sampler = sampler; self.trials = trials
        self.maxTotalResource = maxTotalResource; self.maxAttempts = maxAttempts
        self.seed = seed; self.space = space; self.task = task
    }

    /// Reads and validates a study file.
    public static func load(contentsOf url: URL) throws -> Study {
        let text: String
        do { text = try String(contentsOf: url, encoding: .utf8) } catch {
            throw SearchError(.unreadable, "cannot read the study file \(url.path)",
                              source: url.lastPathComponent, cause: "\(error)")
        }
        return try parse(yaml: text, source: url.lastPathComponent)
    }
}
