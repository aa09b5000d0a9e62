// The report and the dashboard's pages from a hand-made study: every figure is there, and the
// report is self-contained (no URL, no src, no script).
import Foundation
import Search
@testable import Store
import Testing
@testable import StudyViews

/// A finished ASHA study of 9 trials over lr (matters) and dropout (does not), hand-made.
func handMadeSnapshot(now: Double = 1_800_000_000) -> StudySnapshot {
    let yaml = """
    name: hand-made
    trials: 9
    objective: {metric: acc, direction: maximize, secondary: {metric: latency_ms, direction: minimize}}
    budget: {resource: epochs, min_resource: 1, max_resource: 9, reduction_factor: 3}
    scheduler: asha
    sampler: random
    space:
      lr: {type: loguniform, low: 1e-4, high: 1e-1}
      dropout: {type: uniform, low: 0.0, high: 0.5}
    task:
      command: ["/bin/true", "{lr}", "{dropout}"]
    """
    let info = StudyInfo(name: "hand-made", yaml: yaml, objective: "acc", direction: .maximize, created: now - 100, state: .completed)
    var trials: [StoredTrial] = [], rows: [ExportRow] = [], board: [LeaderboardEntry] = []
    for i in 0..<9 {
        let lr = pow(10, -4 + 3 * Double(i) / 8), dropout = Double((i * 5) % 9) / 18
        let config: Configuration = ["lr": .double(lr), "dropout": .double(dropout)]
        let quality = 1 - pow(log10(lr) + 2, 2) / 4
        let top = i >= 6 ? 2 : (i >= 3 ? 1 : 0)
        let state: TrialStatus = top == 2 ? .completed : .stopped
        let epochs = [1, 3, 9][top]
        for e in 1...epochs {
            rows.append(ExportRow(trial: TrialID(i), attempt: 1, epoch: e, seconds: 0.1,
                                  metrics: ["acc": quality - 0.3 / Double(e + 1), "loss": 1 / Double(e)], config: config))
        }
        let value = quality - 0.3 / Double(epochs + 1)
        let metrics: MetricValues = ["acc": value, "latency_ms": 1 + Double(i % 4)]
        trials.append(StoredTrial(id: TrialID(i), config: config, state: state, bracket: 0, rung: top, resource: Double(epochs),
                                  value: value, attempt: 1, worker: "w\(i % 2)", created: now - 90 + Double(i),
                                  updated: now - 10, error: nil, metrics: metrics, feasible: true))
        board.append(LeaderboardEntry(trial: TrialID(i), config: config, state: state, rung: top, resource: Double(epochs),
                                      value: value, metrics: metrics, attempt: 1, worker: "w\(i % 2)"))
    }
    board.sort { ($0.rung, $0.value) > ($1.rung, $1.value) }
    let workers = [WorkerRecord(id: "w0", name: "w0", host: "h", slots: 1, lastHeartbeat: now - 1, state: .active, joined: now - 95),
                   WorkerRecord(id: "w1", name: "w1", host: "h", slots: 1, lastHeartbeat: now - 50, state: .lost, joined: now - 95)]
    let summary = StudySummary(info: info, counts: [StateCount(state: .completed, rung: 2, count: 3), StateCount(state: .stopped, rung: 0, count: 3),
                                                    StateCount(state: .stopped, rung: 1, count: 3)],
                               workers: workers, best: board.first, trialCount: 9, reportCount: rows.count,
                               rungResultCount: 15, lineCount: 40, engineEventCount: 30)
    let decisions = [JournalEntry(cursor: 5, time: now - 50, trial: TrialID(6), attempt: 1, worker: "w0", stream: nil, seq: nil,
                                  decision: .promoted, text: "promoted to rung 1 at acc 0.7")]
    return StudySnapshot(info: info, summary: summary, trials: trials, exportRows: rows, decisions: decisions,
                         leaderboard: board, taken: now)
}

@Suite struct ReportTests {
    @Test func theReportHoldsEveryFigureAndReferencesNothingOutside() throws {
        let s = handMadeSnapshot()
        let importance = ForestImportance.of(s)
        let report = ClassReport(split: "val", classNames: ["cat", "dog"], accuracy: 0.75, precision: [0.8, 0.7], recall: [0.7, 0.8],
                                 f1: [0.75, 0.75], support: [10, 10], confusion: [[7, 3], [2, 8]])
        let detail = TrialDetail(trial: s.trials[8], rows: [], classReport: StoredClassReport(trial: TrialID(8), attempt: 1, resource: 9, recorded: 0, report: report),
                                 logTail: [])
        let html = StudyPage.report(s, importance: importance, details: [detail], now: s.taken)
        for title in ["optimisation history", "intermediate values", "rung ladder", "parallel coordinates",
                      "parameter importances", "Pareto front", "confusion matrix"] {
            #expect(html.contains("<title>\(title)</title>"), "the report lacks \(title)")
        }
        for outside in ["http://", "https://", "src=", "<script", "<link", "@import", "url("] {
            #expect(!html.contains(outside), "the report contains \(outside)")
        }
        #expect(html.contains("id=\"trial-8\""))
        #expect(html.contains("href=\"#trial-8\""))
        #expect(!html.contains("href=\"trial/") && !html.contains("<a href=\"#trial-3\"><g"), "the report links only to sections it has")
        // Importances: lr matters, dropout does not.
        #expect(importance?.importances.first?.name == "lr")
        // The ladder: 9 trials reached rung 0, 6 were promoted from it, 3 stopped there.
        let rows = Charts.ladderRows(s)
        #expect(rows.map(\.reached) == [9, 6, 3])
        #expect(rows.map(\.promoted) == [6, 3, 0])
        #expect(rows.map(\.stopped) == [3, 3, 0])
        #expect(rows.map(\.completed) == [0, 0, 3])
    }

    @Test func theDashboardPageHasEveryPanelAndTheLiveScript() {
        let s = handMadeSnapshot()
        let html = StudyPage.dashboard(s, importance: nil, now: s.taken, version: 4)
        for id in ["p-head", "p-history", "p-curves", "p-ladder", "p-parallel", "p-importance", "p-pareto", "p-best", "p-workers", "p-events"] {
            #expect(html.contains("id=\"\(id)\""), "the page lacks \(id)")
        }
        #expect(html.contains("new EventSource('events'"))
        #expect(html.contains("data-version=\"4\""))
        #expect(html.contains("h-lost"), "the lost worker is shown lost")
        #expect(html.contains("href=\"trial/8\""))
        #expect(html.contains("<a href=\"trial/8\"><g class=\"curve\""), "a curve links to its trial's page")
    }

    @Test func numbersAreRoundedForPeople() {
        #expect(ViewFormat.sig(0.10913118664128157) == "0.1091")
        #expect(ViewFormat.sig(7046.89) == "7047")
        #expect(ViewFormat.metric(0.133292) == "0.1333")
        #expect(ViewFormat.escape("<a href='x'>&") == "&lt;a href=&#39;x&#39;&gt;&amp;")
    }
}
