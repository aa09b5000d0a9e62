// The coordinator state machine's vocabulary: inputs (what workers said, time passing), actions
// (persist, send, publish) and journal records (what is written durably before acting).
// Leaves out the wire encoding of these messages (Wire) and how records are stored (Store).
import Search

/// A worker's identity: the name it gives in HELLO (unique per worker process) — stable across a
/// reconnect and across a coordinator restart.
public struct WorkerName: RawRepresentable, Hashable, Comparable, Codable, Sendable, CustomStringConvertible {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(_ rawValue: String) { self.rawValue = rawValue }
    public static func < (a: WorkerName, b: WorkerName) -> Bool { a.rawValue < b.rawValue }
    public var description: String { rawValue }
    public init(from decoder: any Decoder) throws { rawValue = try decoder.singleValueContainer().decode(String.self) }
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(rawValue)
    }
}

/// One run of a trial: attempt 1 is its first assignment; every re-queue after a lost worker or
/// a resume after a pause makes a new attempt, so late messages of an old one can be refused.
public struct AttemptRef: Hashable, Codable, Sendable, CustomStringConvertible {
    public var trial: TrialID
    public var attempt: Int
    public init(trial: TrialID, attempt: Int) { self.trial = trial; self.attempt = attempt }
    public var description: String { "trial \(trial) attempt \(attempt)" }
}

/// Where a resumed attempt finds its checkpoint.
public enum CheckpointSource: String, Hashable, Codable, Sendable {
    /// No checkpoint: the attempt starts from resource 0.
    case none
    /// The worker still holds the checkpoint in its cache.
    case local
    /// The worker downloads it from the coordinator's artifact store.
    case coordinator
}

/// What a worker is told to run: the engine's assignment plus the attempt and checkpoint source.
public struct WorkOrder: Hashable, Codable, Sendable {
    /// The trial, its configuration and resource range, as the engine decided.
    public var assignment: Assignment
    /// The attempt number this run reports under.
    public var attempt: Int
    /// Where the checkpoint at `assignment.fromResource` comes from.
    public var checkpoint: CheckpointSource
    /// True when `toResource` is the study's maximum: the attempt completes the trial and writes no
    /// checkpoint to pause at.
    public var isFinal: Bool
    public init(assignment: Assignment, attempt: Int, checkpoint: CheckpointSource, isFinal: Bool = false) {
        self.assignment = assignment; self.attempt = attempt; self.checkpoint = checkpoint; self.isFinal = isFinal
    }
    /// The attempt this order starts.
    public var ref: AttemptRef { AttemptRef(trial: assignment.trial, attempt: attempt) }
}

extension EpochReport {
    /// The attempt the report belongs to.
    public var ref: AttemptRef { AttemptRef(trial: trial, attempt: attempt) }
}

/// How an attempt ended, as its worker says.
public enum AttemptEnd: Hashable, Codable, Sendable, CustomStringConvertible {
    /// Reached the assignment's `toResource` below the maximum and wrote a checkpoint there.
    case paused(resource: Double)
    /// Reached the maximum resource.
    case completed
    /// Crashed, was killed, or exited non-zero: the trial fails, unless this is its first failure
    /// and another worker can run it (then a `.retried` record follows).
    case failed(reason: String)
    /// Ended because the coordinator sent STOP.
    case stopped
    /// The worker's machine could not run it (cache or checkpoint directory unusable, the child
    /// could not start): the trial runs again elsewhere, uncounted, and the worker is quarantined.
    case machineFault(reason: String)

    public var description: String {
        switch self {
        case .paused(let r): return "paused at \(resourceLabel(r))"
        case .completed: return "completed"
        case .failed(let reason): return "failed: \(reason)"
        case .stopped: return "stopped"
        case .machineFault(let reason): return "machine fault: \(reason)"
        }
    }
}

