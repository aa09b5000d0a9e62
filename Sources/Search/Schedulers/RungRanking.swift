// One rung's results kept so that "is some not-yet-promoted trial in the top ⌊n/η⌋?" costs
// O(log n): a max-heap of the top q entries, a min-heap of the rest, and a lazily cleaned heap of
// promotable entries in the top. Ties break by trial id so the order is total and deterministic.
// Leaves out what promotion means; the ASHA scheduler decides.

/// A rung entry: loss (smaller is better) and trial id.
struct RankedEntry: Sendable, Equatable, Codable {
    var loss: Double
    var trial: Int
    /// Strictly better (smaller loss, then smaller id).
    @inline(__always) static func better(_ a: RankedEntry, _ b: RankedEntry) -> Bool {
        a.loss < b.loss || (a.loss == b.loss && a.trial < b.trial)
    }
}

/// A binary heap ordered so that `top` is the entry for which `before(top, x)` holds for all x.
struct EntryHeap: Sendable, Equatable, Codable {
    /// true: the best entry on top; false: the worst on top.
    let bestOnTop: Bool
    private(set) var items: [RankedEntry] = []

    init(bestOnTop: Bool) { self.bestOnTop = bestOnTop }

    var count: Int { items.count }
    var top: RankedEntry? { items.first }

    @inline(__always) private func before(_ a: RankedEntry, _ b: RankedEntry) -> Bool {
        bestOnTop ? RankedEntry.better(a, b) : RankedEntry.better(b, a)
    }

    mutating func push(_ e: RankedEntry) {
        items.append(e)
        var i = items.count - 1
        while i > 0 {
            let p = (i - 1) / 2
            guard before(items[i], items[p]) else { break }
            items.swapAt(i, p)
            i = p
        }
    }

    @discardableResult
    mutating func pop() -> RankedEntry? {
        guard !items.isEmpty else { return nil }
        let out = items[0]
        let last = items.removeLast()
        if !items.isEmpty {
            items[0] = last
            var i = 0
            while true {
                let l = 2 * i + 1, r = l + 1
                var m = i
                if l < items.count && before(items[l], items[m]) { m = l }
                if r < items.count && before(items[r], items[m]) { m = r }
                if m == i { break }
                items.swapAt(i, m)
                i = m
            }
        }
        return out
    }
}

/// A rung's results with the top-q set maintained under insertion, q = max(minTop, ⌊n/η⌋).
struct RungRanking: Sendable, Equatable, Codable {
    let reductionFactor: Int
    /// 0 for ASHA's promotion rule (⌊n/η⌋); 1 for the stopping rule (the first result continues).
    let minTop: Int
    private var topSet = EntryHeap(bestOnTop: false)   // worst of the top on top
    private var rest = EntryHeap(bestOnTop: true)      // best of the rest on top
    private var candidates = EntryHeap(bestOnTop: true) // promotable entries (lazily cleaned)
    /// Trials currently in the top set.
    private(set) var inTop: Set<Int> = []
    /// Trials no longer promotable out of this rung (promoted, failed, stopped).
    private(set) var unavailable: Set<Int> = []
    /// Best entry ever recorded.
    private(set) var best: RankedEntry?

    init(reductionFactor: Int, minTop: Int) { self.reductionFactor = reductionFactor; self.minTop = minTop }

    /// Results recorded at this rung.
    var count: Int { topSet.count + rest.count }

    /// The size of the top set for n results.
    func topSize(_ n: Int) -> Int { min(n, max(minTop, n / reductionFactor)) }

    /// Records a result; returns whether the entry is in the top set afterwards.
    @discardableResult
    mutating func insert(_ e: RankedEntry) -> Bool {
        if best == nil || RankedEntry.better(e, best!) { best = e }
        if let worstTop = topSet.top, RankedEntry.better(e, worstTop) {
            topSet.push(e); inTop.insert(e.trial)
            if !unavailable.contains(e.trial) { candidates.push(e) }
        } else {
            rest.push(e)
        }
        let q = topSize(count)
        while topSet.count > q, let w = topSet.pop() {
            inTop.remove(w.trial); rest.push(w)
        }
        while topSet.count < q, let b = rest.pop() {
            topSet.push(b); inTop.insert(b.trial)
            if !unavailable.contains(b.trial) { candidates.push(b) }
        }
        return inTop.contains(e.trial)
    }

    /// The best promotable trial in the top set, if any (amortised O(log n)).
    mutating func bestCandidate() -> Int? {
        while let c = candidates.top {
            if inTop.contains(c.trial) && !unavailable.contains(c.trial) { return c.trial }
            candidates.pop()
        }
        return nil
    }

    /// Marks a trial as not promotable out of this rung any more (promoted, failed or stopped).
    mutating func markUnavailable(_ trial: Int) { unavailable.insert(trial) }
}
