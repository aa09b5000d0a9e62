// The message types of Rung's protocol: their names on the wire, who sends them, and which carry
// a chunk frame. Leaves out the bodies (see the *Messages.swift files) and the framing (Envelope).

/// A message's type, named in every message's header line (ASCII, e.g. `REPORT` in `RUNG2 REPORT\n`).
public enum MessageType: String, Sendable, Hashable, CaseIterable, Codable {
    // Worker → coordinator.
    case hello = "HELLO"
    case ready = "READY"
    case heartbeat = "HEARTBEAT"
    case report = "REPORT"
    case log = "LOG"
    case paused = "PAUSED"
    case done = "DONE"
    case failed = "FAILED"
    case checkpointPut = "CHECKPOINT_PUT"
    case checkpointGet = "CHECKPOINT_GET"
    case bye = "BYE"
    // Coordinator → worker.
    case welcome = "WELCOME"
    case assign = "ASSIGN"
    case stop = "STOP"
    case wait = "WAIT"
    case shutdown = "SHUTDOWN"
    case checkpoint = "CHECKPOINT"
    case checkpointStored = "CHECKPOINT_STORED"
    // Coordinator → anyone.
    case error = "ERROR"
    // Client → coordinator, and the replies.
    case status = "STATUS"
    case statusReply = "STATUS_REPLY"
    case trials = "TRIALS"
    case trialsReply = "TRIALS_REPLY"
    case best = "BEST"
    case bestReply = "BEST_REPLY"
    case logs = "LOGS"
    case logsReply = "LOGS_REPLY"
    case stopStudy = "STOP_STUDY"
    case stopStudyReply = "STOP_STUDY_REPLY"
    case workerRelease = "WORKER_RELEASE"
    case workerReleaseReply = "WORKER_RELEASE_REPLY"
    case query = "QUERY"
    case queryReply = "QUERY_REPLY"
    // Operator control (client → coordinator), each answered with CONTROL_REPLY or ERROR.
    case pause = "PAUSE"
    case resume = "RESUME"
    case stopTrial = "STOP_TRIAL"
    case enqueue = "ENQUEUE"
    case controlReply = "CONTROL_REPLY"
    // Coordinator PUB socket only.
    case event = "EVENT"

    /// The client requests that change a running study (PROTOCOL.md §4.5): with CURVE roles on,
    /// only an operator's key may send them. Every new control message belongs here.
    public static let control: Set<MessageType> = [.stopStudy, .pause, .resume, .stopTrial, .enqueue, .workerRelease]

    /// Whether this type is a control request (see `control`).
    public var isControl: Bool { Self.control.contains(self) }

    /// Whether a message of this type has a second frame with raw bytes (checkpoint chunks).
    public var carriesBinaryFrame: Bool { self == .checkpointPut || self == .checkpoint }
}
