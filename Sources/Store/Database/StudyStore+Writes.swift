// One-call forms of the write operations: each runs in its own transaction and is committed when
// it returns. To commit several together (a drained socket, a decision and its engine event), use
// `StudyStore.write { tx in … }` instead. Leaves out the operations' rules (StoreTransaction).
import Search

extension StudyStore {
    /// Appends one engine input; see `StoreTransaction.appendEngineEvent`.
    @discardableResult
    public func appendEngineEvent(_ event: SearchEvent, now: Double) throws -> Int64 {
        try write { try $0.appendEngineEvent(event, now: now) }
    }

    /// Records one report; see `StoreTransaction.recordReport`.
    public func recordReport(_ report: TrialReport) throws -> ReportOutcome {
        try write { try $0.recordReport(report) }
    }

    /// Records many reports in one transaction, answering each in order.
    public func recordReports(_ reports: [TrialReport]) throws -> [ReportOutcome] {
        try write { tx in try reports.map { try tx.recordReport($0) } }
    }

    /// Records one log line; see `StoreTransaction.recordLog`.
    public func recordLog(_ line: LogLine) throws -> ReportOutcome {
        try write { try $0.recordLog(line) }
    }

    /// Records many log lines in one transaction, answering each in order.
    public func recordLogs(_ lines: [LogLine]) throws -> [ReportOutcome] {
        try write { tx in try lines.map { try tx.recordLog($0) } }
    }

    /// Records a decision; see `StoreTransaction.recordDecision`.
    @discardableResult
    public func recordDecision(_ decision: DecisionRecord) throws -> Int64 {
        try write { try $0.recordDecision(decision) }
    }

    /// Inserts or updates a trial; see `StoreTransaction.upsertTrial`.
    public func upsertTrial(_ trial: TrialID, config: Configuration, bracket: Int, state: TrialStatus, now: Double) throws {
        try write { try $0.upsertTrial(trial, config: config, bracket: bracket, state: state, now: now) }
    }

    /// Sets a trial's state; see `StoreTransaction.setTrialState`.
    public func setTrialState(_ trial: TrialID, _ state: TrialStatus, error: String? = nil, now: Double) throws {
        try write { try $0.setTrialState(trial, state, error: error, now: now) }
    }

    /// Opens the next attempt of a trial; see `StoreTransaction.beginAttempt`.
    @discardableResult
    public func beginAttempt(_ trial: TrialID, worker: String, fromResource: Double, toResource: Double,
                             now: Double) throws -> Int {
        try write { try $0.beginAttempt(trial, worker: worker, fromResource: fromResource, toResource: toResource, now: now) }
    }

    /// Ends an attempt; see `StoreTransaction.endAttempt`.
    public func endAttempt(_ trial: TrialID, attempt: Int, outcome: AttemptOutcome, now: Double) throws {
        try write { try $0.endAttempt(trial, attempt: attempt, outcome: outcome, now: now) }
    }

    /// Inserts or replaces a worker; see `StoreTransaction.upsertWorker`.
    public func upsertWorker(_ worker: WorkerRecord) throws {
        try write { try $0.upsertWorker(worker) }
    }

    /// Notes a heartbeat; see `StoreTransaction.heartbeat`.
    public func heartbeat(worker: String, now: Double) throws {
        try write { try $0.heartbeat(worker: worker, now: now) }
    }

    /// Sets a worker's state; see `StoreTransaction.setWorkerState`.
    public func setWorkerState(_ worker: String, _ state: WorkerState) throws {
        try write { try $0.setWorkerState(worker, state) }
    }

    /// Sets the study's state; see `StoreTransaction.setStudyState`.
    public func setStudyState(_ state: StudyState) throws {
        try write { try $0.setStudyState(state) }
    }

    /// The coordinator's log records in order (empty for a new study).
    public func coordinatorLog() throws -> [String] {
        try read { db in try String.fetchAll(db, sql: "SELECT record FROM coordinator_log ORDER BY seq") }
    }

    /// How many trials and engine events the store holds: what a study with an empty coordinator log must not have.
    public func contentCounts() throws -> (trials: Int, engineEvents: Int) {
        try read { db in
            (try Int.fetchOne(db, sql: "SELECT count(*) FROM trials") ?? 0,
             try Int.fetchOne(db, sql: "SELECT count(*) FROM engine_events") ?? 0)
        }
    }

    /// How many coordinator journal records the store holds (see `StoreTransaction.setJournalPosition`).
    public func journalPosition() throws -> Int {
        try read { db in try Int.fetchOne(db, sql: "SELECT journal_position FROM study WHERE id = 1") ?? 0 }
    }
}
