// Schedulers against closed forms and scripted curves: Hyperband's bracket table, exact SHA
// decision sequences, stragglers, ASHA's top-1/η invariant over randomized runs.

import Testing
@testable import Search

@Suite struct SchedulerTests {
    @Test func hyperbandBracketsMatchThePaperTable() {
        // Li et al. 2018, Table 1: R = 81, η = 3.
        let ladder = RungLadder(Budget(minResource: 1, maxResource: 81, reductionFactor: 3))
        #expect(ladder.rungs == [1, 3, 9, 27, 81])
        #expect(ladder.sMax == 4)
        let expected: [[Int]] = [[81, 27, 9, 3, 1], [34, 11, 3, 1], [15, 5, 1], [8, 2], [5]]
        #expect((0...4).map { ladder.bracketPlan(bracket: $0) } == expected)
        // r_i of bracket s = R η^(i−s): bracket b runs rungs b…4.
        #expect((0...4).map { b in Array(ladder.rungs[b...]) } == [[1, 3, 9, 27, 81], [3, 9, 27, 81], [9, 27, 81], [27, 81], [81]])
    }

    @Test func ladderWhenRatioIsNotAPowerOfEta() {
        #expect(RungLadder(Budget(minResource: 1, maxResource: 100, reductionFactor: 3)).rungs == [1, 3, 9, 27, 100])
        #expect(RungLadder(Budget(minResource: 2, maxResource: 2, reductionFactor: 2)).rungs == [2])
        #expect(RungLadder(Budget(minResource: 0.5, maxResource: 8, reductionFactor: 2)).rungs == [0.5, 1, 2, 4, 8])
        let l = RungLadder(Budget(minResource: 1, maxResource: 100, reductionFactor: 3))
        #expect(l.index(of: 27) == 3 && l.index(of: 100) == 4 && l.index(of: 26.5) == nil)
    }

    @Test func hyperbandOverSHARunsEveryBracketOfTheTable() {
        var s = testStudy(scheduler: SchedulerSpec(kind: .hyperband, over: .sha), trials: 143, R: 81)
        s.seed = 5
        var d = TestDriver(study: s, workers: 7, curve: smoothCurve)
        d.run()
        #expect(d.engine.isComplete)
        let expected: [[Int]] = [[81, 27, 9, 3, 1], [34, 11, 3, 1], [15, 5, 1], [8, 2], [5]]
        for b in 0...4 {
            let members = d.engine.trials.filter { $0.bracket == b }
            let perRung = (b...4).map { k in members.filter { $0.value(atRung: k) != nil }.count }
            #expect(perRung == expected[b], "bracket \(b)")
        }
    }

    @Test func hyperbandOverASHASharesNewTrialsByTheTable() {
        let study = testStudy(scheduler: SchedulerSpec(kind: .hyperband, over: .asha), trials: 286, R: 81)
        var d = TestDriver(study: study, workers: 9, curve: smoothCurve)
        d.run()
        #expect(d.engine.isComplete)
        // Two full cycles of the smooth weighted round-robin: exactly 2 × n_s per bracket.
        #expect((0...4).map { b in d.engine.trials.filter { $0.bracket == b }.count } == [162, 68, 30, 16, 10])
        // Bracket b's trials start at rung b.
        #expect(d.engine.trials.allSatisfy { t in t.results.first.map { $0.rung == t.bracket } ?? true })
    }

    @Test func shaBracketTrialsSetsTheFirstRung() {
        let study = testStudy(scheduler: SchedulerSpec(kind: .sha, bracketTrials: 12), trials: 20, R: 9)
        var d = TestDriver(study: study, workers: 5, curve: smoothCurve)
        d.run()
        #expect(d.engine.isComplete)
        // Bracket 1: 12, 4, 1. Bracket 2 is cut to the 8 trials left: 8, 2, 1.
        let first = d.engine.trials.prefix(12), second = d.engine.trials.suffix(8)
        #expect((0...2).map { k in first.filter { $0.value(atRung: k) != nil }.count } == [12, 4, 1])
        #expect((0...2).map { k in second.filter { $0.value(atRung: k) != nil }.count } == [8, 2, 1])
    }

    @Test func replayWithTicksAndStragglers() {
        let study = testStudy(scheduler: SchedulerSpec(kind: .hyperband, over: .sha, stragglerTimeout: 4, maxParallelBrackets: 2), trials: 60)
        var d = TestDriver(study: study, workers: 6, curve: smoothCurve)
        d.cost = { $0.rawValue % 7 == 3 ? 9 : 1 }
        d.losing = [TrialID(5): 1]
        d.run(tickEvery: 1)
        #expect(d.engine.isComplete)
        #expect(d.engine.trials.contains { $0.state == .stopped && $0.results.count < 1 })
        var fresh = SearchEngine(study: study)
        #expect(zip(d.log, d.replies).allSatisfy { fresh.handle($0.0.0, now: $0.0.1) == $0.1 })
        #expect(fresh == d.engine)
    }

