// The exact terminal text of `rung best`, `rung best --pareto`, `rung best --json` and
// `rung trials` for a study directory made here: constraints, cost columns, infeasible marks, the
// per-class table and the confusion matrix with class names, and the flag checks.
import Foundation
import Testing
import Search
import Store
@testable import Runtime
import RungTestKit

private let yaml = """
    name: costs
    objective:
      metric: acc
      direction: maximize
      constraints: ["latency_ms <= 5"]
      secondary: {metric: params_total, direction: minimize}
    budget: {min_resource: 1, max_resource: 3, reduction_factor: 3}
    trials: 4
    space:
      lr: {type: loguniform, low: 1e-5, high: 1e-1}
    """

/// Trials (acc, latency_ms, params_total) completed at resource 3; trial 3 has no result yet.
private func makeStudy(_ root: URL) throws -> URL {
    let dir = root.appendingPathComponent("study")
    let info = StudyInfo(name: "costs", yaml: yaml, objective: "acc", direction: .maximize, created: 1)
    let store = try StudyStore.create(StudyDirectory(dir), info: info)
    let points: [(Double, Double, Double)] = [(0.9, 7, 1000), (0.8, 4, 3000), (0.7, 2, 2000)]
    for (t, p) in points.enumerated() {
        try store.write { tx in
            try tx.upsertTrial(TrialID(t), config: ["lr": .double(0.01 * Double(t + 1))], bracket: 0, state: .queued, now: 2)
            _ = try tx.beginAttempt(TrialID(t), worker: "w1", fromResource: 0, toResource: 3, now: 3)
            let metrics: MetricValues = ["acc": p.0, "latency_ms": p.1, "params_total": p.2, "memory_mb": 12.5]
            _ = try tx.recordReport(TrialReport(trial: TrialID(t), attempt: 1, seq: 1, epoch: 3, metrics: metrics, time: 4,
                                                rung: RungMark(rung: 1, resource: 3, value: p.0)))
            try tx.endAttempt(TrialID(t), attempt: 1, outcome: .completed, now: 5)
            try tx.setTrialState(TrialID(t), .completed, now: 5)
        }
    }
    try store.write { tx in
        try tx.upsertTrial(TrialID(3), config: ["lr": .double(0.05)], bracket: 0, state: .queued, now: 2)
    }
    let report = ClassReport(split: "test", classNames: ["t-shirt", "trouser", "bag"], accuracy: 0.8,
                             precision: [1, 0.5, 0.8], recall: [0.5, 1, 0.8], f1: [2.0 / 3, 2.0 / 3, 0.8],
                             support: [2, 1, 5], confusion: [[1, 1, 0], [0, 1, 0], [0, 1, 4]])
    _ = try store.recordClassReport(TrialID(1), attempt: 1, resource: 3, report: report, now: 6)
    try store.close()
    return dir
}

private func rung(_ args: [String]) async throws -> (out: String, err: String, exit: ChildExit?) {
    let binary = try #require(rungBinary(), "build the rung executable first (swift build)")
    let run = try Watched(ChildLaunch(executable: binary, arguments: args, environment: ParentWatch.childEnvironment()))
    let exit = await run.waitExit(within: 30)
    return (run.lines.map { $0 + "\n" }.joined(), run.stderr.joined(separator: "\n"), exit)
}

@Suite struct BestTextTests {
    @Test func bestShowsConstraintsCostsAndTheBestTrialsReport() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("rung-best-text-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: root) }
        let dir = try makeStudy(root).path

        let best = try await rung(["best", "--dir", dir])
        #expect(best.exit == .exited(0), "\(best.err)")
        #expect(best.out == """
            Best trials of costs by acc (maximize), feasible first, then highest rung:
            Constraints: latency_ms <= 5
            #  trial  acc     rung  resource  state      params  latency ms  memory MB  feasible                   config
            1  1      0.8000  1     3         completed  3000    4           12.5       yes                        lr=0.02
            2  2      0.7000  1     3         completed  2000    2           12.5       yes                        lr=0.03
            3  0      0.9000  1     3         completed  1000    7           12.5       no: latency_ms 7 not <= 5  lr=0.01

            Per-class report of trial 1 (test split, attempt 1, accuracy 0.8000, 8 rows):
            class    precision  recall  f1      support
            t-shirt  1.0000     0.5000  0.6667  2
            trouser  0.5000     1.0000  0.6667  1
            bag      0.8000     0.8000  0.8000  5

            Confusion matrix (rows: true class, columns: predicted class):
            true \\ predicted  t-shirt  trouser  bag
            t-shirt                 1        1    0
            trouser                 0        1    0
            bag                     0        1    4

            """)

        let pareto = try await rung(["best", "--dir", dir, "--pareto"])
        #expect(pareto.out == """
            Pareto front of costs: acc (maximize) against params_total (minimize), over 2 finished feasible trial(s) reporting both (constraints: latency_ms <= 5):
            #  trial  acc     params_total  latency ms  memory MB  config
            1  1      0.8000  3000          4           12.5       lr=0.02
            2  2      0.7000  2000          2           12.5       lr=0.03

            """)
        let latency = try await rung(["best", "--dir", dir, "--pareto", "--against", "latency_ms:max", "--json"])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(latency.out.utf8)) as? [String: Any])
        #expect((object["front"] as? [[String: Any]])?.compactMap { $0["trial"] as? Int } == [1])
        #expect((object["against"] as? [String: String]) == ["metric": "latency_ms", "direction": "maximize"])

        let json = try await rung(["best", "--dir", dir, "--json"])
        let bestObject = try #require(try JSONSerialization.jsonObject(with: Data(json.out.utf8)) as? [String: Any])
        #expect((bestObject["best"] as? [String: Any])?["trial"] as? Int == 1)
        #expect((bestObject["best"] as? [String: Any])?["feasible"] as? Bool == true)
        let report = try #require((bestObject["report"] as? [String: Any])?["report"] as? [String: Any])
        #expect(report["classNames"] as? [String] == ["t-shirt", "trouser", "bag"])
        #expect(report["confusion"] as? [[Int]] == [[1, 1, 0], [0, 1, 0], [0, 1, 4]])

        let trials = try await rung(["trials", "--dir", dir])
        #expect(trials.out == """
            trial  state      bracket  rung  resource  value   params  latency ms  memory MB  feasible                   attempt  worker  config
            0      completed  0        1     3         0.9000  1000    7           12.5       no: latency_ms 7 not <= 5  1        w1      lr=0.01
            1      completed  0        1     3         0.8000  3000    4           12.5       yes                        1        w1      lr=0.02
            2      completed  0        1     3         0.7000  2000    2           12.5       yes                        1        w1      lr=0.03
            3      queued     0        -     0         -       -       -           -          -                          0        -       lr=0.05

            """)

        let misuse = try await rung(["best", "--dir", dir, "--against", "latency_ms"])
        #expect(misuse.exit == .exited(64) && misuse.err.contains("--against chooses the metric of --pareto; add --pareto"))
        let badDirection = try await rung(["best", "--dir", dir, "--pareto", "--against", "latency_ms:fast"])
        #expect(badDirection.exit == .exited(64) && badDirection.err.contains("after the colon give min or max"))
    }
}
