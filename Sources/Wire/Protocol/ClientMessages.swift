// Bodies of the CLI clients' requests (STATUS, TRIALS, BEST, LOGS, STOP_STUDY; the operator's
// PAUSE, RESUME, STOP_TRIAL, ENQUEUE) and of the
// coordinator's replies, plus the summaries they carry. Trial states are Search's `TrialState`.
// Leaves out how the coordinator computes them (Runtime, Store) and how the CLI prints them.

import Search

/// One trial as the clients see it.
public struct TrialSummary: Hashable, Codable, Sendable {
    /// The trial.
    public var trial: TrialID
    /// Where the trial stands now.
    public var state: TrialState
    /// Latest attempt number (1 unless the trial was requeued).
    public var attempt: Int
    /// The trial's hyperparameters.
    public var config: Configuration
    /// Hyperband bracket (0 for single-bracket schedulers).
    public var bracket: Int
    /// Highest resource reported so far (0 if none).
    public var resource: Double
    /// Objective value at `resource` as measured (nil before the first report).
    public var value: Double?
    /// Name of the worker running it, if running.
    public var worker: String?
    /// Makes the value from its fields (the JSON fields of the same names).
    public init(trial: TrialID, state: TrialState, attempt: Int, config: Configuration, bracket: Int = 0,
                resource: Double, value: Double? = nil, worker: String? = nil) {
        self.trial = trial; self.state = state; self.attempt = attempt; self.config = config
        self.bracket = bracket; self.resource = resource; self.value = value; self.worker = worker
    }
}

/// One connected worker as the clients see it.
public struct WorkerSummary: Hashable, Codable, Sendable {
    /// The worker's id.
    public var worker: WorkerID
    /// Worker name.
    public var name: String
    /// Host name.
    public var host: String
    /// Trials it runs at once.
    public var slots: Int
    /// Attempts it runs now.
    public var running: [TrialAttempt]
    /// Wall time of its last message (seconds since 1970).
    public var lastSeen: Double
    /// Makes the value from its fields (the JSON fields of the same names).
    public init(worker: WorkerID, name: String, host: String, slots: Int, running: [TrialAttempt], lastSeen: Double) {
        self.worker = worker; self.name = name; self.host = host; self.slots = slots
        self.running = running; self.lastSeen = lastSeen
    }
}

/// How many trials reached one rung.
public struct RungCount: Hashable, Codable, Sendable {
    /// Resource (epochs) concerned.
    public var resource: Double
    /// Trials that reached it.
    public var trials: Int
    /// Makes the value from its fields (the JSON fields of the same names).
    public init(resource: Double, trials: Int) { self.resource = resource; self.trials = trials }
}

/// STATUS: no fields.
public struct StatusRequest: Hashable, Codable, Sendable {
    /// The request (it has no fields).
    public init() {}
}

/// STATUS_REPLY: the study at a glance.
public struct StatusReply: Hashable, Codable, Sendable {
    /// The study's name.
    public var study: String
    /// True once the study is complete (or stopped) and nothing runs.
    public var finished: Bool
    /// Trial counts by state (states with no trial may be absent).
    public var trialsByState: [TrialState: Int]
    /// Trials per rung, lowest rung first.
    public var rungs: [RungCount]
    /// Connected workers.
    public var workers: [WorkerSummary]
    /// Best trial so far (by the study's objective and direction), if any reported.
    public var best: TrialSummary?
    /// Makes the value from its fields (the JSON fields of the same names).
    public init(study: String, finished: Bool, trialsByState: [TrialState: Int], rungs: [RungCount],
                workers: [WorkerSummary], best: TrialSummary?) {
        self.study = study; self.finished = finished; self.trialsByState = trialsByState
        self.rungs = rungs; self.workers = workers; self.best = best
    }

