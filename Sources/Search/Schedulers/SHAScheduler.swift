// Synchronous successive halving (Jamieson & Talwalkar 2016, "Non-stochastic Best Arm
// Identification and Hyperparameter Optimization", AISTATS), optionally as the brackets of
// Hyperband (Li et al. 2018). A rung is decided only when every member reported, failed, or was
// cut as a straggler. Sees only losses; the engine owns trials and budgets.

/// One open successive-halving bracket.
struct SHABracket: Sendable, Equatable {
    /// A serial number among all brackets ever opened.
    let serial: Int
    /// Hyperband bracket index b: it starts at rung b.
    let bracket: Int
    /// Trials kept at each of its rungs (bracket-local level i = rung b + i).
    var plan: [Int]
    /// The level being run.
    var level = 0
    /// Trials started at level 0.
    var started = 0
    /// Members of the current rung without a result yet (running, queued, or awaiting promotion).
    var waiting: Set<Int> = []
    /// Results of the current rung.
    var results: [RankedEntry] = []
    /// Winners of the previous rung not yet handed to a worker, best last (popped from the end).
    var promoteQueue: [Int] = []
    /// Time of the current rung's first result (starts the straggler clock).
    var firstResultAt: Double?

    var rung: Int { bracket + level }
}

/// Synchronous SHA over one bracket at a time (or `maxParallel`), Hyperband order if asked.
///
/// Bracket sizes: Hyperband's closed form (`RungLadder.bracketPlan`); plain SHA uses bracket 0's
/// plan, or n_i = max(1, ⌊n/η^i⌋) when `bracketTrials` = n is given. A bracket cut short by the
/// trial budget keeps n_i = max(1, ⌊n'/η^i⌋) of its n' trials.
struct SHAScheduler: Sendable, Equatable {
    let ladder: RungLadder
    let hyperband: Bool
    let bracketTrials: Int?
    let maxParallel: Int
    let stragglerTimeout: Double?
    private(set) var open: [SHABracket] = []
    private var opened = 0
    private var intakeClosed = false
    /// Trial → serial of its bracket.
    private var home: [Int: Int] = [:]

    init(ladder: RungLadder, hyperband: Bool, spec: SchedulerSpec) {
        self.ladder = ladder; self.hyperband = hyperband
        bracketTrials = spec.bracketTrials
        maxParallel = max(1, spec.maxParallelBrackets)
        stragglerTimeout = spec.stragglerTimeout
    }

    /// The plan of bracket b, cut to `available` trials.
    func plan(bracket b: Int, available: Int) -> [Int] {
        let eta = ladder.reductionFactor
        var full = ladder.bracketPlan(bracket: b)
        if !hyperband, let n = bracketTrials {
            var p: [Int] = [], d = 1
            for _ in full.indices { p.append(max(1, n / d)); d *= eta }
            full = p
        }
        guard available < full[0] else { return full }
        var p: [Int] = [], d = 1
        for _ in full.indices { p.append(max(1, available / d)); d *= eta }
        return p
    }

    /// The bracket (serial, b) a new trial joins, opening one if allowed; nil: none can take it now.
    mutating func bracketForNewTrial(available: Int) -> (serial: Int, bracket: Int)? {
        if let i = open.firstIndex(where: { $0.level == 0 && $0.started < $0.plan[0] }) {
            return (open[i].serial, open[i].bracket)
        }
        guard !intakeClosed, available > 0, open.count < maxParallel else { return nil }
        let b = hyperband ? opened % ladder.bracketCount : 0
        open.append(SHABracket(serial: opened, bracket: b, plan: plan(bracket: b, available: available)))
        opened += 1
        return (open[open.count - 1].serial, b)
    }

    /// A new trial joined bracket `serial`.
    mutating func started(trial: Int, serial: Int) {
        guard let i = open.firstIndex(where: { $0.serial == serial }) else { return }
        open[i].started += 1
        open[i].waiting.insert(trial)
        home[trial] = serial
    }

