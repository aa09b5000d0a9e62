// Everything the pictures of a study are drawn from, read in one go through `StudyReading` (so the
// same views serve a study directory and a live coordinator), plus the scheduler decisions kept
// incrementally by `DecisionLog`. Leaves out drawing (Charts, StudyPage) and serving (Dashboard).
import Foundation
import Search
import Store

/// One point of a trial's learning curve: the objective metric after an epoch.
public struct CurvePoint: Sendable, Equatable, Codable {
    /// Epoch (resource unit).
    public var epoch: Int
    /// The objective metric's value then.
    public var value: Double
    /// Makes a point.
    public init(epoch: Int, value: Double) { self.epoch = epoch; self.value = value }
}

/// A study as read at one moment.
public struct StudySnapshot: Sendable {
    /// The study row.
    public var info: StudyInfo
    /// The study file parsed (budget, space), or nil if it no longer parses.
    public var study: Study?
    /// The objective with its constraints and second objective.
    public var objective: Objective
    /// Counts, workers, best.
    public var summary: StudySummary
    /// All trials by id.
    public var trials: [StoredTrial]
    /// Each trial's objective metric by epoch (latest attempt's values).
    public var curves: [TrialID: [CurvePoint]]
    /// Scheduler decisions in commit order (no log lines).
    public var decisions: [JournalEntry]
    /// The whole leaderboard, best first.
    public var leaderboard: [LeaderboardEntry]
    /// The Pareto front of the objective against the second objective (or `latency_ms`).
    public var pareto: ParetoView
    /// When it was read (seconds since 1970).
    public var taken: Double

    /// Makes a snapshot from parts already read.
    public init(info: StudyInfo, summary: StudySummary, trials: [StoredTrial], exportRows: [ExportRow],
                decisions: [JournalEntry], leaderboard: [LeaderboardEntry], taken: Double) {
        self.info = info
        study = try? Study.parse(yaml: info.yaml)
        objective = info.fullObjective
        self.summary = summary
        self.trials = trials
        var curves: [TrialID: [CurvePoint]] = [:]
        for row in exportRows {
            guard let v = row.metrics[info.objective] else { continue }
            curves[row.trial, default: []].append(CurvePoint(epoch: row.epoch, value: v))
        }
        for (k, v) in curves { curves[k] = v.sorted { $0.epoch < $1.epoch } }
        self.curves = curves
        self.decisions = decisions
        self.leaderboard = leaderboard
        pareto = ParetoView(entries: leaderboard, objective: objective,
                            against: objective.secondary ?? ParetoView.defaultAgainst)
        self.taken = taken
    }

    /// Reads a snapshot; `decisions` carries the decisions read so far and is brought up to date.
    public static func read(from reader: any StudyReading, decisions: inout DecisionLog,
                            now: Double = Date().timeIntervalSince1970) async throws -> StudySnapshot {
        let summary = try await reader.summary()
        let trials = try await reader.trials()
        let rows = try await reader.exportRows(allAttempts: false)
        let board = try await reader.leaderboard(limit: 1_000_000)
        try await decisions.catchUp(reader)
        return StudySnapshot(info: summary.info, summary: summary, trials: trials, exportRows: rows,
                             decisions: decisions.entries, leaderboard: board, taken: now)
    }

    /// The resources of the rungs (from the study's budget), or the resources seen so far.
    public var rungResources: [Double] {
        if let study { return RungLadder(study.budget).rungs }
        let seen = Set(trials.compactMap { t in t.rung.map { _ in t.resource } })
        return seen.sorted()
    }

    /// The name of the resource (`epochs`).
    public var resourceName: String { study?.budget.resource ?? "epochs" }

    /// Trials that finished (completed, stopped or failed).
    public var finishedCount: Int { trials.filter { $0.state.isFinal }.count }

    /// How many trials the study will run, if it says.
    public var plannedTrials: Int? { study?.trials }

    /// A best-first key: smaller is better (NaN last).
    func loss(_ v: Double) -> Double { objective.loss(v) }

    /// The trial currently best (the leaderboard's first entry).
    public var best: LeaderboardEntry? { leaderboard.first }
}

/// The study's scheduler decisions, read page by page and kept between reads.
public struct DecisionLog: Sendable {
    /// Decisions in commit order.
    public private(set) var entries: [JournalEntry] = []
    /// The journal cursor read up to.
    public private(set) var cursor: Int64 = 0

    /// An empty log.
    public init() {}

    /// Reads the journal after `cursor` (pages of 5000) and keeps its decisions.
    public mutating func catchUp(_ reader: any StudyReading) async throws {
        while true {
            let page = try await reader.logs(LogQuery(after: cursor, limit: 5000, includeDecisions: true))
            entries += page.entries.filter { $0.decision != nil }
            let moved = page.cursor != cursor
            cursor = page.cursor
            if page.entries.count < 5000 || !moved { return }
        }
    }
}
