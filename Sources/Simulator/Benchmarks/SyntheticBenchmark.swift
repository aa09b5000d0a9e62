// A synthetic family of learning curves for testing schedulers: every configuration gets a final
// loss (its asymptote) and a convergence rate, both smooth functions of its parameters, and the
// `crossing` setting ties slow convergence to good final losses so that early and final rankings
// disagree to a chosen degree. Observations carry Gaussian noise; cost per unit of resource depends
// on the configuration. Leaves out any resemblance to a particular model or data set.
import Foundation
import RungBasics
import Search

/// How a study parameter maps onto [0, 1] for the synthetic benchmark.
public enum ParameterScale: Sendable, Hashable {
    /// A number in [low, high], on a log scale when `log` is set.
    case numeric(low: Double, high: Double, log: Bool)
    /// One of a list of choices; choice k maps to (k + ½) / count.
    case categorical([String])
}

/// Learning curves f(x, t) = A(x) + (1 − A(x))·(e^{−K(x)t} − e^{−K(x)}) / (1 − e^{−K(x)}), with
/// t = resource / maxResource ∈ [0, 1], so every curve starts at f(x, 0) = 1 and ends at
/// f(x, 1) = A(x) exactly.
///
/// - A(x) = floor + span·q(x), where q(x) ∈ [0, 1] is a weighted, slightly rippled squared distance
///   from a hidden optimum x* (drawn from the seed); the optimum is `floor`.
/// - K(x) = baseRate·exp(rateSpread·crossing·z(x)), z = ½(2q − 1) + ½(2v − 1), where v(x) ∈ [0, 1] is
///   an unrelated smooth function. With crossing = 0 every curve has the same rate, so every
///   resource ranks configurations exactly as the final one does; as crossing grows, rates spread
///   out, half in step with quality (good configurations converge slower) and half at random, and
///   early rankings disagree more with the final one. Spearman correlation between the value after
///   1, 3 and 9 of 81 epochs and the final value, over 3,000 random configurations of the example
///   studies' 6-parameter space (landscape seeds 0–2): 0.68 / 0.79 / 0.96 at crossing 0.2 (the
///   default), 0.35 / 0.46 / 0.81 at 0.4, and ≈ 0 / 0.07 / 0.33 at 1.
/// - Observations add N(0, noise²), seeded by (seed, configuration, resource).
/// - Cost is `secondsPerUnit`·(0.5 + c(x)) per unit of resource, c(x) ∈ [0, 1] smooth in x.
public struct SyntheticBenchmark: Benchmark {
    /// The name it is selected by.
    public let name = "synthetic"
    /// Which way its values are better.
    public let direction = ObjectiveDirection.minimize
    /// The best value at the maximum resource: `floor`.
    public var optimum: Double? { floor }

    /// The study's maximum resource.
    public var maxResource: Double
    /// How strongly good final values go with slow convergence, in [0, 1].
    public var crossing: Double
    /// Standard deviation of the observation noise.
    public var noise: Double
    /// The best final value (reached at the hidden optimum).
    public var floor: Double = 0.1
    /// Final values span [floor, floor + span].
    public var span: Double = 0.8
    /// The median convergence rate K.
    public var baseRate: Double = 20
    /// log-spread of the convergence rate at crossing 1: K ∈ baseRate·[e^{−rateSpread·crossing}, e^{rateSpread·crossing}].
    public var rateSpread: Double = 1.5
    /// Virtual seconds per unit of resource for a configuration of median cost.
    public var secondsPerUnit: Double = 60

    private let seed: UInt64
    private let dimensions: [Dimension]

    struct Dimension: Sendable {
        var name: String
        var scale: ParameterScale?
        var optimum: Double     // x* in [0.15, 0.85]
        var weight: Double      // in [0.5, 1.5]
        var speedPhase: Double  // coefficient of x in the speed function
        var costPhase: Double   // coefficient of x in the cost function
    }

