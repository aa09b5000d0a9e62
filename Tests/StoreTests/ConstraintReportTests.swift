// Objective constraints on the leaderboard (infeasible results behind every feasible one, never
// best), trial rows with their rung metrics and feasibility, the Pareto view, per-class reports
// (dedupe, zombie and superseded attempts, shape checks, non-finite figures) and a store made
// before the `trial_reports` table, read and then migrated.
import Foundation
import GRDB
import Testing
import Search
@testable import Store

private let constrainedYAML = """
    name: cost
    objective:
      metric: acc
      direction: maximize
      constraints: ["latency_ms <= 5", "acc > 0.1"]
      secondary: {metric: params_total, direction: minimize}
    budget: {min_resource: 1, max_resource: 3, reduction_factor: 3}
    trials: 8
    space:
      lr: {type: loguniform, low: 1e-5, high: 1e-1}
    """

/// Trials of (acc, latency_ms, params_total, rung); rung 1 is the top (resource 3).
private func costStudy(_ points: [(Double, Double, Double, Int)], name: String = #function) throws -> StudyStore {
    let info = StudyInfo(name: "cost", yaml: constrainedYAML, objective: "acc", direction: .maximize, created: 1)
    let store = try StudyStore.create(StudyDirectory(temporaryDirectory(name).appendingPathComponent("study")), info: info)
    for (t, p) in points.enumerated() {
        try lease(store, t)
        for rung in 0...p.3 {
            let epoch = rung == 0 ? 1 : 3
            let metrics: MetricValues = ["acc": p.0, "latency_ms": p.1, "params_total": p.2]
            _ = try store.recordReport(TrialReport(trial: TrialID(t), attempt: 1, seq: rung + 1, epoch: epoch, metrics: metrics,
                                                   time: 20, rung: RungMark(rung: rung, resource: Double(epoch), value: p.0)))
        }
        try store.setTrialState(TrialID(t), p.3 == 1 ? .completed : .stopped, now: 30)
    }
    return store
}

@Suite struct ConstraintReportTests {
    // 0: best accuracy but too slow; 1 and 2 feasible at the top rung; 3 fails `acc > 0.1`;
    // 4: a stopped trial at rung 0 (feasible); 5: feasible, completed, dominated.
    let points: [(Double, Double, Double, Int)] = [(0.95, 9, 10, 1), (0.90, 4, 50, 1), (0.80, 2, 20, 1),
                                                   (0.05, 1, 5, 1), (0.99, 1, 5, 0), (0.70, 5, 30, 1)]

    @Test func infeasibleTrialsRankBehindEveryFeasibleOneAndAreNeverBest() throws {
        let store = try costStudy(points)
        let board = try store.leaderboard(limit: 10)
        #expect(board.map(\.trial.rawValue) == [1, 2, 5, 4, 0, 3])
        #expect(board.map(\.feasible) == [true, true, true, true, false, false])
        #expect(try store.leaderboard(limit: 2).map(\.trial.rawValue) == [1, 2])
        #expect(try store.summary().best?.trial == TrialID(1))
        // A limit smaller than the feasible count never shows an infeasible one.
        #expect(try store.leaderboard(limit: 4).allSatisfy(\.feasible))
    }

    @Test func everyTrialInfeasibleStillRanksThemInOrder() throws {
        let store = try costStudy([(0.9, 7, 1, 1), (0.95, 8, 1, 1)])
        let board = try store.leaderboard(limit: 5)
        #expect(board.map(\.trial.rawValue) == [1, 0] && board.allSatisfy { !$0.feasible })
    }

    @Test func trialRowsCarryTheirRungMetricsAndFeasibility() throws {
        let store = try costStudy(points)
        try lease(store, 6)
        let trials = try store.trials()
        #expect(trials.map(\.feasible) == [false, true, true, false, true, true, nil])
        #expect(trials[1].metrics == ["acc": 0.90, "latency_ms": 4, "params_total": 50])
        #expect(trials[6].metrics == nil)
        #expect(try store.trial(TrialID(0))?.feasible == false)
    }

    @Test func paretoViewIsTheFrontOfFinishedFeasibleTrials() async throws {
        let store = try costStudy(points)
        // Against the study's secondary (params_total, min): 1 (0.90, 50), 2 (0.80, 20), 5 (0.70, 30).
        let view = try await store.paretoFront()
        #expect(view.against == SecondaryObjective(metric: "params_total", direction: .minimize))
        #expect(view.candidates == 3)
        #expect(view.front.map(\.trial.rawValue) == [1, 2])
        // Against latency_ms, 5 is dominated by 2 as well; against images/s (max) nothing reports it.
        let latency = try await store.paretoFront(against: SecondaryObjective(metric: "latency_ms", direction: .minimize))
        #expect(latency.front.map(\.trial.rawValue) == [1, 2])
        let more = try await store.paretoFront(against: SecondaryObjective(metric: "latency_ms", direction: .maximize))
        #expect(more.front.map(\.trial.rawValue) == [1, 5])
        #expect(try await store.paretoFront(against: SecondaryObjective(metric: "images_per_s", direction: .maximize)).front.isEmpty)
    }

