// Everything the coordinator records, as operations inside one write transaction. Each is also
// available as a one-call method on `StudyStore` (StudyStore+Writes.swift). Leaves out reads.
import Foundation
import GRDB
import Search

/// An open write transaction. Only valid inside `StudyStore.write`; do not keep it.
public struct StoreTransaction {
    let db: Database
    let store: StudyStore

    // MARK: Engine input log

    /// Appends one engine input (event and the `now` it was handled at) and returns its sequence
    /// number (1, 2, …). Replaying `StudyStore.engineEvents()` through a fresh engine rebuilds it.
    @discardableResult
    public func appendEngineEvent(_ event: SearchEvent, now: Double) throws -> Int64 {
        let text = try EventCoding.encode(event)
        try db.cachedStatement(sql: "INSERT INTO engine_events (event, now) VALUES (?, ?)")
            .execute(arguments: [text, now])
        return db.lastInsertedRowID
    }

    // MARK: Coordinator log

    /// Appends records to the coordinator's log (its source of truth; see `StudyStore.coordinatorLog()`).
    public func appendCoordinatorRecords(_ records: [String]) throws {
        let statement = try db.cachedStatement(sql: "INSERT INTO coordinator_log (record) VALUES (?)")
        for r in records { try statement.execute(arguments: [r]) }
    }

    // MARK: Study

    /// Sets the study's state (e.g. `.completed` when the engine answers `.complete`).
    public func setStudyState(_ state: StudyState) throws {
        try db.execute(sql: "UPDATE study SET state = ? WHERE id = 1", arguments: [state.rawValue])
    }

    /// Sets the study's state only if it is now `from` (a resume ends a pause, never a drain).
    public func setStudyState(_ state: StudyState, from: StudyState) throws {
        try db.execute(sql: "UPDATE study SET state = ? WHERE id = 1 AND state = ?", arguments: [state.rawValue, from.rawValue])
    }

    /// Records that the store now holds the first `position` records of the coordinator's journal.
    public func setJournalPosition(_ position: Int) throws {
        try db.execute(sql: "UPDATE study SET journal_position = ? WHERE id = 1", arguments: [position])
    }

    // MARK: Trials and attempts

    /// Inserts a trial, or updates its configuration, bracket and state if it exists.
    public func upsertTrial(_ trial: TrialID, config: Search.Configuration, bracket: Int, state: TrialStatus,
                            now: Double) throws {
        try db.execute(sql: """
            INSERT INTO trials (id, config, state, bracket, created, updated) VALUES (?, ?, ?, ?, ?, ?)
            ON CONFLICT (id) DO UPDATE SET config = excluded.config, bracket = excluded.bracket,
                state = excluded.state, updated = excluded.updated
            """, arguments: [trial.rawValue, FlatJSON.encode(config), state.rawValue, bracket, now, now])
    }

    /// Sets a trial's state; `error` is stored for `.failed` trials. An open attempt stays open:
    /// end it with `endAttempt`.
    public func setTrialState(_ trial: TrialID, _ state: TrialStatus, error: String? = nil, now: Double) throws {
        try db.execute(sql: "UPDATE trials SET state = ?, error = coalesce(?, error), updated = ? WHERE id = ?",
                       arguments: [state.rawValue, error, now, trial.rawValue])
        guard db.changesCount == 1 else { throw unknownTrial(trial) }
    }

    /// Clears a trial's error (an attempt that failed on one machine succeeded on another).
    public func clearTrialError(_ trial: TrialID) throws {
        try db.execute(sql: "UPDATE trials SET error = NULL WHERE id = ? AND error IS NOT NULL", arguments: [trial.rawValue])
    }

    /// Leases the trial to `worker`: opens attempt (previous + 1), which becomes the only attempt
    /// whose reports are accepted, and sets the trial `.leased`. Returns the new attempt number.
    /// A still-open previous attempt is ended as `.lost`.
    @discardableResult
    public func beginAttempt(_ trial: TrialID, worker: String, fromResource: Double, toResource: Double,
                             now: Double) throws -> Int {
        guard let row = try Row.fetchOne(db, sql: "SELECT attempt, attempt_open FROM trials WHERE id = ?",
                                         arguments: [trial.rawValue]) else { throw unknownTrial(trial) }
        let previous: Int = row[0]
        if (row[1] as Int) != 0 {
            try endAttempt(trial, attempt: previous, outcome: .lost, now: now)
        }
        let attempt = previous + 1
        try db.execute(sql: """
            INSERT INTO attempts (trial, attempt, worker, from_resource, to_resource, started)
            VALUES (?, ?, ?, ?, ?, ?)
            """, arguments: [trial.rawValue, attempt, worker, fromResource, toResource, now])
        try db.execute(sql: """
            UPDATE trials SET attempt = ?, attempt_open = 1, worker = ?, state = 'leased', updated = ?
            WHERE id = ?
            """, arguments: [attempt, worker, now, trial.rawValue])
        return attempt
    }

