// The engine as its drivers see it: one event in, decisions out. The coordinator (Runtime's
// CoordinatorCore) and the simulator (Simulator's Simulation) drive any conforming type, so their
// tests can put a scripted engine in the engine's place. Leaves out who sends the events and when.

/// Anything that takes search events and answers decisions: `SearchEngine`, or a scripted stand-in.
public protocol SearchDriving {
    /// Handles one event at time `now` (seconds, wall-clock or virtual) and returns the decisions
    /// that follow.
    mutating func handle(_ event: SearchEvent, now: Double) -> [Decision]
    /// Why the engine gave up on `trial` by itself (lost too many times), or nil.
    func failure(of trial: TrialID) -> String?
}

extension SearchDriving {
    /// Engines that never give up on a trial by themselves.
    public func failure(of trial: TrialID) -> String? { nil }
}

extension SearchEngine: SearchDriving {
    /// The engine's reason when it gave up on a trial (lost `max_attempts` times).
    public func failure(of trial: TrialID) -> String? {
        guard let t = self.trial(trial), t.state == .failed else { return nil }
        return t.failureReason ?? "lost \(t.losses) times"
    }
}
