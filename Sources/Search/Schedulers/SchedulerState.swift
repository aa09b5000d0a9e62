// The engine's scheduler: one value that is ASHA, SHA or none, behind the few questions the
// engine asks (which bracket for a new trial, which trial to promote, what a result or a departure
// stops). Every question is an exhaustive switch, so the engine holds no optional scheduler.
// Leaves out trials, budgets and the sampler: the engine owns them.

/// The scheduler part of the engine's state. Trial indices are the engine's `TrialID` raw values.
///
/// Each mutating question takes the payload out and sets `self = .none` before changing it, so the
/// payload's arrays are uniquely referenced and change in place (no copy per event).
enum SchedulerState: Sendable, Equatable {
    /// No early stopping: every trial runs to the maximum resource.
    case none
    /// Asynchronous successive halving, promotion or stopping variant (ASHAScheduler.swift).
    case asha(ASHAScheduler)
    /// Synchronous successive halving (SHAScheduler.swift).
    case sha(SHAScheduler)

    /// The scheduler `study` asks for.
    init(study: Study, ladder: RungLadder) {
        let kind = study.scheduler.bracketKind
        let hyperband = study.scheduler.kind == .hyperband
        switch kind {
        case .asha, .ashaStopping:
            self = .asha(ASHAScheduler(ladder: ladder, stopping: kind == .ashaStopping, hyperband: hyperband,
                                       minRate: study.scheduler.minEarlyStoppingRate))
        case .sha:
            self = .sha(SHAScheduler(ladder: ladder, hyperband: hyperband, spec: study.scheduler))
        case .none, .hyperband:
            self = .none
        }
    }

    /// Whether rungs are decided synchronously (SHA): a new trial may have to wait for its bracket.
    var isSynchronous: Bool {
        if case .sha = self { return true }
        return false
    }

    /// Admits new trial `trial` when its bracket can take it and returns that bracket; nil when
    /// none can take it now (SHA only). `available` is how many new trials the budget allows.
    mutating func admitNewTrial(_ trial: Int, available: Int) -> Int? {
        switch self {
        case .none:
            return 0
        case .asha(var s):
            self = .none
            let bracket = s.bracketForNewTrial()
            self = .asha(s)
            return bracket
        case .sha(var s):
            self = .none
            defer { self = .sha(s) }
            guard let (serial, bracket) = s.bracketForNewTrial(available: available) else { return nil }
            s.started(trial: trial, serial: serial)
            return bracket
        }
    }

    /// The trial to promote now and the rung it leaves; marks it promoted.
    mutating func nextPromotion() -> (trial: Int, fromRung: Int)? {
        switch self {
        case .none:
            return nil
        case .asha(var s):
            self = .none
            defer { self = .asha(s) }
            return s.nextPromotion()
        case .sha(var s):
            self = .none
            defer { self = .sha(s) }
            return s.nextPromotion()
        }
    }

    /// Records `trial`'s loss at rung k of its bracket at time `now`; returns the trials to stop
    /// (ASHA's stopping variant: the trial itself, below the top rung; SHA: the losers of a rung
    /// this result decided).
    mutating func record(trial: Int, bracket: Int, rung k: Int, loss: Double, now: Double) -> [Int] {
        switch self {
        case .none:
            return []
        case .asha(var s):
            self = .none
            let keep = s.record(trial: trial, bracket: bracket, rung: k, loss: loss)
            self = .asha(s)
            return !keep && k < s.ladder.rungs.count - 1 ? [trial] : []
        case .sha(var s):
            self = .none
            defer { self = .sha(s) }
            return s.record(trial: trial, loss: loss, now: now)
        }
    }

    /// `trial` will not be promoted any more (the engine stopped it, or it failed): ASHA takes it
    /// out of every rung of its bracket. SHA learns it through `left(trial:)` or its own decisions.
    mutating func dropped(trial: Int, bracket: Int) {
        guard case .asha(var s) = self else { return }
        self = .none
        s.remove(trial: trial, bracket: bracket)
        self = .asha(s)
    }

    /// `trial` left its rung without a result (failed, or stopped on request), after `dropped`;
    /// returns the trials to stop (SHA: the losers of a rung this decided).
    mutating func left(trial: Int) -> [Int] {
        guard case .sha(var s) = self else { return [] }
        self = .none
        defer { self = .sha(s) }
        return s.remove(trial: trial)
    }

    /// No more new trials will come; returns the trials to stop (SHA: rungs that stop waiting).
    mutating func closeIntake() -> [Int] {
        guard case .sha(var s) = self else { return [] }
        self = .none
        defer { self = .sha(s) }
        return s.closeIntake()
    }

    /// Straggler check at time `now` (SHA only); `isStraggling` gives a running or queued trial's
    /// assignment time. Returns the trials to stop.
    mutating func tick(now: Double, isStraggling: (Int) -> Double?) -> [Int] {
        guard case .sha(var s) = self else { return [] }
        self = .none
        defer { self = .sha(s) }
        return s.tick(now: now, isStraggling: isStraggling)
    }
}
