// Bodies of the messages a worker sends to the coordinator (HELLO … CHECKPOINT_GET), and the small
// identifiers they share. Field names are the JSON keys (PROTOCOL.md lists each with an example).
// Leaves out what the coordinator does with them.

import Foundation
import Search

/// A worker's identity, assigned by the coordinator in WELCOME (1, 2, 3, … per coordinator run).
public struct WorkerID: RawRepresentable, Hashable, Comparable, Codable, Sendable, CustomStringConvertible {
    /// The number.
    public let rawValue: Int
    /// Wraps a number.
    public init(rawValue: Int) { self.rawValue = rawValue }
    /// Wraps a number.
    public init(_ rawValue: Int) { self.rawValue = rawValue }
    /// Orders by number.
    public static func < (a: WorkerID, b: WorkerID) -> Bool { a.rawValue < b.rawValue }
    /// The id as `w<n>`.
    public var description: String { "w\(rawValue)" }
    public init(from decoder: any Decoder) throws { rawValue = try decoder.singleValueContainer().decode(Int.self) }
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(rawValue)
    }
}

/// One lease of a trial: `attempt` is 1 for the first ASSIGN of the trial and grows by one with
/// each later ASSIGN (a promotion's resume or a rerun after its worker was lost); `seq` numbers
/// restart at 1 for each attempt.
public struct TrialAttempt: Hashable, Codable, Sendable {
    /// The trial.
    public var trial: TrialID
    /// The attempt number (from ASSIGN).
    public var attempt: Int
    /// Makes the value from its fields (the JSON fields of the same names).
    public init(trial: TrialID, attempt: Int) { self.trial = trial; self.attempt = attempt }
}

/// HELLO: the first message of a worker's connection (and again after any reconnect).
public struct Hello: Hashable, Codable, Sendable {
    /// Human name of the worker (`--name`, default the host name and pid).
    public var name: String
    /// Host name of the machine.
    public var host: String
    /// Process id of the worker process.
    public var pid: Int
    /// How many trials it runs at once.
    public var slots: Int
    /// The protocol version it speaks (1).
    public var protocolVersion: Int
    /// Checkpoint ids in the worker's local cache (the coordinator prefers it for those trials).
    public var cachedCheckpoints: [String]
    /// Attempts already running on this worker (non-empty when it says HELLO again after the
    /// coordinator restarted or forgot it); the coordinator adopts them or answers STOP.
    public var running: [TrialAttempt]
    /// Makes the value from its fields (the JSON fields of the same names).
    public init(name: String, host: String, pid: Int, slots: Int, protocolVersion: Int = Envelope.version,
                cachedCheckpoints: [String] = [], running: [TrialAttempt] = []) {
        self.name = name; self.host = host; self.pid = pid; self.slots = slots
        self.protocolVersion = protocolVersion; self.cachedCheckpoints = cachedCheckpoints
        self.running = running
    }
}

/// READY: the worker has `freeSlots` idle slots and asks for work.
public struct Ready: Hashable, Codable, Sendable {
    /// Idle slots now.
    public var freeSlots: Int
    /// Makes the value from its fields (the JSON fields of the same names).
    public init(freeSlots: Int) { self.freeSlots = freeSlots }
}

/// HEARTBEAT: the worker is alive; renews the leases of the attempts it runs.
public struct Heartbeat: Hashable, Codable, Sendable {
    /// The attempts running on this worker now.
    public var running: [TrialAttempt]
    /// Idle slots now.
    public var freeSlots: Int
    /// Makes the value from its fields (the JSON fields of the same names).
    public init(running: [TrialAttempt] = [], freeSlots: Int = 0) {
        self.running = running; self.freeSlots = freeSlots
    }
}

/// REPORT: metrics of one attempt at one resource (epoch): Search's `EpochReport`, the one type
/// the worker, the wire, the coordinator's journal and the store share; its body is the JSON
/// `JSONWriter.write(_:)` writes (PROTOCOL.md §5).
public typealias Report = EpochReport

/// Where a log line came from.
public enum LogStream: String, Hashable, Codable, Sendable, CaseIterable {
    /// The trial's standard output.
    case stdout
    /// The trial's standard error.
    case stderr
    /// Rung's own log about the trial (worker side).
    case rung
}

/// LOG: lines a trial wrote (also the body of a PUB log event and of LOGS_REPLY entries).
public struct LogLines: Hashable, Codable, Sendable {
    /// The trial.
    public var trial: TrialID
    /// The attempt number (from ASSIGN).
    public var attempt: Int
    /// Sequence number within (trial, attempt); see `Report.seq`.
    public var seq: Int
    /// Where the lines came from.
    public var stream: LogStream
    /// Lines without their line terminators.
    public var lines: [String]
    /// Worker's wall time of the first line (seconds since 1970), if known.
    public var time: Double?
    /// Makes the value from its fields (the JSON fields of the same names).
    public init(trial: TrialID, attempt: Int, seq: Int, stream: LogStream, lines: [String], time: Double? = nil) {
        self.trial = trial; self.attempt = attempt; self.seq = seq; self.stream = stream
        self.lines = lines; self.time = time
    }
}

