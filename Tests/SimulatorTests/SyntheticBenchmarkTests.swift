// The synthetic learning curves: exact end points, the hidden optimum, deterministic noise,
// monotone cost, and the crossing setting that makes early and final rankings disagree.
import Foundation
import RungBasics
import Search
import Testing
@testable import Simulator

@Suite struct SyntheticBenchmarkTests {
    static let scales: [String: ParameterScale?] = [
        "lr": .numeric(low: 1e-5, high: 1e-1, log: true),
        "dropout": .numeric(low: 0, high: 0.5, log: false),
        "optimizer": .categorical(["adamw", "sgd", "lion"]),
    ]

    func configs(_ n: Int) -> [Configuration] {
        var g = SplitMix64(seed: 99)
        return (0..<n).map { _ in
            ["lr": .double(pow(10, -5 + 4 * g.unitDouble())), "dropout": .double(0.5 * g.unitDouble()),
             "optimizer": .string(["adamw", "sgd", "lion"][Int(g.next() % 3)])]
        }
    }

    /// Spearman rank correlation (no ties in continuous values).
    func spearman(_ a: [Double], _ b: [Double]) -> Double {
        func ranks(_ x: [Double]) -> [Double] {
            var r = [Double](repeating: 0, count: x.count)
            for (rank, i) in x.indices.sorted(by: { x[$0] < x[$1] }).enumerated() { r[i] = Double(rank) }
            return r
        }
        let ra = ranks(a), rb = ranks(b), n = Double(a.count)
        let d2 = zip(ra, rb).map { ($0 - $1) * ($0 - $1) }.reduce(0, +)
        return 1 - 6 * d2 / (n * (n * n - 1))
    }

    @Test func curvesStartAtOneAndEndAtTheirAsymptote() {
        let bench = SyntheticBenchmark(parameters: Self.scales, maxResource: 81, seed: 3, noise: 0)
        for c in configs(20) {
            #expect(abs(bench.meanValue(config: c, resource: 0) - 1) < 1e-12)
            #expect(abs(bench.meanValue(config: c, resource: 81) - bench.trueFinalValue(trial: TrialID(0), config: c)) < 1e-12)
            #expect(bench.meanValue(config: c, resource: 27) > bench.meanValue(config: c, resource: 81))
            #expect(bench.trueFinalValue(trial: TrialID(0), config: c) >= bench.floor)
        }
    }

    @Test func theHiddenOptimumReachesTheFloor() {
        let bench = SyntheticBenchmark(parameters: ["a": .numeric(low: 0, high: 1, log: false)], maxResource: 9, seed: 5)
        let best = (0...10_000).map { bench.trueFinalValue(trial: TrialID(0), config: ["a": .double(Double($0) / 10_000)]) }.min()!
        #expect(abs(best - 0.1) < 1e-6)
        #expect(bench.optimum == 0.1)
    }

    @Test func noiseIsDeterministicAndOfTheRightSize() {
        let bench = SyntheticBenchmark(parameters: Self.scales, maxResource: 81, seed: 3, noise: 0.01)
        let c = configs(1)[0]
        #expect(bench.value(trial: TrialID(0), config: c, resource: 9) == bench.value(trial: TrialID(7), config: c, resource: 9))
        let residuals = configs(2000).map { bench.value(trial: TrialID(0), config: $0, resource: 27) - bench.meanValue(config: $0, resource: 27) }
        let sd = (residuals.map { $0 * $0 }.reduce(0, +) / Double(residuals.count)).squareRoot()
        #expect(abs(sd - 0.01) < 0.001)
    }

    @Test func costGrowsLinearlyWithResource() {
        let bench = SyntheticBenchmark(parameters: Self.scales, maxResource: 81)
        for c in configs(10) {
            let one = bench.cost(trial: TrialID(0), config: c, fromResource: 0, toResource: 1)
            #expect(one >= 30 && one <= 90)
            #expect(abs(bench.cost(trial: TrialID(0), config: c, fromResource: 3, toResource: 9) - 6 * one) < 1e-9)
        }
    }

    @Test func crossingMakesEarlyRankingsDisagree() {
        let cs = configs(1000)
        func correlation(_ crossing: Double) -> Double {
            let bench = SyntheticBenchmark(parameters: Self.scales, maxResource: 81, seed: 1, crossing: crossing, noise: 0)
            return spearman(cs.map { bench.meanValue(config: $0, resource: 1) }, cs.map { bench.trueFinalValue(trial: TrialID(0), config: $0) })
        }
        #expect(abs(correlation(0) - 1) < 1e-12)   // one rate for all: every resource ranks alike
        let mild = correlation(0.2), strong = correlation(1)
        #expect(mild < 0.95 && mild > strong)
        #expect(strong < 0.3)
    }
}
