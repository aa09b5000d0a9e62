// Bodies of the CLI clients' requests (STATUS, TRIALS, BEST, LOGS, STOP_STUDY) and of the
// coordinator's replies, plus the summaries they carry. Leaves out how the coordinator computes
// them (Runtime, Store) and how the CLI prints them.

import Search

/// Where a trial stands.
public enum TrialState: String, Hashable, Codable, Sendable, CaseIterable, CodingKeyRepresentable {
    case queued, running, paused, completed, stopped, failed
}

/// One trial as the clients see it.
public struct TrialSummary: Hashable, Codable, Sendable {
    public var trial: TrialID
    public var state: TrialState
    /// Latest attempt number (1 unless the trial was requeued).
    public var attempt: Int
    public var config: Configuration
    public var bracket: Int
    /// Highest resource reported so far (0 if none).
    public var resource: Double
    /// Objective value at `resource` as measured (nil before the first report).
    public var value: Double?
    /// Name of the worker running it, if running.
    public var worker: String?
    public init(trial: TrialID, state: TrialState, attempt: Int, config: Configuration, bracket: Int = 0,
                resource: Double, value: Double? = nil, worker: String? = nil) {
        self.trial = trial; self.state = state; self.attempt = attempt; self.config = config
        self.bracket = bracket; self.resource = resource; self.value = value; self.worker = worker
    }
}

/// One connected worker as the clients see it.
public struct WorkerSummary: Hashable, Codable, Sendable {
    public var worker: WorkerID
    public var name: String
    public var host: String
    public var slots: Int
    public var running: [TrialAttempt]
    /// Wall time of its last message (seconds since 1970).
    public var lastSeen: Double
    public init(worker: WorkerID, name: String, host: String, slots: Int, running: [TrialAttempt], lastSeen: Double) {
        self.worker = worker; self.name = name; self.host = host; self.slots = slots
        self.running = running; self.lastSeen = lastSeen
    }
}

/// How many trials reached one rung.
public struct RungCount: Hashable, Codable, Sendable {
    public var resource: Double
    public var trials: Int
    public init(resource: Double, trials: Int) { self.resource = resource; self.trials = trials }
}

/// STATUS: no fields.
public struct StatusRequest: Hashable, Codable, Sendable {
    public init() {}
}

/// STATUS_REPLY: the study at a glance.
public struct StatusReply: Hashable, Codable, Sendable {
    public var study: String
    /// True once the study is complete (or stopped) and nothing runs.
    public var finished: Bool
    /// Trial counts by state (states with no trial may be absent).
    public var trialsByState: [TrialState: Int]
    /// Trials per rung, lowest rung first.
    public var rungs: [RungCount]
    public var workers: [WorkerSummary]
    /// Best trial so far (by the study's objective and direction), if any reported.
    public var best: TrialSummary?
    public init(study: String, finished: Bool, trialsByState: [TrialState: Int], rungs: [RungCount],
                workers: [WorkerSummary], best: TrialSummary?) {
        self.study = study; self.finished = finished; self.trialsByState = trialsByState
        self.rungs = rungs; self.workers = workers; self.best = best
    }
}

/// TRIALS: list trials, optionally only those in one state.
public struct TrialsRequest: Hashable, Codable, Sendable {
    public var state: TrialState?
    public init(state: TrialState? = nil) { self.state = state }
}

/// TRIALS_REPLY (ordered by trial id) and BEST_REPLY (best first).
public struct TrialsReply: Hashable, Codable, Sendable {
    public var trials: [TrialSummary]
    public init(trials: [TrialSummary]) { self.trials = trials }
}

/// BEST: the `count` best trials.
public struct BestRequest: Hashable, Codable, Sendable {
    public var count: Int
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
    public init(lines: [LogLines], events: [StudyEvent] = [], cursor: Int, complete: Bool) {
        self.lines = lines; self.events = events; self.cursor = cursor; self.complete = complete
    }
}

/// STOP_STUDY: stop every running trial, start nothing new.
public struct StopStudyRequest: Hashable, Codable, Sendable {
    public var reason: String
    public init(reason: String) { self.reason = reason }
}

/// STOP_STUDY_REPLY: whether the study is now stopping (false if it had already finished).
public struct StopStudyReply: Hashable, Codable, Sendable {
    public var stopping: Bool
    public init(stopping: Bool) { self.stopping = stopping }
}
