// The values the study store takes in and hands out: trials, attempts, reports, log lines,
// decisions, workers. All are Sendable and Codable, so a live client can ship them over the wire
// unchanged. Leaves out how they are stored (see Schema.swift) and how they are printed (the CLI).
import Search

/// Where a trial is in its lifecycle (DESIGN.md, "Trial lifecycle"), as the store records it. Finer
/// than the engine's `Search.TrialState`: it also knows `leased` and `promoted`.
public enum TrialStatus: String, Codable, Sendable, CaseIterable {
    /// Waiting for a slot (new, promoted and waiting, or lost and queued again).
    case queued
    /// Handed to a worker; no report yet in this attempt.
    case leased
    /// The worker has reported at least once in this attempt.
    case running
    /// Stopped at a rung with a checkpoint, waiting for a promotion decision.
    case paused
    /// Chosen to go on to the next rung; waits for a slot.
    case promoted
    /// Reached the maximum resource.
    case completed
    /// Lost its rung: will never run again.
    case stopped
    /// Crashed or raised; `error` holds the reason.
    case failed

    /// True for states a trial never leaves.
    public var isFinal: Bool { self == .completed || self == .stopped || self == .failed }
}

/// Whether the objective is to be minimised or maximised: the Search module's own type, so
/// `Store.Direction` and `Search.Direction` are one and the same.
public typealias Direction = Search.Direction

/// Whether the study is still going.
public enum StudyState: String, Codable, Sendable {
    case running, completed, stopped
    /// An operator paused new assignments (`rung pause`); running attempts go on.
    case paused
    /// An operator asked the study to end once its running attempts finish (`rung stop-study --drain`).
    case draining
}

/// The study row: what the directory holds.
public struct StudyInfo: Codable, Sendable, Equatable {
    /// The study's name (also the directory's usual name).
    public var name: String
    /// The study file, verbatim.
    public var yaml: String
    /// Name of the objective metric, e.g. `val_f1`.
    public var objective: String
    /// Whether lower or higher objective values are better.
    public var direction: Direction
    /// Creation time, seconds since 1970.
    public var created: Double
    /// Whether the study is still going.
    public var state: StudyState

    /// Makes a study row.
    public init(name: String, yaml: String, objective: String, direction: Direction, created: Double,
                state: StudyState = .running) {
        self.name = name; self.yaml = yaml; self.objective = objective; self.direction = direction
        self.created = created; self.state = state
    }
}

/// Former name of `TrialStatus`.
@available(*, deprecated, renamed: "TrialStatus")
public typealias TrialState = TrialStatus

/// Former name of `StoredTrial`.
@available(*, deprecated, renamed: "StoredTrial")
public typealias TrialRecord = StoredTrial

/// One trial as the store knows it (the engine's own view is `Search.TrialRecord`).
public struct StoredTrial: Codable, Sendable, Equatable {
    /// The trial.
    public var id: TrialID
    /// The sampled configuration.
    public var config: Configuration
    /// Where the trial is in its lifecycle.
    public var state: TrialStatus
    /// Hyperband bracket (0 for single-bracket schedulers).
    public var bracket: Int
    /// Index of the highest rung with a recorded result; nil before the first.
    public var rung: Int?
    /// Resource at that rung (0 before the first).
    public var resource: Double
    /// Objective value at that rung, as measured.
    public var value: Double?
    /// Current attempt number: 0 before the first lease, then 1, 2, …
    public var attempt: Int
    /// Worker of the current or last attempt.
    public var worker: String?
    /// Seconds since 1970.
    public var created: Double
    /// Seconds since 1970 of the last change.
    public var updated: Double
    /// Failure reason for `.failed` trials.
    public var error: String?
    /// The metrics reported with the result at `rung` (cost metrics such as `latency_ms` among
    /// them); nil before the first rung result, and from a coordinator that predates the field.
    public var metrics: MetricValues?
    /// Whether that result satisfies every constraint of the study's objective; nil before the
    /// first rung result (and from a coordinator that predates the field).
    public var feasible: Bool?

    /// Makes a trial record.
    public init(id: TrialID, config: Configuration, state: TrialStatus, bracket: Int, rung: Int?,
                resource: Double, value: Double?, attempt: Int, worker: String?, created: Double,
                updated: Double, error: String?, metrics: MetricValues? = nil, feasible: Bool? = nil) {
        self.id = id; self.config = config; self.state = state; self.bracket = bracket; self.rung = rung
        self.resource = resource; self.value = value; self.attempt = attempt; self.worker = worker
        self.created = created; self.updated = updated; self.error = error
        self.metrics = metrics; self.feasible = feasible
    }
}

