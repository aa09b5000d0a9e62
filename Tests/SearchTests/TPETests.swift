// TPE: picks the rung BOHB's rule names, learns where good results are (better than random on
// a smooth objective, prefers the better category), and respects conditional parameters.

import Foundation
import Testing
@testable import Search

@Suite struct TPETests {
    @Test func modelsTheHighestRungWithEnoughResults() {
        func obs(_ counts: [Int]) -> [[RankedEntry]] {
            counts.map { n in (0..<n).map { RankedEntry(loss: Double($0), trial: $0) } }
        }
        #expect(TPESampler.modelRung(obs([10, 5, 4, 0]), need: 5) == 1)
        #expect(TPESampler.modelRung(obs([10, 5, 6, 0]), need: 5) == 2)
        #expect(TPESampler.modelRung(obs([4, 1, 0]), need: 5) == nil)
        let s = TPESampler(options: TPEOptions(), space: SpacePropertyTests.conditional)
        #expect(s.need == 5 + 2)   // five free parameters + 2
        #expect(TPESampler(options: TPEOptions(minObservations: 3), space: s.space).need == 3)
    }

    /// Before a rung has d + 2 results the suggestions are exactly the random sampler's.
    @Test func fallsBackToRandomBeforeAnyRungIsModelled() {
        let space = testStudy().space
        let sampler = TPESampler(options: TPEOptions(), space: space)
        var a = RandomSource(seed: 4), b = RandomSource(seed: 4)
        let few: [[RankedEntry]] = [[RankedEntry(loss: 1, trial: 0)], []]
        for _ in 0..<20 {
            #expect(sampler.suggest(rng: &a, observations: few, trials: []) == space.sample(using: &b))
        }
    }

    static func quadratic(_ c: Configuration) -> Double {
        let x = c["x"]!.numeric!, lr = log10(c["lr"]!.numeric!)
        return (x - 0.3) * (x - 0.3) + 0.1 * (lr + 3) * (lr + 3) + (c["opt"] == .string("sgd") ? 0 : 0.3)
    }

    func run(_ kind: SamplerSpec.Kind, seed: UInt64) -> SearchEngine {
        let study = testStudy(scheduler: SchedulerSpec(kind: .none),
                              sampler: SamplerSpec(kind: kind, tpe: TPEOptions(randomFraction: 0)),
                              trials: 120, R: 1, seed: seed)
        var d = TestDriver(study: study, workers: 4) { _, c, _ in Self.quadratic(c) }
        d.run()
        return d.engine
    }

    @Test(arguments: [1, 2, 3, 4, 5] as [UInt64])
    func beatsRandomOnASmoothObjective(seed: UInt64) {
        let tpe = run(.tpe, seed: seed), random = run(.random, seed: seed)
        func lateMedian(_ e: SearchEngine) -> Double {
            let v = e.trials.suffix(60).map { $0.results.last!.value }.sorted()
            return v[v.count / 2]
        }
        #expect(lateMedian(tpe) < 0.5 * lateMedian(random), "tpe \(lateMedian(tpe)) random \(lateMedian(random))")
        // The better category dominates TPE's late suggestions.
        let sgd = tpe.trials.suffix(60).filter { $0.config["opt"] == .string("sgd") }.count
        #expect(sgd >= 45)
        #expect(tpe.trials.allSatisfy { tpe.study.space.isValid($0.config) })
    }

    @Test func conditionalSuggestionsAreValidAndLearnTheBranch() {
        var study = testStudy(scheduler: SchedulerSpec(kind: .asha), sampler: SamplerSpec(kind: .tpe), trials: 150, R: 9)
        study.space = SpacePropertyTests.conditional
        // Good: a pretrained backbone with unfreeze 2; momentum matters under sgd.
        var d = TestDriver(study: study, workers: 4) { _, c, r in
            var loss = 1 / r
            loss += c["backbone"] == .string("cnn") ? 1 : 0
            if let u = c["unfreeze"]?.numeric { loss += 0.2 * abs(u - 2) }
            if let m = c["momentum"]?.numeric { loss += abs(m - 0.9) }
            return loss
        }
        d.run()
        #expect(d.engine.isComplete)
        #expect(d.engine.trials.allSatisfy { study.space.isValid($0.config) })
        let late = d.engine.trials.suffix(75)
        #expect(late.filter { $0.config["backbone"] != .string("cnn") }.count >= 60)
    }
}
