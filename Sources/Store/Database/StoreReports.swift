// Per-class reports and the study's full objective in the store: recording the report a PAUSED or
// DONE carried (deduplicated, zombie attempts refused, the latest attempt's kept), reading it back,
// and the objective with its constraints (parsed once from the stored study file) that ranks the
// leaderboard. Leaves out the leaderboard query itself (StoreQueries.swift).
import Foundation
import GRDB
import Search

extension StoreTransaction {
    /// Records the per-class report an attempt of `trial` sent with its PAUSED or DONE, as the
    /// trial's report: `.accepted` when stored (replacing an earlier attempt's), `.duplicate` when
    /// this attempt's report is already stored (a resend), `.superseded` when a later attempt's is
    /// stored or the attempt was ended as `.lost` (a zombie worker), `.unknown` for a trial or
    /// attempt the store does not know. A report whose shape is wrong throws `.invalidArgument`.
    public func recordClassReport(_ trial: TrialID, attempt: Int, resource: Double, report: ClassReport,
                                  now: Double) throws -> ReportOutcome {
        if let problem = report.problem {
            throw StoreError(.invalidArgument, "trial \(trial) attempt \(attempt): \(problem)")
        }
        guard let outcome = try Row.fetchOne(db, sql: "SELECT outcome FROM attempts WHERE trial = ? AND attempt = ?",
                                             arguments: [trial.rawValue, attempt]) else { return .unknown }
        if (outcome[0] as String?) == AttemptOutcome.lost.rawValue { return .superseded }
        let text = try ReportCoding.encode(report)
        if let stored = try Row.fetchOne(db, sql: "SELECT attempt, report FROM trial_reports WHERE trial = ?",
                                         arguments: [trial.rawValue]) {
            let storedAttempt: Int = stored[0]
            if storedAttempt > attempt { return .superseded }
            if storedAttempt == attempt, (stored[1] as String) == text { return .duplicate }
        }
        try db.execute(sql: """
            INSERT INTO trial_reports (trial, attempt, resource, report, recorded) VALUES (?, ?, ?, ?, ?)
            ON CONFLICT (trial) DO UPDATE SET attempt = excluded.attempt, resource = excluded.resource,
                report = excluded.report, recorded = excluded.recorded
            """, arguments: [trial.rawValue, attempt, resource, text, now])
        return .accepted
    }
}

extension StudyStore {
    /// Records a trial's per-class report in its own transaction; see
    /// `StoreTransaction.recordClassReport`.
    public func recordClassReport(_ trial: TrialID, attempt: Int, resource: Double, report: ClassReport,
                                  now: Double) throws -> ReportOutcome {
        try write { try $0.recordClassReport(trial, attempt: attempt, resource: resource, report: report, now: now) }
    }

    /// The per-class report of `trial` (the latest attempt's that sent one), or nil.
    public func classReport(_ trial: TrialID) throws -> StoredClassReport? {
        guard hasReports else { return nil }
        return try read { db in
            guard let row = try Row.fetchOne(db, sql: """
                SELECT trial, attempt, resource, report, recorded FROM trial_reports WHERE trial = ?
                """, arguments: [trial.rawValue]) else { return nil }
            return StoredClassReport(trial: TrialID(row[0] as Int), attempt: row[1], resource: row[2],
                                     recorded: row[4], report: try ReportCoding.decode(row[3]))
        }
    }

    /// How many trials have a per-class report.
    public func classReportCount() throws -> Int {
        guard hasReports else { return 0 }
        return try read { try Int.fetchOne($0, sql: "SELECT count(*) FROM trial_reports") ?? 0 }
    }

    /// The study's objective with its constraints and second objective, from the stored study
    /// file; a file that no longer parses (or a store made in code) gives the bare objective.
    public func objective() throws -> Objective {
        if let cached = objectiveCache.withLock({ $0 }) { return cached }
        let info = try read(Self.info)
        let objective = info.fullObjective
        objectiveCache.withLock { $0 = objective }
        return objective
    }
}

extension StudyInfo {
    /// The objective as the study file gives it (metric, direction, constraints, secondary); the
    /// bare metric and direction of this row when the file does not parse.
    public var fullObjective: Objective {
        if let study = try? Study.parse(yaml: yaml), study.objective.metric == objective {
            return study.objective
        }
        return Objective(metric: objective, direction: direction)
    }
}

/// `ClassReport` as the JSON text of a `trial_reports` row.
enum ReportCoding {
    static func encode(_ report: ClassReport) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return String(decoding: try encoder.encode(report), as: UTF8.self)
    }

    static func decode(_ text: String) throws -> ClassReport {
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        do { return try decoder.decode(ClassReport.self, from: Data(text.utf8)) } catch {
            throw StoreError(.corruptRecord, "a stored per-class report does not decode: \(error)")
        }
    }
}