/// Something the coordinator state machine reacts to. `now` comes beside it.
public enum CoordinatorInput: Hashable, Sendable {
    /// A worker introduced itself (first contact or after a reconnect) with its slot count and the
    /// attempts it is still running.
    case hello(WorkerName, slots: Int, running: [AttemptRef])
    /// The worker is alive; it lists the attempts it is running.
    case heartbeat(WorkerName, running: [AttemptRef])
    /// The worker has `freeSlots` idle slots now (READY, or a HEARTBEAT's count): the coordinator
    /// assigns it no more than that until it says otherwise.
    case ready(WorkerName, freeSlots: Int)
    /// One epoch's metrics.
    case report(WorkerName, EpochReport)
    /// An attempt ended.
    case ended(WorkerName, AttemptRef, AttemptEnd)
    /// The coordinator now holds the checkpoint of `trial` at `resource` (upload finished).
    case checkpointStored(trial: TrialID, resource: Double)
    /// The worker leaves cleanly (SIGTERM): its attempts are lost and queued again.
    case goodbye(WorkerName)
    /// A client asked to stop the study: stop every trial, start nothing new. With `drain`, the
    /// running attempts finish first (to their pause or completion); then the study ends.
    case stopStudy(drain: Bool)
    /// An operator paused the study: no new assignments (running attempts go on to their next
    /// rung and pause or complete there), until `.resume`.
    case pause
    /// An operator resumed a paused study.
    case resume
    /// An operator stopped one trial (running, queued or paused): it never runs again.
    case stopTrial(TrialID)
    /// An operator enqueued a configuration (already checked against the search space): the next
    /// new trial runs it.
    case enqueue(Configuration)
    /// Results of an earlier study seed the engine's sampler (warm start; once, for a new study).
    case seed([PriorResult])
    /// An operator lifted a worker's quarantine (`rung worker-release`), or the worker restarted.
    case releaseWorker(WorkerName)
    /// A connection to the ROUTER dropped at `since` (the socket monitor's event does not say
    /// whose): every worker not heard from since then is taken as gone, its attempts lost at once
    /// instead of after the lease timeout. A live worker heartbeats meanwhile and is kept.
    case connectionDropped(since: Double)
    /// Time passed: expire leases.
    case tick
}

/// What the coordinator tells one worker.
public enum WorkerCommand: Hashable, Codable, Sendable {
    /// Run this attempt.
    case assign(WorkOrder)
    /// Stop this attempt within one epoch.
    case stop(AttemptRef)
    /// The study is over: leave.
    case shutdown
}

/// Why a worker's message was refused.
public enum Refusal: Hashable, Sendable, CustomStringConvertible {
    /// The sender has not said HELLO (for instance, the coordinator restarted): say HELLO again.
    case unknownWorker(WorkerName)
    /// The message is about an attempt that is not the trial's current one on this worker
    /// (superseded by a later attempt, or no longer running): STALE_ATTEMPT.
    case supersededAttempt(AttemptRef, current: Int?)
    /// The message names a trial the study does not have: UNKNOWN_TRIAL.
    case unknownTrial(TrialID)
    /// The message names an attempt higher than any assigned for its trial: UNEXPECTED_MESSAGE.
    case unassignedAttempt(AttemptRef, current: Int)
    /// A number out of range (the wire decoder checks the same bounds first): MALFORMED_BODY.
    case malformed(String)
    /// The message is well formed but makes no sense here: UNEXPECTED_MESSAGE.
    case invalid(String)

    public var description: String {
        switch self {
        case .unknownWorker(let w): return "worker \(w) is not known; send HELLO first"
        case .supersededAttempt(let a, let cur):
            return "\(a) is not running here (current attempt: \(cur.map(String.init) ?? "none")); stop it"
        case .unknownTrial(let t): return "trial \(t) is not part of this study"
        case .unassignedAttempt(let a, let cur):
            return "\(a) was never assigned (the trial's latest attempt is \(cur)); stop it"
        case .malformed(let s): return s
        case .invalid(let s): return s
        }
    }
}

