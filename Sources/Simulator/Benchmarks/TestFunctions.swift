// Multi-fidelity test functions from the literature: Branin (2-D) and Hartmann-6, each with a
// fidelity z = resource / maximum resource in (0, 1], following the BOCA formulation of Kandasamy,
// Dasarathy, Schneider & Póczos, "Multi-fidelity Bayesian Optimisation with Continuous
// Approximations", ICML 2017 (appendix, synthetic experiments) with one fidelity for all
// coefficients. Leaves out noise: these functions are exact at every fidelity.
import Foundation
import Search

/// The cost model shared by both test functions: λ(z) = 0.05 + 0.95·z^1.5 (the Branin cost of the
/// BOCA experiments' one-dimensional fidelity), scaled to `secondsAtFullFidelity`. A fresh start
/// pays λ(z₁); a resume from z₀ pays λ(z₁) − λ(z₀), so running to full fidelity in pieces costs the
/// same as in one go.
public struct FidelityCost: Sendable, Hashable {
    /// Virtual seconds of one evaluation at z = 1.
    public var secondsAtFullFidelity: Double

    /// λ(z), in virtual seconds.
    public func lambda(_ z: Double) -> Double {
        secondsAtFullFidelity * (0.05 + 0.95 * pow(min(max(z, 0), 1), 1.5))
    }

    /// Seconds to go from fidelity `z0` (0 for a fresh start) to `z1`.
    public func cost(from z0: Double, to z1: Double) -> Double {
        z0 <= 0 ? lambda(z1) : max(0, lambda(z1) - lambda(z0))
    }
}

/// Branin–Hoo on x1 ∈ [−5, 10], x2 ∈ [0, 15], minimised. At fidelity z the coefficients are
/// b(z) = 5.1/(4π²) − 0.01(1 − z), c(z) = 5/π − 0.1(1 − z), t(z) = 1/(8π) + 0.005(1 − z)
/// (Kandasamy et al. 2017). At z = 1 it is the standard function with minimum 0.397887 at
/// (−π, 12.275), (π, 2.275) and (9.42478, 2.475).
public struct BraninBenchmark: Benchmark {
    /// The name it is selected by.
    public let name = "branin"
    /// Which way its values are better.
    public let direction = ObjectiveDirection.minimize
    /// The global minimum at full fidelity.
    public let optimum: Double? = 0.397887357729738
    /// The study's maximum resource (fidelity z = resource / maxResource).
    public var maxResource: Double
    /// The cost model.
    public var costModel: FidelityCost

    /// A Branin benchmark whose full fidelity is reached at `maxResource`.
    public init(maxResource: Double, secondsAtFullFidelity: Double = 3600) {
        self.maxResource = maxResource
        self.costModel = FidelityCost(secondsAtFullFidelity: secondsAtFullFidelity)
    }

    /// The parameters it reads from a configuration, with their domains.
    public static let parameters: [(name: String, low: Double, high: Double)] = [("x1", -5, 10), ("x2", 0, 15)]

    /// Branin at point (x1, x2) and fidelity z.
    public static func evaluate(x1: Double, x2: Double, fidelity z: Double) -> Double {
        let b = 5.1 / (4 * Double.pi * Double.pi) - 0.01 * (1 - z)
        let c = 5 / Double.pi - 0.1 * (1 - z)
        let t = 1 / (8 * Double.pi) + 0.005 * (1 - z)
        let r = 6.0, s = 10.0
        let inner = x2 - b * x1 * x1 + c * x1 - r
        return inner * inner + s * (1 - t) * cos(x1) + s
    }

    /// The value reported at `resource` (see `Benchmark`).
    public func value(trial: TrialID, config: Configuration, resource: Double) -> Double {
        BraninBenchmark.evaluate(x1: config.number("x1"), x2: config.number("x2"),
                                 fidelity: min(resource / maxResource, 1))
    }

    /// The noise-free value at the maximum resource (see `Benchmark`).
    public func trueFinalValue(trial: TrialID, config: Configuration) -> Double {
        BraninBenchmark.evaluate(x1: config.number("x1"), x2: config.number("x2"), fidelity: 1)
    }