    /// The next promoted trial to resume, oldest bracket first, and the rung it leaves.
    mutating func nextPromotion() -> (trial: Int, fromRung: Int)? {
        for i in open.indices where !open[i].promoteQueue.isEmpty {
            let t = open[i].promoteQueue.removeLast()
            return (t, open[i].rung - 1)
        }
        return nil
    }

    /// Records a trial's result at its bracket's current rung; returns the trials to stop.
    mutating func record(trial: Int, loss: Double, now: Double) -> [Int] {
        guard let i = index(of: trial), open[i].waiting.remove(trial) != nil else { return [] }
        open[i].results.append(RankedEntry(loss: loss, trial: trial))
        if open[i].firstResultAt == nil { open[i].firstResultAt = now }
        return decide(i)
    }

    /// A trial left its rung without a result (failed, or stopped by the engine).
    mutating func remove(trial: Int) -> [Int] {
        guard let i = index(of: trial) else { return [] }
        open[i].waiting.remove(trial)
        open[i].promoteQueue.removeAll { $0 == trial }
        return decide(i)
    }

    /// No more new trials will come: level-0 rungs stop waiting for the ones never started.
    mutating func closeIntake() -> [Int] {
        guard !intakeClosed else { return [] }
        intakeClosed = true
        var stops: [Int] = []
        var i = 0
        while i < open.count {
            if open[i].level == 0 && open[i].started < open[i].plan[0] {
                open[i].plan[0] = open[i].started
                if open[i].started == 0 { open.remove(at: i); continue }
                let before = open.count
                stops += decide(i)
                if open.count < before { continue }
            }
            i += 1
        }
        return stops
    }

    /// Stragglers: once a rung has a result, a member still running (or queued after a loss)
    /// `stragglerTimeout` seconds after the later of its assignment and that first result is cut
    /// out of the rung. Returns the stragglers followed by the losers of rungs this decided.
    mutating func tick(now: Double, isStraggling: (Int) -> Double?) -> [Int] {
        guard let timeout = stragglerTimeout else { return [] }
        var stops: [Int] = []
        var i = 0
        while i < open.count {
            let b = open[i]
            if let first = b.firstResultAt, b.level > 0 || b.started == b.plan[0] {
                var cut: [Int] = []
                for t in b.waiting {
                    if let assigned = isStraggling(t), now - max(assigned, first) >= timeout { cut.append(t) }
                }
                if !cut.isEmpty {
                    cut.sort()
                    for t in cut { open[i].waiting.remove(t) }
                    stops += cut
                    let before = open.count
                    stops += decide(i)
                    if open.count < before { continue }
                }
            }
            i += 1
        }
        return stops
    }

    private func index(of trial: Int) -> Int? {
        guard let s = home[trial] else { return nil }
        return open.firstIndex { $0.serial == s }
    }

    /// If bracket i's rung is complete, promote its top n_{i+1} and return the rest to stop.
    private mutating func decide(_ i: Int) -> [Int] {
        let b = open[i]
        guard b.waiting.isEmpty, b.level > 0 || b.started == b.plan[0] else { return [] }
        let ranked = b.results.sorted(by: RankedEntry.better).map(\.trial)
        let isTop = b.level == b.plan.count - 1
        let keep = isTop ? 0 : min(b.plan[b.level + 1], ranked.count)
        let winners = Array(ranked.prefix(keep))
        let losers = isTop ? [] : Array(ranked.dropFirst(keep))
        if keep == 0 {
            for t in b.results.map(\.trial) { home[t] = nil }
            open.remove(at: i)
            return losers
        }
        for t in losers { home[t] = nil }
        open[i].level += 1
        open[i].results = []
        open[i].firstResultAt = nil
        open[i].promoteQueue = winners.reversed()
        open[i].waiting = Set(winners)
        return losers
    }
}
