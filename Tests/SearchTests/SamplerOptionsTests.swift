// The options that guard search on real curves: TPE's constant liar (running trials join the bad
// set), the multivariate kernel (learns a correlated optimum, suggestions stay valid), ASHA's
// minimum early-stopping rate (no trial judged below rung s), and their study-file keys.
import Foundation
import Testing
@testable import Search

@Suite struct SamplerOptionsTests {
    @Test func constantLiarCountsRunningTrialsWithoutAResultAtTheRung() {
        func record(_ i: Int, _ state: TrialState, rungs: [Int]) -> TrialRecord {
            TrialRecord(id: TrialID(i), config: ["x": .double(Double(i))], bracket: 0, state: state,
                        results: rungs.map { RungResult(rung: $0, resource: 1, value: 0, metrics: [:], feasible: true, loss: 0) },
                        target: 9, losses: 0, startedAt: 0, assignedAt: 0, updatedAt: 0, failureReason: nil)
        }
        let trials = [record(0, .running, rungs: [0, 1]), record(1, .running, rungs: [0]), record(2, .completed, rungs: [0, 1, 2]),
                      record(3, .queued, rungs: []), record(4, .paused, rungs: [0])]
        let pending = TPESampler.pending(below: 1, trials: trials, limit: 10)
        #expect(pending.map { $0["x"] } == [.double(3), .double(1)])
        #expect(TPESampler.pending(below: 1, trials: trials, limit: 1).count == 1)
    }

    /// On a objective whose optimum lies on a diagonal (x ≈ y), the multivariate kernel does at
    /// least as well as per-dimension densities and its suggestions are valid.
    @Test(arguments: [1, 2, 3] as [UInt64])
    func multivariateLearnsACorrelatedOptimum(seed: UInt64) {
        func run(multivariate: Bool) -> SearchEngine {
            var study = testStudy(scheduler: SchedulerSpec(kind: .none),
                                  sampler: SamplerSpec(kind: .tpe, tpe: TPEOptions(randomFraction: 0.1, multivariate: multivariate)),
                                  trials: 100, R: 1, seed: seed)
            study.space = SearchSpace([Parameter("x", .uniform(low: 0, high: 1)), Parameter("y", .uniform(low: 0, high: 1)),
                                       Parameter("opt", .categorical([.string("adam"), .string("sgd")]))])
            var d = TestDriver(study: study, workers: 1) { _, c, _ in
                let x = c["x"]!.numeric!, y = c["y"]!.numeric!
                return 10 * (x - y) * (x - y) + 0.1 * abs(x + y - 1) + (c["opt"] == .string("sgd") ? 0 : 0.2)
            }
            d.run()
            return d.engine
        }
        let joint = run(multivariate: true)
        #expect(joint.trials.allSatisfy { joint.study.space.isValid($0.config) })
        func lateMedian(_ e: SearchEngine) -> Double {
            let v = e.trials.suffix(50).map { $0.results.last!.value }.sorted()
            return v[v.count / 2]
        }
        let random = { () -> SearchEngine in
            var s = joint.study
            s.sampler = SamplerSpec(kind: .random)
            var d = TestDriver(study: s, workers: 1) { _, c, _ in
                let x = c["x"]!.numeric!, y = c["y"]!.numeric!
                return 10 * (x - y) * (x - y) + 0.1 * abs(x + y - 1) + (c["opt"] == .string("sgd") ? 0 : 0.2)
            }
            d.run()
            return d.engine
        }()
        #expect(lateMedian(joint) < 0.5 * lateMedian(random), "joint \(lateMedian(joint)) random \(lateMedian(random))")
    }

    @Test(arguments: [SchedulerSpec.Kind.asha, .hyperband])
    func minimumEarlyStoppingRateStartsTrialsAtRungS(kind: SchedulerSpec.Kind) {
        var spec = SchedulerSpec(kind: kind, over: .asha)
        spec.minEarlyStoppingRate = 1
        let study = testStudy(scheduler: spec, trials: 60, R: 27)
        var d = TestDriver(study: study, workers: 3, curve: smoothCurve)
        d.run()
        #expect(d.engine.isComplete)
        #expect(d.engine.trials.allSatisfy { $0.bracket >= 1 })
        #expect(d.engine.trials.allSatisfy { $0.results.allSatisfy { $0.resource >= 3 } })
        if kind == .hyperband { #expect(Set(d.engine.trials.map(\.bracket)).count > 1) }
    }

    @Test func studyFileKeys() throws {
        let s = try Study.parse(yaml: """
            objective: {metric: loss}
            budget: {min_resource: 1, max_resource: 27}
            scheduler: {type: hyperband, over: asha, min_early_stopping_rate: 1}
            sampler: {type: tpe, constant_liar: false, multivariate: true}
            trials: 10
            space:
              x: {type: uniform, low: 0, high: 1}
            """)
        #expect(s.scheduler.minEarlyStoppingRate == 1)
        #expect(s.sampler.tpe.multivariate && !s.sampler.tpe.constantLiar)
        #expect(throws: SearchError.self) {
            try Study.parse(yaml: """
                objective: {metric: loss}
                budget: {min_resource: 1, max_resource: 27}
                scheduler: {type: sha, min_early_stopping_rate: 1}
                trials: 10
                space:
                  x: {type: uniform, low: 0, high: 1}
                """)
        }
        // Specs stored before these keys existed still decode.
        let old = #"{"gamma":0.15,"candidates":24,"maxObservations":256,"randomFraction":0.3,"priorWeight":1,"bandwidthFactor":1}"#
        let t = try JSONDecoder().decode(TPEOptions.self, from: Data(old.utf8))
        #expect(t.constantLiar && !t.multivariate)
    }
}