    /// Ends an attempt with `outcome`. Later reports of it are refused as `.superseded` (resent
    /// ones still answer `.duplicate`). Ending an attempt that already ended does nothing.
    public func endAttempt(_ trial: TrialID, attempt: Int, outcome: AttemptOutcome, now: Double) throws {
        try db.execute(sql: """
            UPDATE attempts SET ended = ?, outcome = ? WHERE trial = ? AND attempt = ? AND ended IS NULL
            """, arguments: [now, outcome.rawValue, trial.rawValue, attempt])
        try db.execute(sql: "UPDATE trials SET attempt_open = 0, updated = ? WHERE id = ? AND attempt = ?",
                       arguments: [now, trial.rawValue, attempt])
    }

    private func unknownTrial(_ trial: TrialID) -> StoreError {
        StoreError(.unknownEntity, "trial \(trial) is not in the store; record it with upsertTrial first")
    }

    /// The current attempt of a trial and whether it is open; nil for an unknown trial.
    func currentAttempt(_ trial: TrialID) throws -> (attempt: Int, open: Bool, state: String, worker: String?)? {
        guard let row = try Row.fetchOne(
            db.cachedStatement(sql: "SELECT attempt, attempt_open, state, worker FROM trials WHERE id = ?"),
            arguments: [trial.rawValue]) else { return nil }
        return (row[0], (row[1] as Int) != 0, row[2], row[3])
    }

    /// Sorts a message from (trial, attempt, seq) that is not a duplicate: nil if it may be stored.
    private func refusal(_ trial: TrialID, attempt: Int,
                         _ current: (attempt: Int, open: Bool, state: String, worker: String?)?) -> ReportOutcome? {
        guard let current, attempt >= 1, attempt <= current.attempt else { return .unknown }
        return attempt == current.attempt && current.open ? nil : .superseded
    }

    // MARK: Reports

    /// Records one REPORT: its epoch metrics and, with a `RungMark`, the trial's rung result.
    /// Answers `.duplicate` for a (trial, attempt, seq) seen before, `.superseded` for a report of
    /// an attempt that is no longer the open one, `.repeatedRung` when the rung result was
    /// already counted, `.accepted` otherwise. Only `.accepted` rung results go to the engine.
    public func recordReport(_ row: TrialReport) throws -> ReportOutcome {
        let report = row.report, time = row.receivedAt
        // Hot path: one integer packs the attempt, whether it is open, and whether the trial is
        // still `leased` (-1 for an unknown trial), so no row is materialised.
        let packed = try Int.fetchOne(db.cachedStatement(sql: """
            SELECT attempt * 4 + attempt_open * 2 + (state = 'leased') FROM trials WHERE id = ?
            """), arguments: [report.trial.rawValue]) ?? -1
        let current = packed < 0 ? nil : (attempt: packed >> 2, open: packed & 2 != 0,
                                          state: packed & 1 != 0 ? "leased" : "", worker: String?.none)
        if let refused = refusal(report.trial, attempt: report.attempt, current) {
            let seen = try Bool.fetchOne(db.cachedStatement(sql: """
                SELECT EXISTS (SELECT 1 FROM epoch_metrics WHERE trial = ? AND attempt = ? AND seq = ?)
                """), arguments: [report.trial.rawValue, report.attempt, report.seq]) ?? false
            return seen ? .duplicate : refused
        }
        try db.cachedStatement(sql: """
            INSERT INTO epoch_metrics (trial, attempt, seq, epoch, metrics, time) VALUES (?, ?, ?, ?, ?, ?)
            ON CONFLICT DO NOTHING
            """).execute(arguments: [report.trial.rawValue, report.attempt, report.seq, report.epoch,
                                     FlatJSON.encode(report.metrics), time])
        if db.changesCount == 0 { return .duplicate }
        if current!.state == TrialStatus.leased.rawValue {
            try db.cachedStatement(sql: "UPDATE trials SET state = 'running', updated = ? WHERE id = ?")
                .execute(arguments: [time, report.trial.rawValue])
        }
        guard let mark = row.rung else { return .accepted }
        let value: Double? = mark.value.isNaN ? nil : mark.value
        try db.cachedStatement(sql: """
            INSERT INTO rung_results (trial, rung, resource, value, metrics, attempt, recorded)
            VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING
            """).execute(arguments: [report.trial.rawValue, mark.rung, mark.resource, value,
                                     FlatJSON.encode(report.metrics), report.attempt, time])
        if db.changesCount == 0 { return .repeatedRung }
        try db.cachedStatement(sql: """
            UPDATE trials SET rung = ?, resource = ?, value = ?, updated = ?
            WHERE id = ? AND (rung IS NULL OR rung < ?)
            """).execute(arguments: [mark.rung, mark.resource, value, time, report.trial.rawValue, mark.rung])
        return .accepted
    }

    // MARK: Journal: log lines and decisions