/// How an attempt ended.
public enum AttemptOutcome: String, Codable, Sendable {
    /// Reached its `toResource` and wrote a checkpoint.
    case paused
    /// Reached the maximum resource.
    case completed
    /// Stopped by the scheduler.
    case stopped
    /// The trial raised or crashed.
    case failed
    /// The worker went silent (lease expired).
    case lost
    /// The worker left cleanly (SIGTERM) before the attempt ended.
    case left
}

/// One lease of a trial to a worker.
public struct AttemptRecord: Codable, Sendable, Equatable {
    /// The trial.
    public var trial: TrialID
    /// Attempt number (1, 2, …) within the trial.
    public var attempt: Int
    /// Worker id the attempt was leased to.
    public var worker: String
    /// Resource the attempt started from (its checkpoint).
    public var fromResource: Double
    /// Resource the attempt runs to before pausing.
    public var toResource: Double
    /// Seconds since 1970 when it was leased.
    public var started: Double
    /// Seconds since 1970 when it ended; nil while open.
    public var ended: Double?
    /// How it ended; nil while open.
    public var outcome: AttemptOutcome?
}

/// A rung milestone carried by a report: the trial reached `resource`, the `rung`-th milestone.
public struct RungMark: Codable, Sendable, Equatable {
    /// Rung index (0 = first milestone).
    public var rung: Int
    /// Resource at the milestone (what `SearchEvent.reported` carries).
    public var resource: Double
    /// Objective value, as measured.
    public var value: Double

    /// Makes a rung milestone.
    public init(rung: Int, resource: Double, value: Double) {
        self.rung = rung; self.resource = resource; self.value = value
    }
}

/// A REPORT as the store records it: the epoch's numbers (Search's `EpochReport`, whose `epoch`
/// is the row's epoch), when the coordinator received them, and the rung result it makes, if any.
public struct TrialReport: Codable, Sendable, Equatable {
    /// The epoch's numbers.
    public var report: EpochReport
    /// Seconds since 1970 when it was received (the row's `time`).
    public var receivedAt: Double
    /// Set when this epoch is a rung milestone of the current assignment.
    public var rung: RungMark?

    /// The row of `report`, received at `receivedAt`.
    public init(_ report: EpochReport, receivedAt: Double, rung: RungMark? = nil) {
        self.report = report; self.receivedAt = receivedAt; self.rung = rung
    }

    /// The row of a report at a whole `epoch`, received at `time`.
    public init(trial: TrialID, attempt: Int, seq: Int, epoch: Int, metrics: MetricValues,
                time: Double, rung: RungMark? = nil) {
        self.init(EpochReport(trial: trial, attempt: attempt, seq: seq, resource: Double(epoch), metrics: metrics),
                  receivedAt: time, rung: rung)
    }

    /// The report's trial.
    public var trial: TrialID { report.trial }
    /// The report's attempt.
    public var attempt: Int { report.attempt }
    /// The report's sequence number.
    public var seq: Int { report.seq }
    /// The report's whole epoch (the row's `epoch`).
    public var epoch: Int { report.epoch }
    /// The report's metrics.
    public var metrics: MetricValues { report.metrics }
    /// When it was received (the row's `time`).
    public var time: Double { receivedAt }
}

/// What the store did with a report or log line.
public enum ReportOutcome: String, Codable, Sendable {
    /// Stored. For a report with a `RungMark`, the rung result is new: feed it to the engine.
    case accepted
    /// The epoch metrics were stored, but this trial's rung result was already recorded by an
    /// earlier attempt: do NOT feed it to the engine again. (Reports only.)
    case repeatedRung
    /// (trial, attempt, seq) was stored before: ignored. Acknowledge it again.
    case duplicate
    /// The attempt is not the trial's current open attempt: refused.
    case superseded
    /// The trial is unknown, or the attempt was never begun: refused.
    case unknown
}

/// Which stream a log line came from.
public enum LogStream: String, Codable, Sendable {
    case stdout, stderr
    /// Rung's own log on the worker, about this trial.
    case rung
    /// A metric line the trial printed (`{"epoch": 3, "acc": 0.81}`), as the coordinator received
    /// it in a REPORT; `rung logs` shows these only with `--metrics`.
    case metrics
}

/// A LOG line from a worker.
public struct LogLine: Codable, Sendable, Equatable {
    /// The trial.
    public var trial: TrialID
    /// Attempt number (1, 2, …) within the trial.
    public var attempt: Int
    /// Sequence number within (trial, attempt), shared by nothing else; duplicates detected on it.
    public var seq: Int
    /// Seconds since 1970 when the line was written (worker clock) or received.
    public var time: Double
    /// Where the line came from.
    public var stream: LogStream
    /// The line without its terminating newline.
    public var text: String