/// PAUSED: the attempt reached its `toResource`, saved checkpoint `checkpoint` (already uploaded
/// with CHECKPOINT_PUT) and freed its slot.
public struct Paused: Hashable, Codable, Sendable {
    /// The trial.
    public var trial: TrialID
    /// The attempt number (from ASSIGN).
    public var attempt: Int
    /// Sequence number within (trial, attempt); see `Report.seq`.
    public var seq: Int
    /// Resource (epochs) concerned.
    public var resource: Double
    /// The checkpoint's id (as in its CHECKPOINT_PUT chunks).
    public var checkpoint: String
    /// Optional (protocol 1, revision 2): the per-class report the trial printed in this attempt
    /// (its `rung_report` line), if any. A coordinator that does not know the field ignores it.
    public var report: ClassReport?
    /// Makes the value from its fields (the JSON fields of the same names).
    public init(trial: TrialID, attempt: Int, seq: Int, resource: Double, checkpoint: String, report: ClassReport? = nil) {
        self.trial = trial; self.attempt = attempt; self.seq = seq; self.resource = resource
        self.checkpoint = checkpoint; self.report = report
    }
}

/// DONE: the attempt ran to the study's maximum resource; the trial is complete.
public struct Done: Hashable, Codable, Sendable {
    /// The trial.
    public var trial: TrialID
    /// The attempt number (from ASSIGN).
    public var attempt: Int
    /// Sequence number within (trial, attempt); see `Report.seq`.
    public var seq: Int
    /// Resource (epochs) concerned.
    public var resource: Double
    /// Optional (protocol 1, revision 2): the per-class report the trial printed after its final
    /// test (its `rung_report` line), if any. A coordinator that does not know the field ignores it.
    public var report: ClassReport?
    /// Makes the value from its fields (the JSON fields of the same names).
    public init(trial: TrialID, attempt: Int, seq: Int, resource: Double, report: ClassReport? = nil) {
        self.trial = trial; self.attempt = attempt; self.seq = seq; self.resource = resource
        self.report = report
    }
}

/// FAILED: the attempt crashed or raised; the trial will not be retried.
public struct Failed: Hashable, Codable, Sendable {
    /// The trial.
    public var trial: TrialID
    /// The attempt number (from ASSIGN).
    public var attempt: Int
    /// Sequence number within (trial, attempt); see `Report.seq`.
    public var seq: Int
    /// What went wrong (exception text, exit status, signal).
    public var error: String
    /// True when the worker's machine, not the trial, is at fault (its cache or checkpoint
    /// directory is not writable or is full, the child could not be started): the coordinator runs
    /// the trial again elsewhere without counting the attempt and quarantines the worker.
    /// Absent (false) for a trial's own failure.
    public var machine: Bool?
    /// Makes the value from its fields (the JSON fields of the same names).
    public init(trial: TrialID, attempt: Int, seq: Int, error: String, machine: Bool? = nil) {
        self.trial = trial; self.attempt = attempt; self.seq = seq; self.error = error; self.machine = machine
    }
}

/// BYE: the worker leaves (SIGTERM, end of `--max-trials`); its running attempts are requeued at
/// once (attempt + 1) instead of after the lease timeout.
public struct Bye: Hashable, Codable, Sendable {
    /// Why, for a person.
    public var reason: String
    /// Makes the value from its fields (the JSON fields of the same names).
    public init(reason: String) { self.reason = reason }
}

/// CHECKPOINT_PUT (worker → coordinator) and CHECKPOINT (coordinator → worker): one chunk of a
/// checkpoint file. The chunk's bytes travel in the message's fourth frame, not in the JSON.
public struct CheckpointChunk: Hashable, Codable, Sendable {
    /// The checkpoint's id: `t<trial>-a<attempt>-r<resource>` by convention, unique per study.
    public var checkpoint: String
    /// The trial.
    public var trial: TrialID
    /// The attempt that wrote the checkpoint.
    public var attempt: Int
    /// The resource the checkpoint was saved at.
    public var resource: Double
    /// This chunk's position, 0-based.
    public var index: Int
    /// Number of chunks of the whole checkpoint (≥ 1).
    public var count: Int
    /// Size in bytes of the whole checkpoint.
    public var size: Int
    /// SHA-256 of the whole checkpoint, lowercase hex.
    public var sha256: String
    /// The chunk's bytes (the binary frame).
    public var bytes: Data

    enum CodingKeys: String, CodingKey {
        case checkpoint, trial, attempt, resource, index, count, size, sha256
    }

    /// Makes the value from its fields (the JSON fields of the same names).
    public init(checkpoint: String, trial: TrialID, attempt: Int, resource: Double, index: Int,
                count: Int, size: Int, sha256: String, bytes: Data) {
        self.checkpoint = checkpoint; self.trial = trial; self.attempt = attempt
        self.resource = resource; self.index = index; self.count = count; self.size = size
        self.sha256 = sha256; self.bytes = bytes
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        checkpoint = try c.decode(String.self, forKey: .checkpoint)
        trial = try c.decode(TrialID.self, forKey: .trial)
        attempt = try c.decode(Int.self, forKey: .attempt)
        resource = try c.decode(Double.self, forKey: .resource)
        index = try c.decode(Int.self, forKey: .index)
        count = try c.decode(Int.self, forKey: .count)
        size = try c.decode(Int.self, forKey: .size)
        sha256 = try c.decode(String.self, forKey: .sha256)
        bytes = Data()
    }
}

/// CHECKPOINT_GET: a worker asks for a stored checkpoint; the coordinator answers with CHECKPOINT
/// chunks (or ERROR BAD_CHECKPOINT).
public struct CheckpointRequest: Hashable, Codable, Sendable {
    /// The checkpoint's id.
    public var checkpoint: String
    /// Makes the value from its fields (the JSON fields of the same names).
    public init(checkpoint: String) { self.checkpoint = checkpoint }
}
