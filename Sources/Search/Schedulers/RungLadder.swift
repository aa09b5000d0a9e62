// The resource milestones (rungs) and Hyperband's closed-form brackets, in the notation of
// Li et al. 2018 ("Hyperband", JMLR 18): r = minResource, R = maxResource, η = reductionFactor,
// s_max = ⌊log_η(R/r)⌋. Leaves out who runs what: the schedulers use these numbers.

/// Rungs r·η⁰, r·η¹, …, r·η^(s_max−1), R and the Hyperband brackets over them.
///
/// Deviation from the papers, when R/r is not a power of η: the top rung is R itself rather than
/// r·η^s_max, so that every scheduler ends trials at the maximum resource.
public struct RungLadder: Sendable, Equatable, Codable {
    /// η.
    public let reductionFactor: Int
    /// The milestones, increasing; the last is R.
    public let rungs: [Double]

    /// s_max = ⌊log_η(R/r)⌋ (computed in integers-with-tolerance so that 81/1 with η=3 gives 4).
    public var sMax: Int { rungs.count - 1 }

    /// Builds the ladder for a budget.
    public init(_ budget: Budget) {
        let eta = budget.reductionFactor
        precondition(eta >= 2 && budget.minResource > 0 && budget.maxResource >= budget.minResource,
                     "RungLadder needs η ≥ 2 and 0 < r ≤ R; got η=\(eta) r=\(budget.minResource) R=\(budget.maxResource)")
        var rs: [Double] = []
        var x = budget.minResource
        // A relative tolerance keeps 27·3 = 81 from being judged above 81 by rounding.
        while x * Double(eta) <= budget.maxResource * (1 + 1e-9) {
            rs.append(x)
            x *= Double(eta)
        }
        rs.append(budget.maxResource)
        reductionFactor = eta
        rungs = rs
    }

    /// The rung index whose milestone equals `resource` (relative tolerance 1e-9), else nil.
    public func index(of resource: Double) -> Int? {
        // Binary search: rungs are sorted.
        var lo = 0, hi = rungs.count - 1
        while lo <= hi {
            let mid = (lo + hi) / 2
            let m = rungs[mid]
            if abs(m - resource) <= 1e-9 * max(1, abs(m)) { return mid }
            if m < resource { lo = mid + 1 } else { hi = mid - 1 }
        }
        return nil
    }

    /// Hyperband's bracket `s` (s = s_max … 0; bracket index b = s_max − s, so b = 0 is the
    /// widest and a single-bracket scheduler uses b = 0): n = ⌈(s_max+1)/(s+1) · η^s⌉ trials
    /// start at rung b; rung b+i keeps n_i = ⌊n·η^−i⌋ of them (Li et al. 2018, Algorithm 1).
    public func bracketPlan(bracket b: Int) -> [Int] {
        let s = sMax - b
        precondition(s >= 0, "bracket \(b) does not exist: s_max is \(sMax)")
        let etaS = power(reductionFactor, s)
        let n = ((sMax + 1) * etaS + s) / (s + 1)   // ceiling division
        return (0...s).map { n / power(reductionFactor, $0) }
    }

    /// The number of brackets, s_max + 1.
    public var bracketCount: Int { sMax + 1 }

    private func power(_ base: Int, _ e: Int) -> Int { (0..<e).reduce(1) { a, _ in a * base } }
}
