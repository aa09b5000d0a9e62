// ASHA, asynchronous successive halving (Li et al. 2020, "A System for Massively Parallel
// Hyperparameter Tuning", MLSys), in both variants, optionally as Hyperband brackets (Li et al.
// 2018) run side by side. Sees only loss values per rung; the engine owns trials and budgets.

/// ASHA over one or more brackets. Bracket b starts trials at rung b.
///
/// Promotion variant (Algorithm 2 of the paper): when a worker is free, promote the best trial of
/// the highest rung k that is in the top ⌊n_k/η⌋ of rung k and was not promoted yet; else start a
/// new trial at the bracket's base rung. Stopping variant: a trial runs to R and is stopped when
/// a result puts it outside the top max(1, ⌊n_k/η⌋) of its rung (so the first results continue).
struct ASHAScheduler: Sendable, Equatable {
    let ladder: RungLadder
    let stopping: Bool
    /// rankings[b][k − b]: rung k (< top) of bracket b.
    private(set) var rankings: [[RungRanking]]
    /// Hyperband's n per bracket: the share of new trials each bracket gets.
    let weights: [Int]
    /// Smooth weighted round-robin state (deterministic bracket choice in proportion to weights).
    private var credit: [Int]

    /// `minRate` is s, the minimum early-stopping rate: new trials start in brackets ≥ s (for plain
    /// ASHA, bracket s only), so no trial is judged below rung s.
    init(ladder: RungLadder, stopping: Bool, hyperband: Bool, minRate: Int = 0) {
        self.ladder = ladder
        self.stopping = stopping
        let s = min(max(0, minRate), ladder.sMax)
        let count = hyperband ? ladder.bracketCount : s + 1
        rankings = (0..<count).map { b in
            (b..<ladder.sMax).map { _ in RungRanking(reductionFactor: ladder.reductionFactor, minTop: stopping ? 1 : 0) }
        }
        weights = (0..<count).map { b in
            b < s ? 0 : hyperband ? ladder.bracketPlan(bracket: b)[0] : 1
        }
        credit = Array(repeating: 0, count: count)
    }

    /// The bracket of the next new trial: each bracket's share follows Hyperband's n_s.
    mutating func bracketForNewTrial() -> Int {
        if weights.count == 1 { return 0 }
        if let only = weights.indices.first(where: { weights[$0] > 0 }), weights.filter({ $0 > 0 }).count == 1 { return only }
        let total = weights.reduce(0, +)
        var pick = 0
        for b in credit.indices {
            credit[b] += weights[b]
            if credit[b] > credit[pick] { pick = b }
        }
        credit[pick] -= total
        return pick
    }

    /// The trial to promote now and the rung it leaves, highest rung first (promotion variant);
    /// marks it promoted.
    mutating func nextPromotion() -> (trial: Int, fromRung: Int)? {
        if stopping { return nil }
        for k in stride(from: ladder.sMax - 1, through: 0, by: -1) {
            for b in rankings.indices where b <= k {
                if let t = rankings[b][k - b].bestCandidate() {
                    rankings[b][k - b].markUnavailable(t)
                    return (t, k)
                }
            }
        }
        return nil
    }

    /// Records trial's loss at rung k of bracket b; returns false when the stopping variant stops it.
    mutating func record(trial: Int, bracket b: Int, rung k: Int, loss: Double) -> Bool {
        guard k < ladder.sMax, k >= b else { return true }
        let inTop = rankings[b][k - b].insert(RankedEntry(loss: loss, trial: trial))
        return stopping ? inTop : true
    }

    /// A trial that can no longer be promoted anywhere (failed or stopped).
    mutating func remove(trial: Int, bracket b: Int) {
        for i in rankings[b].indices { rankings[b][i].markUnavailable(trial) }
    }

    /// Results recorded at rung k of bracket b.
    func count(bracket b: Int, rung k: Int) -> Int { k < ladder.sMax && k >= b ? rankings[b][k - b].count : 0 }
}
