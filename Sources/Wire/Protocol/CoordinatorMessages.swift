// Bodies of the messages the coordinator sends to a worker (WELCOME … CHECKPOINT_STORED) and the
// ERROR reply that any bad message gets. Leaves out when the coordinator sends them (Runtime).

import Search

/// WELCOME: answer to HELLO; the worker is registered.
public struct Welcome: Hashable, Codable, Sendable {
    /// The id the coordinator gave this worker (for logs; routing uses the socket's routing id).
    public var worker: WorkerID
    /// The study's name (used in PUB topics).
    public var study: String
    /// Seconds between HEARTBEATs the worker must send.
    public var heartbeatInterval: Double
    /// Seconds of silence after which the coordinator presumes the worker lost and requeues its
    /// attempts (with attempt + 1).
    public var leaseTimeout: Double
    /// Largest JSON body the coordinator accepts, in bytes.
    public var maxBodyBytes: Int
    /// Largest checkpoint chunk (binary frame) the coordinator accepts, in bytes.
    public var maxChunkBytes: Int
    /// Makes the value from its fields (the JSON fields of the same names).
    public init(worker: WorkerID, study: String, heartbeatInterval: Double, leaseTimeout: Double,
                maxBodyBytes: Int = Envelope.Limits.standard.maxBodyBytes,
                maxChunkBytes: Int = Envelope.Limits.standard.maxBinaryBytes) {
        self.worker = worker; self.study = study; self.heartbeatInterval = heartbeatInterval
        self.leaseTimeout = leaseTimeout; self.maxBodyBytes = maxBodyBytes; self.maxChunkBytes = maxChunkBytes
    }
}

/// A stored checkpoint that an assignment resumes from.
public struct CheckpointRef: Hashable, Codable, Sendable {
    /// The checkpoint's id (a worker that lists it in HELLO's `cachedCheckpoints` needs no download).
    public var id: String
    /// The resource it was saved at (equals the assignment's `fromResource`).
    public var resource: Double
    /// Size in bytes.
    public var size: Int
    /// SHA-256 of the file, lowercase hex.
    public var sha256: String
    /// Makes the value from its fields (the JSON fields of the same names).
    public init(id: String, resource: Double, size: Int, sha256: String) {
        self.id = id; self.resource = resource; self.size = size; self.sha256 = sha256
    }
}

/// The study's objective as ASSIGN names it: the metric a REPORT must carry, and its direction.
public struct ObjectiveRef: Hashable, Codable, Sendable {
    /// The metric's name, e.g. `val_loss`; every REPORT at a milestone must carry it.
    public var metric: String
    /// `maximize` or `minimize`.
    public var direction: String
    /// Makes the value from its fields (the JSON fields of the same names).
    public init(metric: String, direction: String) { self.metric = metric; self.direction = direction }
}

/// ASSIGN: run one attempt of a trial from `fromResource` to `toResource` on one free slot.
public struct Assign: Hashable, Codable, Sendable {
    /// The trial.
    public var trial: TrialID
    /// This lease's attempt number (the trial's previous one + 1); every message about it repeats it.
    public var attempt: Int
    /// The hyperparameters.
    public var config: Configuration
    /// The study's task description (free-form JSON from the study file).
    public var task: JSONValue
    /// Resource already done (0 for a new trial).
    public var fromResource: Double
    /// Run until this resource, then upload a checkpoint and send PAUSED (or DONE at the maximum).
    public var toResource: Double
    /// Resources in (fromResource, toResource] whose REPORT is a rung result (`atRung: true`).
    public var reportAt: [Double]
    /// Hyperband bracket (0 for single-bracket schedulers).
    public var bracket: Int
    /// Whether `toResource` is the study's maximum (finish with DONE instead of PAUSED).
    public var final: Bool
    /// The checkpoint to resume from (nil for a new trial).
    public var checkpoint: CheckpointRef?
    /// The study's objective: the metric every milestone REPORT must carry (revision 3; optional,
    /// so a revision-2 coordinator's ASSIGN still decodes).
    public var objective: ObjectiveRef?
    /// Makes the value from its fields (the JSON fields of the same names).
    public init(trial: TrialID, attempt: Int, config: Configuration, task: JSONValue,
                fromResource: Double, toResource: Double, reportAt: [Double], bracket: Int = 0,
                final: Bool, checkpoint: CheckpointRef? = nil, objective: ObjectiveRef? = nil) {
        self.trial = trial; self.attempt = attempt; self.config = config; self.task = task
        self.fromResource = fromResource; self.toResource = toResource; self.reportAt = reportAt
        self.bracket = bracket; self.final = final; self.checkpoint = checkpoint; self.objective = objective
    }
}

