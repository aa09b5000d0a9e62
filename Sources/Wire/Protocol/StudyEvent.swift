// Scheduler decisions as published on the PUB socket (`event/<study>/<kind>`), and the topic
// strings of both PUB streams. Leaves out the publishing loop (Runtime).

import Search

/// What happened to a trial (or the study).
public enum StudyEventKind: String, Hashable, Codable, Sendable, CaseIterable {
    case started, resumed, paused, promoted, stopped, lost, requeued, completed, failed
    /// The whole study finished (no trial).
    case finished
}

/// One scheduler decision or trial transition, in the order the coordinator committed them.
public struct StudyEvent: Hashable, Codable, Sendable {
    /// What happened.
    public var kind: StudyEventKind
    /// The trial.
    public var trial: TrialID?
    /// The attempt number (from ASSIGN).
    public var attempt: Int?
    /// The rung resource concerned (paused at, promoted to, …), if any.
    public var resource: Double?
    /// Objective value concerned, if any.
    public var value: Double?
    /// Worker name concerned, if any.
    public var worker: String?
    /// Free text (failure reason, …).
    public var detail: String?
    /// Coordinator wall time (seconds since 1970).
    public var time: Double
    /// Makes the value from its fields (the JSON fields of the same names).
    public init(kind: StudyEventKind, trial: TrialID? = nil, attempt: Int? = nil, resource: Double? = nil,
                value: Double? = nil, worker: String? = nil, detail: String? = nil, time: Double) {
        self.kind = kind; self.trial = trial; self.attempt = attempt; self.resource = resource
        self.value = value; self.worker = worker; self.detail = detail; self.time = time
    }
}

/// Topic strings of the PUB socket. Published topics end in a component after the trial (the
/// stream or the event kind), so a subscription prefix ending in "/" matches exactly one trial.
public enum Topic {
    /// Topic of a LOG message: `log/<study>/<trial>/<stream>`.
    public static func log(study: String, trial: TrialID, stream: LogStream) -> String {
        "log/\(study)/\(trial.rawValue)/\(stream.rawValue)"
    }
    /// Subscription prefix for one trial's logs: `log/<study>/<trial>/`.
    public static func logs(study: String, trial: TrialID) -> String { "log/\(study)/\(trial.rawValue)/" }
    /// Subscription prefix for every trial's logs: `log/<study>/`.
    public static func logs(study: String) -> String { "log/\(study)/" }
    /// Topic of a study event: `event/<study>/<kind>`.
    public static func event(study: String, kind: StudyEventKind) -> String { "event/\(study)/\(kind.rawValue)" }
    /// Subscription prefix for every study event: `event/<study>/`.
    public static func events(study: String) -> String { "event/\(study)/" }
}