    /// Records one LOG line. Dedupe as for reports; but a line of an attempt that has ended is
    /// still the trial's output (a last stderr line after FAILED, a line after PAUSED) and is
    /// accepted, unless that attempt was ended as `.lost`: then its worker is a zombie and the line
    /// is `.superseded`. Never `.repeatedRung`. Accepted lines are appended to
    /// `logs/trial-<id>.log` after the commit.
    public func recordLog(_ line: LogLine) throws -> ReportOutcome {
        var current = try currentAttempt(line.trial)
        if let refused = refusal(line.trial, attempt: line.attempt, current) {
            let seen = try Bool.fetchOne(db.cachedStatement(sql: """
                SELECT EXISTS (SELECT 1 FROM journal WHERE trial = ? AND attempt = ? AND seq = ? AND decision IS NULL)
                """), arguments: [line.trial.rawValue, line.attempt, line.seq]) ?? false
            if seen { return .duplicate }
            guard refused == .superseded, let ended = try Row.fetchOne(db.cachedStatement(sql: """
                SELECT outcome, worker FROM attempts WHERE trial = ? AND attempt = ?
                """), arguments: [line.trial.rawValue, line.attempt]),
                (ended[0] as String?) != AttemptOutcome.lost.rawValue else { return refused }
            current?.worker = ended[1]
        }
        try db.cachedStatement(sql: """
            INSERT INTO journal (time, trial, attempt, seq, worker, stream, text) VALUES (?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT DO NOTHING
            """).execute(arguments: [line.time, line.trial.rawValue, line.attempt, line.seq, current!.worker,
                                     line.stream.rawValue, line.text])
        if db.changesCount == 0 { return .duplicate }
        mirror(JournalEntry(cursor: db.lastInsertedRowID, time: line.time, trial: line.trial,
                            attempt: line.attempt, worker: current!.worker, stream: line.stream,
                            seq: line.seq, decision: nil, text: line.text))
        return .accepted
    }

    /// Records a scheduler or lifecycle decision in the journal (`rung logs --all`); one about a
    /// trial also goes to that trial's log file. Returns its cursor.
    @discardableResult
    public func recordDecision(_ decision: DecisionRecord) throws -> Int64 {
        try db.cachedStatement(sql: """
            INSERT INTO journal (time, trial, attempt, worker, decision, text) VALUES (?, ?, ?, ?, ?, ?)
            """).execute(arguments: [decision.time, decision.trial?.rawValue, decision.attempt, decision.worker,
                                     decision.kind.rawValue, decision.detail])
        let cursor = db.lastInsertedRowID
        if decision.trial != nil {
            mirror(JournalEntry(cursor: cursor, time: decision.time, trial: decision.trial,
                                attempt: decision.attempt, worker: decision.worker, stream: nil, seq: nil,
                                decision: decision.kind, text: decision.detail))
        }
        return cursor
    }

    private func mirror(_ entry: JournalEntry) {
        store.mirror?.enqueue(entry, in: db)
    }

    // MARK: Workers

    /// Inserts or replaces a worker (HELLO).
    public func upsertWorker(_ worker: WorkerRecord) throws {
        try db.execute(sql: """
            INSERT INTO workers (id, name, host, slots, last_heartbeat, state, joined, note) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (id) DO UPDATE SET name = excluded.name, host = excluded.host, slots = excluded.slots,
                last_heartbeat = excluded.last_heartbeat, state = excluded.state, note = excluded.note
            """, arguments: [worker.id, worker.name, worker.host, worker.slots, worker.lastHeartbeat,
                             worker.state.rawValue, worker.joined, worker.note])
    }

    /// Notes a heartbeat (the worker is `.active` again if it was marked lost).
    public func heartbeat(worker: String, now: Double) throws {
        try db.cachedStatement(sql: "UPDATE workers SET last_heartbeat = ?, state = CASE state WHEN 'quarantined' THEN state ELSE 'active' END WHERE id = ?")
            .execute(arguments: [now, worker])
    }

    /// Sets a worker's state (`.lost` when its lease expired, `.left` on a clean goodbye).
    public func setWorkerState(_ worker: String, _ state: WorkerState) throws {
        try db.execute(sql: "UPDATE workers SET state = ? WHERE id = ?", arguments: [state.rawValue, worker])
    }

    /// Lifts a worker's quarantine: active again if it was quarantined (a worker that left stays
    /// left), its note cleared.
    public func releaseWorker(_ worker: String) throws {
        try db.execute(sql: "UPDATE workers SET state = CASE state WHEN 'quarantined' THEN 'active' ELSE state END, note = NULL WHERE id = ?",
                       arguments: [worker])
    }

    /// Sets a worker's state and its note (why it is quarantined; nil clears it).
    public func setWorkerState(_ worker: String, _ state: WorkerState, note: String?) throws {
        try db.execute(sql: "UPDATE workers SET state = ?, note = ? WHERE id = ?", arguments: [state.rawValue, note, worker])
    }
}
