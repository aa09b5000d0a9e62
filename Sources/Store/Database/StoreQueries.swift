// The read side of the study store: replay input, status, trials, leaderboard, journal pages and
// export rows. Every method reads one consistent snapshot. Leaves out writes (StoreTransaction).
import Foundation
import GRDB
import Search

extension StudyStore: StudyReading {
    /// The engine input log in the order it was appended: feed it to `SearchEngine.replay`.
    public func engineEvents() throws -> [(SearchEvent, Double)] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT seq, event, now FROM engine_events ORDER BY seq").map { row in
                (try EventCoding.decode(row[1], seq: row[0]), row[2] as Double)
            }
        }
    }

    /// The study row.
    public func studyInfo() throws -> StudyInfo {
        try read(Self.info)
    }

    static func info(_ db: Database) throws -> StudyInfo {
        guard let row = try Row.fetchOne(db, sql: "SELECT name, yaml, objective, direction, created, state FROM study") else {
            throw StoreError(.notAStudyDirectory, "the study row is missing")
        }
        guard let direction = Direction(rawValue: row[3]), let state = StudyState(rawValue: row[5]) else {
            throw StoreError(.corruptRecord, "the study row holds an unknown direction or state")
        }
        return StudyInfo(name: row[0], yaml: row[1], objective: row[2], direction: direction, created: row[4], state: state)
    }

    /// All trials by id.
    /// With the metrics of each trial's highest rung result and whether they are feasible.
    public func trials() throws -> [StoredTrial] {
        let objective = try objective()
        return try read { db in
            try Row.fetchAll(db, sql: "\(Self.trialColumns) ORDER BY t.id").map { try StoredTrial(row: $0, objective: objective) }
        }
    }

    /// One trial, or nil.
    public func trial(_ id: TrialID) throws -> StoredTrial? {
        let objective = try objective()
        return try read { db in
            try Row.fetchOne(db, sql: "\(Self.trialColumns) WHERE t.id = ?", arguments: [id.rawValue])
                .map { try StoredTrial(row: $0, objective: objective) }
        }
    }

    /// A trial row with the metrics of its highest rung result (`rung_metrics`, NULL before one).
    static let trialColumns = """
        SELECT t.*, r.metrics AS rung_metrics FROM trials t LEFT JOIN rung_results r ON r.trial = t.id AND r.rung = t.rung
        """

    /// The attempts of a trial, first to last.
    public func attempts(_ trial: TrialID) throws -> [AttemptRecord] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM attempts WHERE trial = ? ORDER BY attempt", arguments: [trial.rawValue])
                .map(AttemptRecord.init(row:))
        }
    }

    /// Attempts that were begun and not ended, by trial: after a coordinator restart, the leases
    /// a reconnecting worker may still hold.
    public func openAttempts() throws -> [AttemptRecord] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM attempts WHERE ended IS NULL ORDER BY trial, attempt")
                .map(AttemptRecord.init(row:))
        }
    }

    /// The rung results of a trial by rung: (rung, resource, value, attempt).
    public func rungResults(_ trial: TrialID) throws -> [(rung: Int, resource: Double, value: Double, attempt: Int)] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT rung, resource, value, attempt FROM rung_results WHERE trial = ? ORDER BY rung",
                             arguments: [trial.rawValue])
                .map { ($0[0], $0[1], ($0[2] as Double?) ?? .nan, $0[3]) }
        }
    }

    /// All workers by id.
    public func workers() throws -> [WorkerRecord] {
        try read(Self.workers)
    }

    static func workers(_ db: Database) throws -> [WorkerRecord] {
        try Row.fetchAll(db, sql: "SELECT * FROM workers ORDER BY id").map { row in
            WorkerRecord(id: row["id"], name: row["name"], host: row["host"], slots: row["slots"],
                         lastHeartbeat: row["last_heartbeat"],
                         state: WorkerState(rawValue: row["state"]) ?? .lost, joined: row["joined"],
                         note: row.hasColumn("note") ? row["note"] : nil)
        }
    }

    /// Trials by state and rung, workers, best so far, and totals.
    public func summary() throws -> StudySummary {
        let objective = try objective()
        return try read { db in
            let info = try Self.info(db)
            let counts = try Row.fetchAll(db, sql: "SELECT state, rung, count(*) FROM trials GROUP BY state, rung")
                .compactMap { row -> StateCount? in
                    guard let state = TrialStatus(rawValue: row[0]) else { return nil }
                    return StateCount(state: state, rung: row[1], count: row[2])
                }
                .sorted {
                    let a = TrialStatus.allCases.firstIndex(of: $0.state)!, b = TrialStatus.allCases.firstIndex(of: $1.state)!
                    return a != b ? a < b : ($0.rung ?? -1) < ($1.rung ?? -1)
                }
            func count(_ table: String, _ filter: String = "") throws -> Int {
                try Int.fetchOne(db, sql: "SELECT count(*) FROM \(table) \(filter)") ?? 0
            }
            return StudySummary(
                info: info, counts: counts, workers: try Self.workers(db),
                best: try Self.leaderboard(db, objective: objective, limit: 1).first,
                trialCount: try count("trials"), reportCount: try count("epoch_metrics"),
                rungResultCount: try count("rung_results"), lineCount: try count("journal", "WHERE decision IS NULL"),
                engineEventCount: try count("engine_events"))
        }
    }

    /// The best `limit` trials: feasible before infeasible, then highest resource reached, then
    /// best value (NaN and ±∞ last), then lowest id.
    public func leaderboard(limit: Int = 10) throws -> [LeaderboardEntry] {
        let objective = try objective()
        return try read { db in try Self.leaderboard(db, objective: objective, limit: limit) }
    }

    /// Reads trials in the unconstrained order (resource, value, id) and moves the infeasible ones
    /// behind the feasible ones, stopping as soon as `limit` feasible entries are found.
    static func leaderboard(_ db: Database, objective: Objective, limit: Int) throws -> [LeaderboardEntry] {
        let order = objective.direction == .minimize ? "ASC" : "DESC"
        let limit = max(0, limit)
        let constrained = !objective.constraints.isEmpty
        let cursor = try Row.fetchCursor(db, sql: """
            SELECT t.id, t.config, t.state, t.rung, t.resource, t.value, t.attempt, t.worker, r.metrics
            FROM trials t JOIN rung_results r ON r.trial = t.id AND r.rung = t.rung
            ORDER BY t.resource DESC, (t.value IS NULL OR abs(t.value) > 1.7976931348623157e308), t.value \(order), t.id
            \(constrained ? "" : "LIMIT \(limit)")
            """)
        var feasible: [LeaderboardEntry] = [], infeasible: [LeaderboardEntry] = []
        while feasible.count < limit, let row = try cursor.next() {
            let value = (row[5] as Double?) ?? .nan
            let metrics = try FlatJSON.decodeMetrics(row[8])
            let ok = objective.isFeasible(value: value, metrics: metrics)
            guard ok || infeasible.count < limit else { continue }
            let entry = LeaderboardEntry(trial: TrialID(row[0] as Int), config: try FlatJSON.decodeConfiguration(row[1]),
                                         state: TrialStatus(rawValue: row[2]) ?? .queued, rung: row[3], resource: row[4],
                                         value: value, metrics: metrics, attempt: row[6], worker: row[7], feasible: ok)
            if ok { feasible.append(entry) } else { infeasible.append(entry) }
        }
        return Array((feasible + infeasible).prefix(limit))
    }

    /// A page of the journal in commit order. With `query.trial` set, that trial's lines (and its
    /// decisions if `includeDecisions`), across all its attempts and workers; otherwise all lines
    /// and decisions interleaved (`rung logs --all`).
    public func logs(_ query: LogQuery) throws -> LogPage {
        var filters = ["id > ?"]
        var arguments: StatementArguments = [query.after]
        if let trial = query.trial {
            filters.append("trial = ?")
            arguments += [trial.rawValue]
        }
        if !query.includeDecisions { filters.append("decision IS NULL") }
        let columns = "id, time, trial, attempt, seq, worker, stream, decision, text"
        let whereClause = filters.joined(separator: " AND ")
        let sql: String
        if let tail = query.tail {
            sql = "SELECT * FROM (SELECT \(columns) FROM journal WHERE \(whereClause) ORDER BY id DESC LIMIT \(max(0, min(tail, query.limit)))) ORDER BY id"
        } else {
            sql = "SELECT \(columns) FROM journal WHERE \(whereClause) ORDER BY id LIMIT \(max(0, query.limit))"
        }
        let entries = try read { db in try Row.fetchAll(db, sql: sql, arguments: arguments).map(JournalEntry.init(row:)) }
        return LogPage(entries: entries, cursor: entries.last?.cursor ?? query.after)
    }

    /// One row per trial per epoch, by trial then epoch. When an epoch was run by several attempts
    /// (a resume from an older checkpoint), the latest attempt's row stands, unless `allAttempts`.
    public func exportRows(allAttempts: Bool = false) throws -> [ExportRow] {
        try read { db in
            var configs: [Int: Search.Configuration] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT id, config FROM trials") {
                configs[row[0]] = try FlatJSON.decodeConfiguration(row[1])
            }
            var starts: [String: Double] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT trial, attempt, started FROM attempts") {
                starts["\(row[0] as Int)/\(row[1] as Int)"] = row[2]
            }
            // Seconds per epoch: the gap to the previous report of the same attempt.
            var previous: [String: Double] = [:]
            var rows: [ExportRow] = []
            let cursor = try Row.fetchCursor(db, sql: "SELECT trial, attempt, epoch, metrics, time FROM epoch_metrics ORDER BY trial, attempt, seq")
            while let row = try cursor.next() {
                let trial: Int = row[0], attempt: Int = row[1], time: Double = row[4]
                let key = "\(trial)/\(attempt)"
                let since = previous[key] ?? starts[key]
                previous[key] = time
                rows.append(ExportRow(trial: TrialID(trial), attempt: attempt, epoch: row[2],
                                      seconds: since.map { max(0, time - $0) },
                                      metrics: try FlatJSON.decodeMetrics(row[3]), config: configs[trial] ?? [:]))
            }
            rows.sort { ($0.trial, $0.epoch, $0.attempt) < ($1.trial, $1.epoch, $1.attempt) }
            if allAttempts { return rows }
            var latest: [ExportRow] = []
            for row in rows {
                if let last = latest.last, last.trial == row.trial, last.epoch == row.epoch { latest[latest.count - 1] = row } else { latest.append(row) }
            }
            return latest
        }
    }
}