    /// 9 trials, rungs 1, 3, 9, one worker: every decision is scripted.
    @Test func shaExactDecisionSequence() {
        let v0: [Double] = [5, 3, 8, 1, 9, 2, 7, 4, 6]
        let v1: [Int: Double] = [3: 0.9, 5: 0.5, 1: 0.7]
        let study = testStudy(scheduler: SchedulerSpec(kind: .sha), trials: 9, R: 9)
        var e = SearchEngine(study: study)
        var t = 0.0
        func step(_ ev: SearchEvent) -> [Decision] { t += 1; return e.handle(ev, now: t) }
        func report(_ i: Int, _ r: Double, _ v: Double) -> [Decision] {
            step(.reported(trial: TrialID(i), resource: r, value: v, metrics: [:]))
        }
        for i in 0..<9 {
            guard case .start(let a) = step(.slotFree).first else { Issue.record("expected start"); return }
            #expect(a.trial == TrialID(i) && a.fromResource == 0 && a.toResource == 1 && a.reportAt == [1])
            let r = report(i, 1, v0[i])
            if i < 8 { #expect(r == []) } else {
                #expect(r == [7, 0, 8, 6, 2, 4].map { .stop(TrialID($0)) })
            }
        }
        for i in [3, 5, 1] {
            guard case .resume(let a) = step(.slotFree).first else { Issue.record("expected resume"); return }
            #expect(a.trial == TrialID(i) && a.fromResource == 1 && a.toResource == 3 && a.reportAt == [3])
            let r = report(i, 3, v1[i]!)
            #expect(r == (i == 1 ? [.stop(TrialID(1)), .stop(TrialID(3))] : []))
        }
        guard case .resume(let a) = step(.slotFree).first else { Issue.record("expected resume"); return }
        #expect(a.trial == TrialID(5) && a.fromResource == 3 && a.toResource == 9)
        #expect(report(5, 9, 0.1) == [])
        #expect(step(.slotFree) == [.complete])
        #expect(e.best?.id == TrialID(5) && e.bestValue == 0.1)
        #expect(e.trials.map(\.state) == [.stopped, .stopped, .stopped, .stopped, .stopped, .completed, .stopped, .stopped, .stopped])
    }

    /// The same nine curves with a failure at rung 1: the rung is decided without it.
    @Test func shaFailedTrialIsCountedOutOfItsRung() {
        let v0: [Double] = [5, 3, 8, 1, 9, 2, 7, 4, 6]
        var d = TestDriver(study: testStudy(scheduler: SchedulerSpec(kind: .sha), trials: 9, R: 9), workers: 3) { t, _, r in
            r == 1 ? v0[t.rawValue] : (t.rawValue == 1 ? 0.1 : 0.5)
        }
        d.failing = []
        d.run(maxEvents: 9)   // rung 0 done, its three promotions handed out
        d.failing = [TrialID(1)]
        d.run()
        #expect(d.engine.isComplete)
        #expect(d.engine.trials[1].state == .failed)
        // Among 3 and 5 (both 0.5), 3 wins on id.
        #expect(d.engine.best?.id == TrialID(3))
        #expect(d.engine.trials[3].state == .completed && d.engine.trials[5].state == .stopped)
    }

    @Test func shaStragglerIsCutAfterTimeout() {
        let study = testStudy(scheduler: SchedulerSpec(kind: .sha, stragglerTimeout: 5), trials: 9, R: 9)
        var d = TestDriver(study: study, workers: 9, curve: smoothCurve)
        d.cost = { $0 == TrialID(4) ? 100 : 1 }
        d.run(tickEvery: 1)
        #expect(d.engine.isComplete)
        #expect(d.engine.trials[4].state == .stopped)
        #expect(d.engine.trials[4].results.isEmpty)
        // The stop came from a tick at 1 + 5 seconds (first result at t = 1).
        let stopAt = d.log.indices.first { d.replies[$0].contains(.stop(TrialID(4))) }.map { d.log[$0] }
        #expect(stopAt?.0 == .tick && stopAt?.1 == 6)
        #expect(d.engine.trials.filter { $0.value(atRung: 1) != nil }.count == 3)
    }

