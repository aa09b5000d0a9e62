// What the read side hands out (status, leaderboard, log pages, export rows) and the protocol the
// CLI clients read through, so one renderer serves an offline directory and a live coordinator.
// Leaves out the SQL (StoreQueries.swift) and the terminal text (RungCLI).
import Search

/// Everything a CLI client reads, offline from a study directory or live from a coordinator.
public protocol StudyReading: Sendable {
    /// The study row.
    func studyInfo() async throws -> StudyInfo
    /// Trials by state and rung, workers, best so far.
    func summary() async throws -> StudySummary
    /// All trials by id.
    func trials() async throws -> [StoredTrial]
    /// One trial, or nil if the study has no such trial.
    func trial(_ id: TrialID) async throws -> StoredTrial?
    /// The best `limit` trials (see `LeaderboardEntry` for the order).
    func leaderboard(limit: Int) async throws -> [LeaderboardEntry]
    /// A page of the journal.
    func logs(_ query: LogQuery) async throws -> LogPage
    /// Per-epoch rows for `rung export`.
    func exportRows(allAttempts: Bool) async throws -> [ExportRow]
    /// The per-class report of a trial's final model, or nil if it has none (yet).
    func classReport(_ trial: TrialID) async throws -> StoredClassReport?
}

/// How many trials are in one state at one rung.
public struct StateCount: Codable, Sendable, Equatable {
    /// The trials' state.
    public var state: TrialStatus
    /// Highest rung with a result; nil for trials without one yet.
    public var rung: Int?
    /// How many trials.
    public var count: Int

    /// Makes a count.
    public init(state: TrialStatus, rung: Int?, count: Int) { self.state = state; self.rung = rung; self.count = count }
}

/// `rung status`.
public struct StudySummary: Codable, Sendable, Equatable {
    /// The study row.
    public var info: StudyInfo
    /// Counts by (state, rung), ordered by state then rung.
    public var counts: [StateCount]
    /// Every worker seen, by id.
    public var workers: [WorkerRecord]
    /// The leaderboard's first entry.
    public var best: LeaderboardEntry?
    /// Trials in the store.
    public var trialCount: Int
    /// Accepted REPORT messages.
    public var reportCount: Int
    /// Rung results counted.
    public var rungResultCount: Int
    /// Log lines stored.
    public var lineCount: Int
    /// Engine input log length.
    public var engineEventCount: Int
}

/// A trial on the leaderboard. Order: feasible results (every objective constraint holds) before
/// infeasible ones, then highest resource reached (a result at a higher rung is more trustworthy),
/// then the objective value in the study's direction, then trial id.
public struct LeaderboardEntry: Codable, Sendable, Equatable {
    /// The trial.
    public var trial: TrialID
    /// Its configuration.
    public var config: Configuration
    /// Its lifecycle state.
    public var state: TrialStatus
    /// Highest rung with a result.
    public var rung: Int
    /// Resource at that rung.
    public var resource: Double
    /// Objective value at that rung (NaN if it diverged).
    public var value: Double
    /// All metrics reported with that rung result.
    public var metrics: MetricValues
    /// Attempt number.
    public var attempt: Int
    /// Worker of the current or last attempt.
    public var worker: String?
    /// Whether the result satisfies every constraint of the study's objective (true when it has
    /// none). Infeasible entries rank behind every feasible one.
    public var feasible: Bool

    enum CodingKeys: String, CodingKey {
        case trial, config, state, rung, resource, value, metrics, attempt, worker, feasible
    }

    /// Makes an entry.
    public init(trial: TrialID, config: Configuration, state: TrialStatus, rung: Int, resource: Double, value: Double,
                metrics: MetricValues, attempt: Int, worker: String?, feasible: Bool = true) {
        self.trial = trial; self.config = config; self.state = state; self.rung = rung; self.resource = resource
        self.value = value; self.metrics = metrics; self.attempt = attempt; self.worker = worker
        self.feasible = feasible
    }

    /// Decodes an entry; one from a coordinator that predates constraints (no `feasible`) is feasible.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        trial = try c.decode(TrialID.self, forKey: .trial)
        config = try c.decode(Configuration.self, forKey: .config)
        state = try c.decode(TrialStatus.self, forKey: .state)
        rung = try c.decode(Int.self, forKey: .rung)
        resource = try c.decode(Double.self, forKey: .resource)
        value = try c.decode(Double.self, forKey: .value)
        metrics = try c.decode(MetricValues.self, forKey: .metrics)
        attempt = try c.decode(Int.self, forKey: .attempt)
        worker = try c.decodeIfPresent(String.self, forKey: .worker)
        feasible = try c.decodeIfPresent(Bool.self, forKey: .feasible) ?? true
    }
}

/// The per-class report the store keeps for a trial: the latest attempt's.
public struct StoredClassReport: Codable, Sendable, Equatable {
    /// The trial.
    public var trial: TrialID
    /// The attempt whose PAUSED or DONE carried it.
    public var attempt: Int
    /// The resource that attempt reached.
    public var resource: Double
    /// When the coordinator stored it (seconds since 1970).
    public var recorded: Double
    /// The report.
    public var report: ClassReport

    /// Makes a stored report.
    public init(trial: TrialID, attempt: Int, resource: Double, recorded: Double, report: ClassReport) {
        self.trial = trial; self.attempt = attempt; self.resource = resource; self.recorded = recorded
        self.report = report
    }
}

/// Which part of the journal to read.
public struct LogQuery: Codable, Sendable, Equatable {
    /// One trial's entries, or nil for all trials and all decisions interleaved.
    public var trial: TrialID?
    /// Entries after this cursor (0 = from the start).
    public var after: Int64
    /// At most this many entries.
    public var limit: Int
    /// When set, only the last `tail` entries (after `after`), for a quick look at a long log.
    public var tail: Int?
    /// Include scheduler decisions (always true for `trial == nil`'s interleaving when set).
    public var includeDecisions: Bool

    /// Makes a query.
    public init(trial: TrialID? = nil, after: Int64 = 0, limit: Int = 10_000, tail: Int? = nil,
                includeDecisions: Bool = true) {
        self.trial = trial; self.after = after; self.limit = limit; self.tail = tail
        self.includeDecisions = includeDecisions
    }
}

/// A page of journal entries in commit order.
public struct LogPage: Codable, Sendable, Equatable {
    /// Entries in commit order.
    public var entries: [JournalEntry]
    /// Pass as `LogQuery.after` to read on (the last entry's cursor, or the query's own).
    public var cursor: Int64
}

/// One row of `rung export`: one trial at one epoch.
public struct ExportRow: Codable, Sendable, Equatable {
    /// The trial.
    public var trial: TrialID
    /// Attempt number.
    public var attempt: Int
    /// Epoch (resource unit).
    public var epoch: Int
    /// Seconds the epoch took (since the previous report of the attempt, or since the attempt
    /// started); nil if unknown.
    public var seconds: Double?
    /// Metric name → value at that epoch.
    public var metrics: MetricValues
    /// Its configuration.
    public var config: Configuration
}