/// A durable record: the coordinator writes it before acting on it. The state machine's bookkeeping
/// is the fold of these records (`CoordinatorCore.restore`), and the engine's state is the replay of
/// the `.engine` records, so a restarted coordinator carries on exactly where it was.
public enum JournalRecord: Hashable, Codable, Sendable {
    /// An event fed to the search engine at time `at`.
    case engine(SearchEvent, at: Double)
    /// The engine decided to run this assignment; it waits for a slot (and its checkpoint).
    case queued(Assignment)
    /// The assignment went to a worker as attempt `order.attempt`.
    case started(WorkOrder, worker: WorkerName)
    /// One epoch's metrics, accepted (deduplicated by trial, attempt, seq).
    case epoch(EpochReport)
    /// The attempt ended.
    case ended(AttemptRef, AttemptEnd)
    /// The attempt's worker vanished; the trial will run again as a new attempt.
    case lost(AttemptRef, worker: WorkerName)
    /// The attempt failed on `worker`, the first failure of the trial on a machine: the trial runs
    /// again on another worker before the failure counts as its own.
    case retried(AttemptRef, worker: WorkerName)
    /// The engine stopped the trial (it will not run again).
    case stopped(TrialID)
    /// The trial failed for good (a report lacked the objective, or its attempt failed).
    case failed(TrialID, reason: String)
    /// A worker holds the checkpoint of `trial` at `resource` in its cache.
    case checkpointHeld(trial: TrialID, resource: Double, worker: WorkerName)
    /// The coordinator's artifact store holds the checkpoint of `trial` at `resource`.
    case checkpointStored(trial: TrialID, resource: Double)
    /// The engine said the study is complete.
    case complete
    /// The worker gets no new work: its machine failed attempts that were not the trials' fault.
    case quarantined(WorkerName, reason: String)
    /// The worker's quarantine was lifted.
    case released(WorkerName)
    /// An operator paused (true) or resumed (false) the study's assignments.
    case assignmentsPaused(Bool)
    /// An operator asked the study to drain: start nothing new, end once no attempt runs.
    case draining
}

/// A live event for subscribers (`rung logs --all`, progress displays).
public enum CoordinatorEvent: Hashable, Codable, Sendable {
    case started(WorkOrder, worker: WorkerName)
    case epoch(EpochReport)
    case paused(AttemptRef, resource: Double)
    case completed(AttemptRef)
    case promoted(TrialID, toResource: Double)
    case stopped(TrialID)
    case failed(TrialID, reason: String)
    case lost(AttemptRef, worker: WorkerName)
    case requeued(TrialID)
    /// An attempt failed on a worker; the trial runs again on another worker before the failure
    /// counts as its own.
    case attemptFailed(AttemptRef, worker: WorkerName, reason: String)
    case workerJoined(WorkerName, slots: Int)
    case workerLeft(WorkerName)
    case workerQuarantined(WorkerName, reason: String)
    case workerReleased(WorkerName)
    case studyComplete
    /// An operator paused or resumed the study, asked it to drain, enqueued a configuration, or
    /// stopped a trial.
    case control(ControlEvent)
}

/// What an operator did to a running study (`rung pause`, `resume`, `stop-study --drain`,
/// `enqueue`, `stop-trial`), as published and stored in the study's decisions.
public enum ControlEvent: Hashable, Codable, Sendable {
    case paused
    case resumed
    case draining
    case enqueued(Configuration)
    case stopRequested(TrialID)
    /// The sampler was seeded with this many results of an earlier study.
    case seeded(Int)
}

/// What the process around the state machine must do, in order: persist first, then reply.
public enum CoordinatorAction: Hashable, Sendable {
    /// Write this record durably before performing any later action.
    case persist(JournalRecord)
    /// Send a command to a worker.
    case send(WorkerName, WorkerCommand)
    /// Answer a worker's message with an ERROR.
    case refuse(WorkerName, Refusal)
    /// Publish a live event.
    case publish(CoordinatorEvent)
}
