// What the engine knows about one trial, exposed read-only to observers (simulator, coordinator,
// `rung best`). Leaves out logs, checkpoints and workers: those belong to the runtime.

/// A trial's lifecycle state as the engine sees it.
public enum TrialState: String, Sendable, Codable, Equatable, CaseIterable {
    /// Waiting for a free slot to be run again (it was lost).
    case queued
    /// Assigned to a worker.
    case running
    /// Stopped at a rung with a checkpoint; may be promoted.
    case paused
    /// Reached the maximum resource.
    case completed
    /// Stopped by the scheduler (lost its rung, straggled, or the study ended before its promotion).
    case stopped
    /// Crashed, or was lost too many times.
    case failed

    /// Whether the trial will never run again.
    public var isFinal: Bool { self == .completed || self == .stopped || self == .failed }
}

/// One recorded result of a trial at a rung.
public struct RungResult: Sendable, Codable, Equatable {
    /// The rung index into `SearchEngine.rungs`.
    public var rung: Int
    /// The resource at which it was measured (== rungs[rung]).
    public var resource: Double
    /// The objective value as reported.
    public var value: Double
    /// The other reported metrics, in the order reported.
    public var metrics: MetricValues
    /// Whether the study's constraints hold for this result.
    public var feasible: Bool
    /// The value turned into a ranking loss: smaller is better; infeasible and NaN results are +∞.
    public var loss: Double
}

/// A trial as the engine knows it.
public struct TrialRecord: Sendable, Codable, Equatable {
    /// Its id.
    public var id: TrialID
    /// Its configuration.
    public var config: Configuration
    /// Its Hyperband bracket (0 for single-bracket schedulers); it starts at rung `bracket`.
    public var bracket: Int
    /// Its state.
    public var state: TrialState
    /// Results in rung order.
    public var results: [RungResult]
    /// The resource its current (or last) assignment runs to.
    public var target: Double
    /// How many times it was lost.
    public var losses: Int
    /// When it was first started (the `now` of that event).
    public var startedAt: Double
    /// When its current assignment was handed out.
    public var assignedAt: Double
    /// When its state last changed.
    public var updatedAt: Double
    /// Why it failed, if it did.
    public var failureReason: String?

    /// The last rung with a result, if any.
    public var lastRung: Int? { results.last?.rung }
    /// The resource of its last result (its checkpoint), 0 before any.
    public var resourceDone: Double { results.last?.resource ?? 0 }
    /// The value reported at rung `k`, if any.
    public func value(atRung k: Int) -> Double? { results.first { $0.rung == k }?.value }
    /// Its last result.
    public var lastResult: RungResult? { results.last }
}
