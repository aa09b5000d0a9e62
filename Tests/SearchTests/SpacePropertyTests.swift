// Property tests of the search space and the grid: samples stay inside their domains,
// conditional parameters are present exactly when their condition holds, the grid lists every
// point once and nothing else.

import Foundation
import PropertyBased
import Testing
@testable import Search

@Suite struct SpacePropertyTests {
    @Test func realSamplesStayInsideBounds() async {
        await propertyCheck(input: Gen.double(in: -1e3...1e3), Gen.double(in: 1e-6...1e3), Gen.uint64(in: 0...UInt64.max)) { low, width, seed in
            let uni = Parameter("u", .uniform(low: low, high: low + width))
            let logLow = abs(low) + 1e-6
            let log = Parameter("l", .logUniform(low: logLow, high: logLow * (1 + width)))
            var rng = RandomSource(seed: seed)
            for _ in 0..<50 {
                let u = uni.sample(using: &rng), l = log.sample(using: &rng)
                #expect(uni.contains(u), "\(u) outside [\(low), \(low + width)]")
                #expect(log.contains(l), "\(l) outside log range")
            }
        }
    }

    @Test func integerSamplesStayOnTheirSteps() async {
        await propertyCheck(input: Gen.int(in: -50...50), Gen.int(in: 0...40), Gen.int(in: 1...7), Gen.uint64(in: 0...UInt64.max)) { low, steps, step, seed in
            let p = Parameter("i", .integer(low: low, high: low + steps * step, step: step, log: false))
            let q = Parameter("j", .integer(low: abs(low) + 1, high: abs(low) + 1 + steps, step: 1, log: true))
            var rng = RandomSource(seed: seed)
            var seen = Set<ParameterValue>()
            for _ in 0..<60 {
                let v = p.sample(using: &rng), w = q.sample(using: &rng)
                #expect(p.contains(v) && q.contains(w), "\(v) or \(w) outside")
                seen.insert(v)
                // The unit coordinate maps back to the same integer.
                #expect(p.fromUnit(p.toUnit(v)) == v && q.fromUnit(q.toUnit(w)) == w)
            }
            #expect(steps == 0 || seen.count > 1)
        }
    }