    /// A synthetic benchmark over the named parameters. `scales` maps a parameter to [0, 1]; a
    /// parameter without a scale is squashed by 0.5 + atan(value)/π (numbers) or placed by its
    /// hash (strings). Parameters absent from a configuration (inactive conditionals) sit at 0.5.
    public init(parameters: [String: ParameterScale?], maxResource: Double, seed: UInt64 = 0,
                crossing: Double = 0.2, noise: Double = 0.01) {
        self.maxResource = maxResource
        self.crossing = min(max(crossing, 0), 1)
        self.noise = noise
        self.seed = seed
        var dims: [Dimension] = []
        for name in parameters.keys.sorted() {
            var h = StableHash(seed: seed)
            h.combine(name)
            var g = SplitMix64(seed: h.value)
            dims.append(Dimension(
                name: name, scale: parameters[name]!,
                optimum: 0.15 + 0.7 * g.unitDouble(), weight: 0.5 + g.unitDouble(),
                speedPhase: 2 * g.unitDouble() - 1, costPhase: 2 * g.unitDouble() - 1))
        }
        dimensions = dims
    }

    /// The position of a configuration in [0, 1]^d, parameters in name order.
    func coordinates(_ config: Configuration) -> [Double] {
        dimensions.map { dim in
            guard let value = config[dim.name] else { return 0.5 }
            switch (dim.scale, value) {
            case (.numeric(let low, let high, let log)?, _):
                guard let v = value.numeric, high > low else { return 0.5 }
                let u = log && low > 0 && v > 0 ? (Foundation.log(v) - Foundation.log(low)) / (Foundation.log(high) - Foundation.log(low))
                                                 : (v - low) / (high - low)
                return min(max(u, 0), 1)
            case (.categorical(let choices)?, _):
                guard let k = choices.firstIndex(of: value.description) else { return 0.5 }
                return (Double(k) + 0.5) / Double(choices.count)
            case (nil, .string(let s)):
                var h = StableHash(seed: seed)
                h.combine(s)
                return h.unit
            case (nil, _):
                return 0.5 + atan(value.numeric ?? 0) / Double.pi
            }
        }
    }

    /// The curve's latent parameters for a configuration: asymptote A, rate K, cost factor.
    func latent(_ config: Configuration) -> (asymptote: Double, rate: Double, costFactor: Double) {
        let x = coordinates(config)
        var q = 0.0, totalWeight = 0.0, speed = 0.0, costSum = 0.0
        for (dim, xi) in zip(dimensions, x) {
            let d = xi - dim.optimum
            let farthest = max(dim.optimum, 1 - dim.optimum)
            let bowl = (d * d) / (farthest * farthest)
            let ripple = (1 - cos(4 * Double.pi * d)) / 2
            q += dim.weight * (0.85 * bowl + 0.15 * ripple)
            totalWeight += dim.weight
            speed += dim.speedPhase * xi
            costSum += dim.costPhase * xi
        }
        q = totalWeight > 0 ? q / totalWeight : 0
        let v = 0.5 + 0.5 * sin(2 * Double.pi * speed + Double(seed % 1000) / 159.0)
        let c = 0.5 + 0.5 * sin(Double.pi * costSum)
        let z = (q - 0.5) + (v - 0.5)
        return (floor + span * q, baseRate * exp(rateSpread * crossing * z), c)
    }

    /// The noise-free curve value at resource `resource`.
    public func meanValue(config: Configuration, resource: Double) -> Double {
        let (a, k, _) = latent(config)
        let t = min(max(resource / maxResource, 0), 1)
        let tail = exp(-k)
        return a + (1 - a) * (exp(-k * t) - tail) / (1 - tail)
    }

    /// The value reported at `resource` (see `Benchmark`).
    public func value(trial: TrialID, config: Configuration, resource: Double) -> Double {
        guard noise > 0 else { return meanValue(config: config, resource: resource) }
        var h = StableHash(seed: seed ^ 0x5851_F42D_4C95_7F2D)
        h.combine(config)
        h.combine(resource)
        return meanValue(config: config, resource: resource) + noise * h.gaussian
    }

    /// The noise-free value at the maximum resource (see `Benchmark`).
    public func trueFinalValue(trial: TrialID, config: Configuration) -> Double {
        latent(config).asymptote
    }

    /// Virtual seconds from `fromResource` to `toResource` (see `Benchmark`).
    public func cost(trial: TrialID, config: Configuration, fromResource: Double, toResource: Double) -> Double {
        secondsPerUnit * (0.5 + latent(config).costFactor) * max(0, toResource - fromResource)
    }
}
