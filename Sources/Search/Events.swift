// The search engine's vocabulary: what happens to it (events) and what it answers (decisions).
// The engine is a pure state machine: `SearchEngine.handle(_:now:)` takes one event and returns the
// decisions that follow. No I/O, no clock, no global random source. Leaves out how events arrive
// (sockets, simulator) and how decisions are carried out (workers, virtual workers).

/// A trial's identity within one study: 0, 1, 2, … in the order the engine starts them.
public struct TrialID: RawRepresentable, Hashable, Comparable, Codable, Sendable, CustomStringConvertible {
    public let rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }
    public init(_ rawValue: Int) { self.rawValue = rawValue }
    public static func < (a: TrialID, b: TrialID) -> Bool { a.rawValue < b.rawValue }
    public var description: String { String(rawValue) }
    public init(from decoder: any Decoder) throws { rawValue = try decoder.singleValueContainer().decode(Int.self) }
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(rawValue)
    }
}

/// One hyperparameter's value in a configuration.
public enum ParameterValue: Hashable, Codable, Sendable, CustomStringConvertible {
    case double(Double)
    case int(Int)
    case string(String)
    case bool(Bool)

    public var description: String {
        switch self {
        case .double(let v): return String(v)
        case .int(let v): return String(v)
        case .string(let v): return v
        case .bool(let v): return String(v)
        }
    }

    /// The value as a number where it is one (bools as 0/1); nil for strings.
    public var numeric: Double? {
        switch self {
        case .double(let v): return v
        case .int(let v): return Double(v)
        case .bool(let v): return v ? 1 : 0
        case .string: return nil
        }
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let b = try? c.decode(Bool.self) { self = .bool(b) }
        else if let i = try? c.decode(Int.self) { self = .int(i) }
        else if let d = try? c.decode(Double.self) { self = .double(d) }
        else { self = .string(try c.decode(String.self)) }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .double(let v): try c.encode(v)
        case .int(let v): try c.encode(v)
        case .string(let v): try c.encode(v)
        case .bool(let v): try c.encode(v)
        }
    }
}

/// A sampled configuration: parameter name → value. Conditional parameters whose condition does
/// not hold are absent.
public typealias Configuration = [String: ParameterValue]

/// Something that happened, fed to `SearchEngine.handle(_:now:)`. `now` (seconds, virtual or wall)
/// comes beside each event so the engine never reads a clock.
public enum SearchEvent: Hashable, Codable, Sendable {
    /// A worker slot is free and asks for work.
    case slotFree
    /// Trial `trial` reached resource `resource` (a rung milestone named in its `Assignment`) with
    /// objective value `value`, as measured (the engine applies the study's direction). `metrics`
    /// carries the other recorded values (for constraints, a second objective). A report at the
    /// assignment's `toResource` also means the trial has paused there (checkpoint written) or,
    /// at the maximum resource, completed; its slot is then free and the driver sends `.slotFree`.
    case reported(trial: TrialID, resource: Double, value: Double, metrics: MetricValues)
    /// The trial's run crashed or raised: it will not be retried.
    case failed(trial: TrialID, reason: String)
    /// The trial's worker vanished (lease expired, SIGTERM): the trial should be run again from its
    /// last completed rung, on any worker.
    case lost(trial: TrialID)
    /// The trial's attempt ended for a reason that is not the trial's (its worker died, left, or
    /// was quarantined for a machine fault): run it again from its last completed rung, on any
    /// worker, without counting the attempt against `max_attempts`.
    case requeued(trial: TrialID)
    /// Time passed (lets synchronous SHA act on stragglers).
    case tick
    /// An operator asked to evaluate this configuration next (Optuna's `enqueue_trial`): the next
    /// new trial gets it instead of a sampled one. It counts toward the study's trial budget. The
    /// driver checks it first (`SearchEngine.enqueueProblem`); the engine ignores one it cannot run.
    case enqueued(config: Configuration)
    /// An operator asked to stop this trial (running, queued or paused): it becomes `stopped` and
    /// is never run again. A `.stop` decision follows if it was not final yet.
    case stopRequested(trial: TrialID)
    /// Results of an earlier study seed the sampler (warm start); they are not trials of this
    /// study. TPE models them with its own results; the random and grid samplers ignore them.
    case seeded(results: [PriorResult])
}

/// One result of an earlier study, for a warm start: a configuration and its objective value (as
/// measured) at a resource. The engine files it under the highest of its rungs ≤ `resource`.
public struct PriorResult: Hashable, Codable, Sendable {
    public var config: Configuration
    public var resource: Double
    public var value: Double
    /// Whether it met every constraint of the earlier study's objective.
    public var feasible: Bool
    public init(config: Configuration, resource: Double, value: Double, feasible: Bool = true) {
        self.config = config; self.resource = resource; self.value = value; self.feasible = feasible
    }
}

/// What to do for one trial.
public struct Assignment: Hashable, Codable, Sendable {
    public var trial: TrialID
    public var config: Configuration
    /// Resource already done (0 for a new trial; the checkpoint's resource for a resume).
    public var fromResource: Double
    /// Run until this resource, then pause (checkpoint) and free the slot.
    public var toResource: Double
    /// Resources in (fromResource, toResource] at which to send `.reported` — the rung milestones.
    public var reportAt: [Double]
    /// Hyperband bracket (0 for single-bracket schedulers).
    public var bracket: Int

    public init(trial: TrialID, config: Configuration, fromResource: Double, toResource: Double,
                reportAt: [Double], bracket: Int = 0) {
        self.trial = trial; self.config = config; self.fromResource = fromResource
        self.toResource = toResource; self.reportAt = reportAt; self.bracket = bracket
    }
}

/// The engine's answer.
public enum Decision: Hashable, Codable, Sendable {
    /// Start a new trial (fromResource == 0) on the free slot.
    case start(Assignment)
    /// Resume a paused (promoted) or lost trial from its checkpoint on the free slot.
    case resume(Assignment)
    /// Stop this trial: it is running and lost its rung (stopping variant), or it is paused and will
    /// never be promoted. Its slot, if any, becomes free.
    case stop(TrialID)
    /// Nothing to start now; ask again on the next event.
    case wait
    /// The study is finished: nothing is running and nothing more will be started.
    case complete
}