    /// Virtual seconds from `fromResource` to `toResource` (see `Benchmark`).
    public func cost(trial: TrialID, config: Configuration, fromResource: Double, toResource: Double) -> Double {
        costModel.cost(from: fromResource / maxResource, to: toResource / maxResource)
    }
}

/// Hartmann-6 on [0, 1]⁶, minimised: f(x) = −Σᵢ αᵢ(z)·exp(−Σⱼ Aᵢⱼ(xⱼ − Pᵢⱼ)²) with
/// α(z) = α − 0.1(1 − z) (Kandasamy et al. 2017). At z = 1 its minimum is −3.32237 at
/// (0.20169, 0.150011, 0.476874, 0.275332, 0.311652, 0.6573).
public struct Hartmann6Benchmark: Benchmark {
    /// The name it is selected by.
    public let name = "hartmann6"
    /// Which way its values are better.
    public let direction = ObjectiveDirection.minimize
    /// The global minimum at full fidelity.
    public let optimum: Double? = -3.32236801141551
    /// The study's maximum resource (fidelity z = resource / maxResource).
    public var maxResource: Double
    /// The cost model.
    public var costModel: FidelityCost

    /// A Hartmann-6 benchmark whose full fidelity is reached at `maxResource`.
    public init(maxResource: Double, secondsAtFullFidelity: Double = 3600) {
        self.maxResource = maxResource
        self.costModel = FidelityCost(secondsAtFullFidelity: secondsAtFullFidelity)
    }

    /// The parameters it reads (x1 … x6, each in [0, 1]).
    public static let parameters: [(name: String, low: Double, high: Double)] =
        (1...6).map { ("x\($0)", 0, 1) }

    static let alpha: [Double] = [1.0, 1.2, 3.0, 3.2]
    static let a: [[Double]] = [
        [10, 3, 17, 3.5, 1.7, 8],
        [0.05, 10, 17, 0.1, 8, 14],
        [3, 3.5, 1.7, 10, 17, 8],
        [17, 8, 0.05, 10, 0.1, 14],
    ]
    static let p: [[Double]] = [
        [0.1312, 0.1696, 0.5569, 0.0124, 0.8283, 0.5886],
        [0.2329, 0.4135, 0.8307, 0.3736, 0.1004, 0.9991],
        [0.2348, 0.1451, 0.3522, 0.2883, 0.3047, 0.6650],
        [0.4047, 0.8828, 0.8732, 0.5743, 0.1091, 0.0381],
    ]

    /// Hartmann-6 at point `x` (six coordinates) and fidelity z.
    public static func evaluate(_ x: [Double], fidelity z: Double) -> Double {
        precondition(x.count == 6, "Hartmann-6 takes 6 coordinates, got \(x.count)")
        var total = 0.0
        for i in 0..<4 {
            var inner = 0.0
            for j in 0..<6 {
                let d = x[j] - p[i][j]
                inner += a[i][j] * d * d
            }
            total += (alpha[i] - 0.1 * (1 - z)) * exp(-inner)
        }
        return -total
    }

    private func point(_ config: Configuration) -> [Double] { (1...6).map { config.number("x\($0)") } }

    /// The value reported at `resource` (see `Benchmark`).
    public func value(trial: TrialID, config: Configuration, resource: Double) -> Double {
        Hartmann6Benchmark.evaluate(point(config), fidelity: min(resource / maxResource, 1))
    }

    /// The noise-free value at the maximum resource (see `Benchmark`).
    public func trueFinalValue(trial: TrialID, config: Configuration) -> Double {
        Hartmann6Benchmark.evaluate(point(config), fidelity: 1)
    }

    /// Virtual seconds from `fromResource` to `toResource` (see `Benchmark`).
    public func cost(trial: TrialID, config: Configuration, fromResource: Double, toResource: Double) -> Double {
        costModel.cost(from: fromResource / maxResource, to: toResource / maxResource)
    }
}

extension Dictionary where Key == String, Value == ParameterValue {
    /// The numeric value of parameter `name`. The benchmark catalog checks the study's space up
    /// front, so a missing or non-numeric parameter here is a programming error.
    func number(_ name: String) -> Double {
        guard let v = self[name]?.numeric else {
            preconditionFailure("configuration has no numeric parameter '\(name)': \(self)")
        }
        return v
    }
}