    /// ASHA (promotion variant): a promotion out of rung k is of a trial in the top ⌊n_k/η⌋ of
    /// the n_k results of its bracket's rung k at that moment.
    /// And a new trial starts only when no paused trial is in such a top (promotion comes first).
    @Test(arguments: [SchedulerSpec(kind: .asha), SchedulerSpec(kind: .hyperband, over: .asha)], [1, 2, 3])
    func ashaPromotesOnlyFromTheTopFraction(spec: SchedulerSpec, seed: UInt64) {
        let study = testStudy(scheduler: spec, trials: 300, R: 81, seed: seed)
        var rng = RandomSource(seed: seed)
        var noise: [Double] = (0..<2000).map { _ in rng.unit() }
        let costs = (0..<300).map { _ in 0.5 + rng.unit() }
        var d = TestDriver(study: study, workers: 13) { t, c, r in
            smoothCurve(t, c, r) + 0.2 * noise[(t.rawValue * 7 + Int(r)) % noise.count]
        }
        noise.shuffle(using: &rng)
        d.cost = { costs[$0.rawValue] }
        d.losing = [TrialID(17): 1, TrialID(40): 2]
        d.failing = [TrialID(23), TrialID(99)]
        var promotions = 0, violations = 0
        let eta = study.budget.reductionFactor
        var missed = 0
        d.observe = { _, reply, before, _ in
            // The other side: a new trial starts only when no paused trial is promotable.
            if reply.contains(where: { if case .start = $0 { return true }; return false }) {
                for k in 0..<(before.rungs.count - 1) {
                    for b in 0...k {
                        let peers = before.trials.filter { $0.bracket == b }
                            .compactMap { p in p.results.first { $0.rung == k }.map { (RankedEntry(loss: $0.loss, trial: p.id.rawValue), p) } }
                            .sorted { RankedEntry.better($0.0, $1.0) }
                        let top = peers.prefix(peers.count / eta)
                        if top.contains(where: { $0.1.state == .paused && $0.1.lastRung == k }) { missed += 1 }
                    }
                }
            }
            for case .resume(let a) in reply {
                let tr = before.trials[a.trial.rawValue]
                guard tr.state == .paused, let k = before.ladder.index(of: a.fromResource) else { continue }
                promotions += 1
                let peers = before.trials.filter { $0.bracket == tr.bracket }
                    .compactMap { p in p.results.first { $0.rung == k }.map { RankedEntry(loss: $0.loss, trial: p.id.rawValue) } }
                    .sorted(by: RankedEntry.better)
                let rank = peers.firstIndex { $0.trial == tr.id.rawValue }!
                if rank >= peers.count / eta { violations += 1 }
            }
        }
        d.run()
        #expect(d.engine.isComplete)
        #expect(promotions > 100)
        #expect(violations == 0)
        #expect(missed == 0)
        #expect(d.engine.trials.allSatisfy { $0.state.isFinal })
    }

    /// Stopping variant: a report at rung k < top stops the trial exactly when it is outside the
    /// top max(1, ⌊n/η⌋) of the rung's results then.
    @Test func ashaStoppingStopsOnlyOutsideTheTop() {
        let study = testStudy(scheduler: SchedulerSpec(kind: .ashaStopping), trials: 120, R: 27, seed: 9)
        var d = TestDriver(study: study, workers: 6, curve: smoothCurve)
        var stops = 0, wrong = 0
        d.observe = { ev, reply, _, after in
            guard case .reported(let t, let r, _, _) = ev, let k = after.ladder.index(of: r), k < after.rungs.count - 1 else { return }
            let stopped = reply.contains(.stop(t))
            if stopped { stops += 1 }
            let peers = after.trials.compactMap { p in p.results.first { $0.rung == k }.map { RankedEntry(loss: $0.loss, trial: p.id.rawValue) } }
                .sorted(by: RankedEntry.better)
            let rank = peers.firstIndex { $0.trial == t.rawValue }!
            // Stopped exactly when outside the top max(1, ⌊n/η⌋).
            if stopped == (rank < max(1, peers.count / 3)) { wrong += 1 }
        }
        d.run()
        #expect(d.engine.isComplete)
        #expect(stops > 50 && wrong == 0)
        #expect(d.engine.trials.allSatisfy { $0.state == .completed || $0.state == .stopped })
    }

    @Test(arguments: [SchedulerSpec.Kind.asha, .ashaStopping, .sha, .hyperband, .none])
    func lostAndFailedTrialsNeverBlock(kind: SchedulerSpec.Kind) {
        var study = testStudy(scheduler: SchedulerSpec(kind: kind), trials: 50)
        study.maxAttempts = 3
        var d = TestDriver(study: study, workers: 4, curve: smoothCurve)
        d.failing = Set([2, 5, 9, 30, 31].map { TrialID($0) })
        d.losing = [TrialID(0): 1, TrialID(4): 3, TrialID(12): 2, TrialID(13): 7]
        var resumedFrom: [TrialID: Double] = [:]
        var countsAgree = true
        d.observe = { ev, reply, before, after in
            for state in TrialState.allCases where after.count(state) != after.trials.filter({ $0.state == state }).count {
                countsAgree = false
            }
            for case .resume(let a) in reply where before.trials[a.trial.rawValue].state == .queued {
                resumedFrom[a.trial] = a.fromResource
                #expect(a.fromResource == before.trials[a.trial.rawValue].resourceDone)
            }
        }
        d.run()
        #expect(countsAgree)
        #expect(d.engine.isComplete)
        #expect(d.engine.trials.allSatisfy { $0.state.isFinal })
        #expect(d.engine.trials[4].state == .failed && d.engine.trials[13].state == .failed)
        #expect(d.engine.trials[4].losses == 3)
        #expect(resumedFrom[TrialID(0)] != nil && resumedFrom[TrialID(12)] != nil)
        for i in [2, 5, 9, 30, 31] { #expect(d.engine.trials[i].state == .failed) }
    }
}