extension StoredTrial {
    init(row: Row, objective: Objective) throws {
        guard let state = TrialStatus(rawValue: row["state"]) else {
            throw StoreError(.corruptRecord, "trial \(row["id"] as Int) has unknown state \(row["state"] as String)")
        }
        let value: Double? = row["rung"] == nil ? nil : ((row["value"] as Double?) ?? .nan)
        let metrics = try (row["rung_metrics"] as String?).map(FlatJSON.decodeMetrics)
        self.init(id: TrialID(row["id"] as Int), config: try FlatJSON.decodeConfiguration(row["config"]),
                  state: state, bracket: row["bracket"], rung: row["rung"], resource: row["resource"],
                  value: value, attempt: row["attempt"], worker: row["worker"], created: row["created"],
                  updated: row["updated"], error: row["error"], metrics: metrics,
                  feasible: metrics.map { objective.isFeasible(value: value ?? .nan, metrics: $0) })
    }
}

extension JournalEntry {
    init(row: Row) {
        self.init(cursor: row[0], time: row[1], trial: (row[2] as Int?).map { TrialID($0) }, attempt: row[3],
                  worker: row[5], stream: (row[6] as String?).flatMap(LogStream.init(rawValue:)), seq: row[4],
                  decision: (row[7] as String?).flatMap(DecisionKind.init(rawValue:)), text: row[8])
    }
}

extension AttemptRecord {
    init(row: Row) {
        self.init(trial: TrialID(row["trial"] as Int), attempt: row["attempt"], worker: row["worker"],
                  fromResource: row["from_resource"], toResource: row["to_resource"],
                  started: row["started"], ended: row["ended"],
                  outcome: (row["outcome"] as String?).flatMap(AttemptOutcome.init(rawValue:)))
    }
}
