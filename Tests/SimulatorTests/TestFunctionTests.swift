// Branin and Hartmann-6 against their known optima at full fidelity, their fidelity bias below it,
// and the cost model.
import Foundation
import Search
import Testing
@testable import Simulator

@Suite struct TestFunctionTests {
    @Test(arguments: [(-Double.pi, 12.275), (Double.pi, 2.275), (9.42478, 2.475)])
    func braninMinimumAtEachOptimum(x1: Double, x2: Double) {
        #expect(abs(BraninBenchmark.evaluate(x1: x1, x2: x2, fidelity: 1) - 0.397887) < 1e-5)
        let bench = BraninBenchmark(maxResource: 81)
        #expect(abs(bench.value(trial: TrialID(0), config: ["x1": .double(x1), "x2": .double(x2)], resource: 81) - 0.397887) < 1e-5)
    }

    @Test func braninKnownValues() {
        // (0, 0): (−6)² + 10(1 − 1/(8π))·cos 0 + 10 = 36 + 10 − 10/(8π) + 10.
        #expect(abs(BraninBenchmark.evaluate(x1: 0, x2: 0, fidelity: 1) - (56 - 10 / (8 * Double.pi))) < 1e-12)
        // Lower fidelity shifts the coefficients: b, c shrink and t grows.
        let low = BraninBenchmark.evaluate(x1: 0, x2: 0, fidelity: 0)
        #expect(abs(low - (56 - 10 * (1 / (8 * Double.pi) + 0.005))) < 1e-12)
    }

    @Test func hartmann6MinimumAtItsKnownPoint() {
        let x = [0.20169, 0.150011, 0.476874, 0.275332, 0.311652, 0.6573]
        #expect(abs(Hartmann6Benchmark.evaluate(x, fidelity: 1) - (-3.32237)) < 1e-5)
        var config = Configuration()
        for (i, v) in x.enumerated() { config["x\(i + 1)"] = .double(v) }
        let bench = Hartmann6Benchmark(maxResource: 27)
        #expect(abs(bench.trueFinalValue(trial: TrialID(0), config: config) - (-3.32237)) < 1e-5)
        // At fidelity 0 every α shrinks by 0.1, so the value rises by 0.1·Σᵢ exp(−innerᵢ) > 0.
        #expect(Hartmann6Benchmark.evaluate(x, fidelity: 0) > -3.32237)
    }

    @Test func hartmann6ClosedFormAtOrigin() {
        // At x = 0 the inner sums are Σⱼ Aᵢⱼ Pᵢⱼ²; compare with that sum written out.
        var expected = 0.0
        for i in 0..<4 {
            var inner = 0.0
            for j in 0..<6 { inner += Hartmann6Benchmark.a[i][j] * Hartmann6Benchmark.p[i][j] * Hartmann6Benchmark.p[i][j] }
            expected -= Hartmann6Benchmark.alpha[i] * exp(-inner)
        }
        #expect(abs(Hartmann6Benchmark.evaluate([0, 0, 0, 0, 0, 0], fidelity: 1) - expected) < 1e-15)
    }

    @Test func costGrowsWithFidelityAndIsAdditive() {
        let model = FidelityCost(secondsAtFullFidelity: 100)
        #expect(abs(model.lambda(1) - 100) < 1e-12)
        #expect(abs(model.lambda(0) - 5) < 1e-12)
        #expect(model.cost(from: 0, to: 0.25) < model.cost(from: 0, to: 0.5))
        #expect(abs(model.cost(from: 0, to: 0.5) + model.cost(from: 0.5, to: 1) - model.cost(from: 0, to: 1)) < 1e-12)
        let bench = BraninBenchmark(maxResource: 10, secondsAtFullFidelity: 100)
        #expect(abs(bench.cost(trial: TrialID(0), config: [:], fromResource: 0, toResource: 10) - 100) < 1e-12)
    }
}