    /// Makes a log line.
    public init(trial: TrialID, attempt: Int, seq: Int, time: Double, stream: LogStream = .stdout, text: String) {
        self.trial = trial; self.attempt = attempt; self.seq = seq; self.time = time
        self.stream = stream; self.text = text
    }
}

/// Kinds of scheduler and lifecycle events written to the journal beside log lines.
public enum DecisionKind: String, Codable, Sendable, CaseIterable {
    case started, resumed, paused, promoted, stopped, lost, requeued, failed, completed
    /// The whole study finished.
    case studyCompleted
    /// A worker joined or left.
    case workerJoined, workerLeft
    /// A worker was quarantined (machine fault) or released.
    case workerQuarantined, workerReleased
    /// Free text from the coordinator.
    case note
}

/// A scheduler or lifecycle event for `rung logs --all`.
public struct DecisionRecord: Codable, Sendable, Equatable {
    /// Seconds since 1970.
    public var time: Double
    /// What happened.
    public var kind: DecisionKind
    /// The trial concerned; nil for study-wide entries.
    public var trial: TrialID?
    /// The attempt concerned, if any.
    public var attempt: Int?
    /// The worker concerned, if any.
    public var worker: String?
    /// Human-readable detail, e.g. "rung 2 (resource 9), value 0.913".
    public var detail: String

    /// Makes a decision record.
    public init(time: Double, kind: DecisionKind, trial: TrialID? = nil, attempt: Int? = nil,
                worker: String? = nil, detail: String = "") {
        self.time = time; self.kind = kind; self.trial = trial; self.attempt = attempt
        self.worker = worker; self.detail = detail
    }
}

/// One journal entry as read back: a log line or a decision, with its cursor position.
public struct JournalEntry: Codable, Sendable, Equatable {
    /// Position in the journal; pass the last one seen as `LogQuery.after` to continue.
    public var cursor: Int64
    /// Seconds since 1970.
    public var time: Double
    /// The trial concerned; nil for study-wide entries.
    public var trial: TrialID?
    /// The attempt concerned, if any.
    public var attempt: Int?
    /// The worker concerned, if any.
    public var worker: String?
    /// Set for log lines.
    public var stream: LogStream?
    /// Set for log lines.
    public var seq: Int?
    /// Set for decisions.
    public var decision: DecisionKind?
    /// The line's text, or the decision's detail.
    public var text: String

    /// True for a log line, false for a decision.
    public var isLine: Bool { decision == nil }
}

/// Whether a worker is connected.
public enum WorkerState: String, Codable, Sendable {
    case active, lost, left
    /// Connected but given no new work: its machine failed attempts that were not the trials'
    /// fault (the reason is the record's `note`).
    case quarantined
}

/// A worker as the coordinator saw it last.
public struct WorkerRecord: Codable, Sendable, Equatable {
    /// Stable worker id (from HELLO).
    public var id: String
    /// Human-readable name (`--name`).
    public var name: String
    /// Host the worker runs on.
    public var host: String
    /// Trials it runs at once.
    public var slots: Int
    /// Seconds since 1970 of its last heartbeat.
    public var lastHeartbeat: Double
    /// Whether it is connected.
    public var state: WorkerState
    /// Seconds since 1970 when it first said HELLO.
    public var joined: Double
    /// Why it is quarantined; nil otherwise.
    public var note: String?

    /// Makes a worker record.
    public init(id: String, name: String, host: String, slots: Int, lastHeartbeat: Double,
                state: WorkerState = .active, joined: Double, note: String? = nil) {
        self.id = id; self.name = name; self.host = host; self.slots = slots
        self.lastHeartbeat = lastHeartbeat; self.state = state; self.joined = joined; self.note = note
    }
}

/// A finished checkpoint in the artifact store.
public struct CheckpointRecord: Codable, Sendable, Equatable {
    /// The trial.
    public var trial: TrialID
    /// Attempt number (1, 2, …) within the trial.
    public var attempt: Int
    /// Resource the checkpoint was written at.
    public var resource: Double
    /// Path relative to the study directory, e.g. `checkpoints/trial-3/attempt-2.ckpt.zip`.
    public var path: String
    /// File size in bytes.
    public var bytes: Int
    /// Lower-case hex sha256 of the file.
    public var sha256: String
    /// Seconds since 1970 when the upload finished.
    public var created: Double
}