    static let sample = ClassReport(split: "test", classNames: ["t-shirt", "trouser", "bag"], accuracy: 0.5,
                                    precision: [0.5, .nan, 1], recall: [1, 0, 0.5], f1: [2.0 / 3, 0, 2.0 / 3],
                                    support: [1, 1, 2], confusion: [[1, 0, 0], [1, 0, 0], [0, 1, 1]])

    @Test func classReportIsKeptPerTrialOnceAndTheLatestAttemptWins() throws {
        let store = try makeStore()
        try lease(store, 0)
        #expect(try store.classReport(TrialID(0)) == nil)
        #expect(try store.recordClassReport(TrialID(0), attempt: 1, resource: 9, report: Self.sample, now: 40) == .accepted)
        #expect(try store.recordClassReport(TrialID(0), attempt: 1, resource: 9, report: Self.sample, now: 41) == .duplicate)
        let stored = try #require(try store.classReport(TrialID(0)))
        #expect(stored.attempt == 1 && stored.resource == 9 && stored.recorded == 40)
        #expect(stored.report.precision[1].isNaN && stored.report.confusion == Self.sample.confusion)
        #expect(stored.report.classNames == ["t-shirt", "trouser", "bag"] && stored.report.f1 == Self.sample.f1)

        // Attempt 2 replaces it; attempt 1's resend is then superseded.
        try store.endAttempt(TrialID(0), attempt: 1, outcome: .paused, now: 50)
        try lease(store, 0)
        var second = Self.sample
        second.accuracy = 0.75
        #expect(try store.recordClassReport(TrialID(0), attempt: 2, resource: 27, report: second, now: 60) == .accepted)
        #expect(try store.recordClassReport(TrialID(0), attempt: 1, resource: 9, report: Self.sample, now: 61) == .superseded)
        #expect(try store.classReport(TrialID(0))?.report.accuracy == 0.75)
        #expect(try store.classReportCount() == 1)

        // A lost attempt's worker is a zombie; unknown trials and attempts are refused.
        try lease(store, 0)  // ends attempt 2 as lost
        try lease(store, 0)
        #expect(try store.recordClassReport(TrialID(0), attempt: 3, resource: 27, report: Self.sample, now: 70) == .superseded)
        #expect(try store.recordClassReport(TrialID(0), attempt: 9, resource: 27, report: Self.sample, now: 70) == .unknown)
        #expect(try store.recordClassReport(TrialID(5), attempt: 1, resource: 27, report: Self.sample, now: 70) == .unknown)
        #expect(try store.classReport(TrialID(0))?.attempt == 2)
    }

    @Test func malformedReportIsRefusedWithItsProblem() throws {
        let store = try makeStore()
        try lease(store, 0)
        var bad = Self.sample
        bad.support = [1]
        #expect {
            _ = try store.recordClassReport(TrialID(0), attempt: 1, resource: 9, report: bad, now: 40)
        } throws: { error in
            (error as? StoreError)?.message == "trial 0 attempt 1: the report has 3 class names but 1 `support` entries; each per-class list needs one per class"
        }
    }

    /// Turns a fresh store into one as an older coordinator left it: no `trial_reports`, no record
    /// of that migration.
    private func downgrade(_ directory: StudyDirectory) throws {
        let queue = try DatabaseQueue(path: directory.database.path)
        try queue.write { db in
            try db.execute(sql: "DROP TABLE trial_reports")
            try db.execute(sql: "DELETE FROM grdb_migrations WHERE identifier = ?", arguments: [Schema.reportsMigration])
        }
        try queue.close()
    }

    @Test func storeWithoutTheReportsTableIsReadThenMigrated() throws {
        let store = try makeStore()
        let directory = store.directory
        try lease(store, 0)
        #expect(try store.recordReport(report(0, attempt: 1, seq: 1, epoch: 3, loss: 0.4, rung: 0)) == .accepted)
        try store.close()
        try downgrade(directory)

        // A reader of the old store: everything as before, no reports.
        let reader = try StudyStore.open(directory, role: .reader)
        #expect(try reader.classReport(TrialID(0)) == nil)
        #expect(try reader.leaderboard(limit: 5).map(\.trial.rawValue) == [0])
        #expect(try reader.schemaFacts().tables.contains("trial_reports") == false)
        try reader.close()

        // The coordinator opens it as a writer: migrated, old rows intact, reports recorded.
        let writer = try StudyStore.open(directory, role: .writer)
        let facts = try writer.schemaFacts()
        #expect(facts.migrated && facts.tables.contains("trial_reports"))
        #expect(try writer.leaderboard(limit: 5).first?.value == 0.4)
        #expect(try writer.recordClassReport(TrialID(0), attempt: 1, resource: 3, report: Self.sample, now: 50) == .accepted)
        try writer.close()
        #expect(try StudyStore.open(directory, role: .reader).classReport(TrialID(0))?.report.support == [1, 1, 2])
    }
}