/// STOP: stop this attempt now (within one epoch), send nothing more about it, free the slot.
public struct Stop: Hashable, Codable, Sendable {
    /// The trial.
    public var trial: TrialID
    /// The attempt number (from ASSIGN).
    public var attempt: Int
    /// Why (e.g. "lost its rung", "study stopped"), for the worker's log.
    public var reason: String
    /// Makes the value from its fields (the JSON fields of the same names).
    public init(trial: TrialID, attempt: Int, reason: String) {
        self.trial = trial; self.attempt = attempt; self.reason = reason
    }
}

/// WAIT: answer to READY when nothing can start now. The coordinator keeps the free slots in mind
/// and sends ASSIGN later without another READY.
public struct Wait: Hashable, Codable, Sendable {
    /// Why, for a person.
    public var reason: String
    /// Makes the value from its fields (the JSON fields of the same names).
    public init(reason: String) { self.reason = reason }
}

/// SHUTDOWN: the worker should stop its attempts (they are requeued) and exit.
public struct Shutdown: Hashable, Codable, Sendable {
    /// Why, for a person.
    public var reason: String
    /// Makes the value from its fields (the JSON fields of the same names).
    public init(reason: String) { self.reason = reason }
}

/// CHECKPOINT_STORED: every chunk of a CHECKPOINT_PUT upload arrived and the SHA-256 matched.
public struct CheckpointStored: Hashable, Codable, Sendable {
    /// The checkpoint's id.
    public var checkpoint: String
    /// Size in bytes.
    public var size: Int
    /// Makes the value from its fields (the JSON fields of the same names).
    public init(checkpoint: String, size: Int) { self.checkpoint = checkpoint; self.size = size }
}

/// ERROR: the reply to a message that could not be decoded or was refused. The coordinator
/// carries on; the sender should log `message` and not resend the same bytes.
public struct ErrorReply: Hashable, Codable, Sendable {
    /// What kind of problem (PROTOCOL.md §7 lists them).
    public var code: WireError.Code
    /// What was wrong, where, and what is accepted.
    public var message: String
    /// The type frame of the offending message as received (up to 32 bytes), if there was one.
    public var regarding: String?
    /// The trial concerned, for refusals about one (e.g. STALE_ATTEMPT).
    public var trial: TrialID?
    /// The attempt concerned.
    public var attempt: Int?
    /// The refused message's `seq`, so the worker knows what to send again (after UNKNOWN_PEER).
    public var seq: Int?
    /// Makes the value from its fields (the JSON fields of the same names).
    public init(code: WireError.Code, message: String, regarding: String? = nil,
                trial: TrialID? = nil, attempt: Int? = nil, seq: Int? = nil) {
        self.code = code; self.message = message; self.regarding = regarding
        self.trial = trial; self.attempt = attempt; self.seq = seq
    }

    /// The reply to `error`, naming the offending message's type if known.
    public init(_ error: WireError, regarding: String? = nil, trial: TrialID? = nil, attempt: Int? = nil, seq: Int? = nil) {
        self.init(code: error.code, message: error.message, regarding: regarding, trial: trial, attempt: attempt, seq: seq)
    }
}