    enum CodingKeys: String, CodingKey { case study, finished, trialsByState, rungs, workers, best }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        study = try c.decode(String.self, forKey: .study)
        finished = try c.decode(Bool.self, forKey: .finished)
        // On the wire a JSON object keyed by state name, e.g. {"running": 2, "paused": 5}.
        var byState: [TrialState: Int] = [:]
        for (name, count) in try c.decode([String: Int].self, forKey: .trialsByState) {
            guard let state = TrialState(rawValue: name) else {
                throw DecodingError.dataCorruptedError(forKey: .trialsByState, in: c, debugDescription:
                    "\"\(name)\" is no trial state; known: \(TrialState.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            byState[state] = count
        }
        trialsByState = byState
        rungs = try c.decode([RungCount].self, forKey: .rungs)
        workers = try c.decode([WorkerSummary].self, forKey: .workers)
        best = try c.decodeIfPresent(TrialSummary.self, forKey: .best)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(study, forKey: .study)
        try c.encode(finished, forKey: .finished)
        try c.encode(Dictionary(uniqueKeysWithValues: trialsByState.map { ($0.key.rawValue, $0.value) }), forKey: .trialsByState)
        try c.encode(rungs, forKey: .rungs)
        try c.encode(workers, forKey: .workers)
        try c.encodeIfPresent(best, forKey: .best)
    }
}

/// TRIALS: list trials, optionally only those in one state.
public struct TrialsRequest: Hashable, Codable, Sendable {
    /// Where the trial stands now.
    public var state: TrialState?
    /// Makes the value from its fields (the JSON fields of the same names).
    public init(state: TrialState? = nil) { self.state = state }
}

/// TRIALS_REPLY (ordered by trial id) and BEST_REPLY (best first).
public struct TrialsReply: Hashable, Codable, Sendable {
    /// The trials.
    public var trials: [TrialSummary]
    /// Makes the value from its fields (the JSON fields of the same names).
    public init(trials: [TrialSummary]) { self.trials = trials }
}

/// BEST: the `count` best trials.
public struct BestRequest: Hashable, Codable, Sendable {
    /// How many.
    public var count: Int
    /// Makes the value from its fields (the JSON fields of the same names).
    public init(count: Int = 1) { self.count = count }
}

/// LOGS: a page of log history, for one trial (all its attempts) or all trials.
public struct LogsRequest: Hashable, Codable, Sendable {
    /// The trial, or nil for every trial.
    public var trial: TrialID?
    /// Cursor from the previous LOGS_REPLY; 0 for the beginning.
    public var after: Int
    /// Also return the scheduler's decisions (started, paused, promoted, …).
    public var events: Bool
    /// Upper bound on LOG batches in the reply (the coordinator may return fewer).
    public var limit: Int
    /// Makes the value from its fields (the JSON fields of the same names).
    public init(trial: TrialID? = nil, after: Int = 0, events: Bool = false, limit: Int = 1000) {
        self.trial = trial; self.after = after; self.events = events; self.limit = limit
    }
}

/// LOGS_REPLY: one page of history, oldest first.
public struct LogsReply: Hashable, Codable, Sendable {
    /// LOG batches as the workers sent them (dedupe live PUB messages by trial, attempt, seq).
    public var lines: [LogLines]
    /// Scheduler decisions in the same span (empty unless asked for).
    public var events: [StudyEvent]
    /// Pass as `after` to get the next page.
    public var cursor: Int
    /// True when this page reaches the end of the history stored so far.
    public var complete: Bool
    /// Makes the value from its fields (the JSON fields of the same names).
    public init(lines: [LogLines], events: [StudyEvent] = [], cursor: Int, complete: Bool) {
        self.lines = lines; self.events = events; self.cursor = cursor; self.complete = complete
    }
}

/// STOP_STUDY: stop every running trial, start nothing new; with `drain`, let the running
/// attempts finish first (start nothing new, then end).
public struct StopStudyRequest: Hashable, Codable, Sendable {
    /// Why, for a person.
    public var reason: String
    /// Finish the running attempts before ending (absent: false).
    public var drain: Bool?
    /// Makes the value from its fields (the JSON fields of the same names).
    public init(reason: String, drain: Bool? = nil) { self.reason = reason; self.drain = drain }
}

/// WORKER_RELEASE: lift a worker's quarantine (`rung worker-release NAME`).
public struct WorkerReleaseRequest: Hashable, Codable, Sendable {
    /// The worker's name (from its HELLO).
    public var worker: String
    /// Makes the value from its fields (the JSON fields of the same names).
    public init(worker: String) { self.worker = worker }
}

/// WORKER_RELEASE_REPLY: whether the worker was quarantined (and now gets work again), and the
/// quarantined workers left.
public struct WorkerReleaseReply: Hashable, Codable, Sendable {
    /// True if the worker was quarantined and is released now.
    public var released: Bool
    /// Workers still quarantined, by name.
    public var quarantined: [String]
    /// Makes the value from its fields (the JSON fields of the same names).
    public init(released: Bool, quarantined: [String]) { self.released = released; self.quarantined = quarantined }
}

/// STOP_STUDY_REPLY: whether the study is now stopping (false if it had already finished).
public struct StopStudyReply: Hashable, Codable, Sendable {
    /// Whether the study is now stopping.
    public var stopping: Bool
    /// Makes the value from its fields (the JSON fields of the same names).
    public init(stopping: Bool) { self.stopping = stopping }
}

/// PAUSE: assign no new work (running attempts go on to their next rung and pause or complete
/// there) until RESUME.
public struct PauseRequest: Hashable, Codable, Sendable {
    /// Why, for a person (optional).
    public var reason: String?
    /// Makes the value from its fields (the JSON fields of the same names).
    public init(reason: String? = nil) { self.reason = reason }
}

/// RESUME: assign work again after PAUSE.
public struct ResumeRequest: Hashable, Codable, Sendable {
    /// The request (it has no fields).
    public init() {}
}

/// STOP_TRIAL: stop one trial (running, queued or paused); it never runs again.
public struct StopTrialRequest: Hashable, Codable, Sendable {
    /// The trial.
    public var trial: TrialID
    /// Makes the value from its fields (the JSON fields of the same names).
    public init(trial: TrialID) { self.trial = trial }
}

/// ENQUEUE: evaluate this configuration next (Optuna's `enqueue_trial`); it must be a
/// configuration of the study's search space and counts toward its trial budget.
public struct EnqueueRequest: Hashable, Codable, Sendable {
    /// The configuration (every active parameter; fixed ones may be left out).
    public var config: Configuration
    /// Makes the value from its fields (the JSON fields of the same names).
    public init(config: Configuration) { self.config = config }
}

/// CONTROL_REPLY: the answer to PAUSE, RESUME, STOP_TRIAL and ENQUEUE; refusals come as ERROR.
public struct ControlReply: Hashable, Codable, Sendable {
    /// True when the request changed something; false when it was already so (a second PAUSE).
    public var changed: Bool
    /// What the coordinator did, for a person ("paused: no new assignments until RESUME").
    public var message: String
    /// Makes the value from its fields (the JSON fields of the same names).
    public init(changed: Bool, message: String) { self.changed = changed; self.message = message }
}