    @Test func everyValueSurvivesTheUnitCoordinateRoundTrip() async {
        await propertyCheck(input: Gen.int(in: 1...9), Gen.uint64(in: 0...UInt64.max)) { n, seed in
            let cat = Parameter("c", .categorical((0..<n).map { .string("v\($0)") }))
            for v in cat.gridValues()! { #expect(cat.fromUnit(cat.toUnit(v)) == v) }
            var rng = RandomSource(seed: seed)
            let real = Parameter("r", .logUniform(low: 1e-3, high: 10))
            for _ in 0..<20 {
                let v = real.sample(using: &rng)
                #expect(abs(real.fromUnit(real.toUnit(v)).numeric! - v.numeric!) <= 1e-12 * v.numeric!)
            }
        }
    }

    static let conditional = SearchSpace([
        Parameter("backbone", .categorical([.string("cnn"), .string("resnet"), .string("minilm")])),
        Parameter("unfreeze", .integer(low: 0, high: 4, step: 1, log: false),
                  when: [Condition(parent: "backbone", values: [.string("resnet"), .string("minilm")])]),
        Parameter("head_lr", .logUniform(low: 1e-4, high: 1e-2), when: [Condition(parent: "unfreeze", values: [.int(1), .int(2)])]),
        Parameter("opt", .categorical([.string("sgd"), .string("adam")])),
        Parameter("momentum", .uniform(low: 0, high: 0.99), when: [Condition(parent: "opt", values: [.string("sgd")])]),
        Parameter("epochs_warmup", .fixed(.int(1))),
    ])

    @Test func conditionalParametersPresentExactlyWhenTheirConditionHolds() async {
        await propertyCheck(count: 200, input: Gen.uint64(in: 0...UInt64.max)) { seed in
            var rng = RandomSource(seed: seed)
            let c = Self.conditional.sample(using: &rng)
            #expect(Self.conditional.isValid(c))
            for p in Self.conditional.parameters {
                #expect((c[p.name] != nil) == p.conditions.allSatisfy { $0.holds(in: c) }, "\(p.name) in \(c)")
            }
        }
    }

    /// Configurations survive JSON (which writes 0.5 and 1.0 as numbers without a type) once
    /// `canonical` gives each value its domain's type back.
    @Test func configurationsSurviveJSON() async throws {
        await propertyCheck(count: 100, input: Gen.uint64(in: 0...UInt64.max)) { seed in
            var rng = RandomSource(seed: seed)
            var c = Self.conditional.sample(using: &rng)
            if c["momentum"] != nil { c["momentum"] = .double(0) }   // a whole number in a real domain
            let back = try JSONDecoder().decode(Configuration.self, from: JSONEncoder().encode(c))
            #expect(Self.conditional.canonical(back) == c)
        }
    }

    /// Brute force: every combination of all parameters' grid values, inactive ones dropped.
    func bruteForceGrid(_ space: SearchSpace) -> Set<Configuration> {
        var all: [Configuration] = [[:]]
        for p in space.parameters {
            all = all.flatMap { c in p.gridValues()!.map { v in var n = c; n[p.name] = v; return n } }
        }
        return Set(all.map { full in
            var c: Configuration = [:]
            for p in space.parameters where p.isActive(in: c) { c[p.name] = full[p.name] }
            return c
        })
    }

    @Test func gridEnumeratesEveryPointOnce() async {
        await propertyCheck(input: Gen.int(in: 1...4), Gen.int(in: 1...3), Gen.int(in: 1...5), Gen.int(in: 1...3)) { a, b, n, m in
            let space = SearchSpace([
                Parameter("a", .categorical((0..<a).map { .string("a\($0)") })),
                Parameter("b", .integer(low: 0, high: b - 1, step: 1, log: false),
                          when: [Condition(parent: "a", values: [.string("a0")])]),
                Parameter("x", .uniform(low: 0, high: 1), grid: .points(n)),
                Parameter("y", .logUniform(low: 1e-3, high: 1), when: [Condition(parent: "b", values: [.int(0)])], grid: .points(m)),
            ])
            let points = GridSampler.points(of: space)
            #expect(Set(points).count == points.count, "a point repeats")
            #expect(points.count == GridSampler.size(of: space))
            #expect(Set(points) == bruteForceGrid(space))
            #expect(points.allSatisfy(space.isValid))
            // Closed form of this space's size: a0 branch has b values, one of which has m y-values.
            #expect(points.count == (b - 1 + m) * n + (a - 1) * n)
        }
    }

    @Test func gridOrderIsFirstParameterSlowest() {
        let space = SearchSpace([
            Parameter("opt", .categorical([.string("adam"), .string("sgd")])),
            Parameter("lr", .logUniform(low: 0.001, high: 0.1), grid: .points(3)),
            Parameter("m", .uniform(low: 0, high: 1), when: [Condition(parent: "opt", values: [.string("sgd")])], grid: .values([.double(0), .double(0.9)])),
        ])
        let pts = GridSampler.points(of: space)
        let lrs = [0.001, 0.01, 0.1]
        let expected: [Configuration] =
            lrs.map { ["opt": .string("adam"), "lr": .double($0)] } +
            lrs.flatMap { lr in [0, 0.9].map { ["opt": .string("sgd"), "lr": .double(lr), "m": .double($0)] } }
        #expect(pts.count == expected.count)
        for (p, e) in zip(pts, expected) {
            #expect(p["opt"] == e["opt"] && p["m"] == e["m"])
            #expect(abs(p["lr"]!.numeric! - e["lr"]!.numeric!) < 1e-12)
        }
        #expect(GridSampler.size(of: space) == 9)
    }

    @Test func gridSamplerDrivesTheEngineThroughEveryPointThenCompletes() {
        var study = testStudy(scheduler: SchedulerSpec(kind: .none), sampler: SamplerSpec(kind: .grid), trials: nil, R: 3)
        study.space = Self.conditional
        study.space.parameters[2].grid = .points(2)
        study.space.parameters[4].grid = .values([.double(0), .double(0.5)])
        let expected = GridSampler.points(of: study.space)
        var d = TestDriver(study: study, workers: 3, curve: { _, _, r in 1 / r })
        d.run()
        #expect(d.engine.isComplete)
        #expect(d.engine.trials.map(\.config) == expected)
        // backbone: cnn, or 2 × (3 unfreeze values without head_lr + 2 with 2 head_lr points);
        // opt: adam, or sgd × 2 momentum values.
        #expect(expected.count == (1 + 2 * (3 + 2 * 2)) * (1 + 2))
    }
}
