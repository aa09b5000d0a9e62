// `rung export` rows and their CSV / JSON Lines text, including a trial resumed from an older
// checkpoint (its re-run epoch is exported once, from the latest attempt).
import Foundation
import Testing
import Search
@testable import Store

private func exportedStudy() throws -> StudyStore {
    let store = try makeStore()
    try lease(store, 0, config: ["lr": .double(0.01), "opt": .string("adam, w"), "layers": .int(2)], now: 100)
    _ = try store.recordReports([
        TrialReport(trial: TrialID(0), attempt: 1, seq: 1, epoch: 1, metrics: ["loss": 0.9, "acc": 0.5], time: 110),
        TrialReport(trial: TrialID(0), attempt: 1, seq: 2, epoch: 2, metrics: ["loss": 0.7, "acc": 0.625], time: 130),
    ])
    try lease(store, 1, config: ["lr": .double(1.0), "layers": .int(1)], now: 100)
    _ = try store.recordReport(TrialReport(trial: TrialID(1), attempt: 1, seq: 1, epoch: 1, metrics: ["loss": .nan], time: 105))
    // Trial 0 is lost after epoch 2 but resumes from its epoch-1 checkpoint.
    try lease(store, 0, worker: "w2", config: ["lr": .double(0.01), "opt": .string("adam, w"), "layers": .int(2)], now: 200)
    _ = try store.recordReport(TrialReport(trial: TrialID(0), attempt: 2, seq: 1, epoch: 2, metrics: ["loss": 0.75, "acc": 0.6], time: 212))
    return store
}

@Test func exportRowsOnePerTrialPerEpoch() throws {
    let store = try exportedStudy()
    let rows = try store.exportRows()
    #expect(rows.map { "\($0.trial)/\($0.attempt)/\($0.epoch)" } == ["0/1/1", "0/2/2", "1/1/1"])
    #expect(rows.map(\.seconds) == [10, 12, 5])
    #expect(rows[1].metrics == ["loss": 0.75, "acc": 0.6])
    let all = try store.exportRows(allAttempts: true)
    #expect(all.map { "\($0.trial)/\($0.attempt)/\($0.epoch)" } == ["0/1/1", "0/1/2", "0/2/2", "1/1/1"])
}

@Test func exportCSVText() throws {
    let csv = ExportFormat.csv.render(try exportedStudy().exportRows())
    #expect(csv == """
        trial,attempt,epoch,seconds,acc,loss,param.layers,param.lr,param.opt
        0,1,1,10.0,0.5,0.9,2,0.01,"adam, w"
        0,2,2,12.0,0.6,0.75,2,0.01,"adam, w"
        1,1,1,5.0,,nan,1,1.0,

        """)
}

@Test func exportJSONLinesText() throws {
    let jsonl = ExportFormat.jsonl.render(try exportedStudy().exportRows())
    #expect(jsonl == """
        {"trial":0,"attempt":1,"epoch":1,"seconds":10.0,"acc":0.5,"loss":0.9,"param.layers":2,"param.lr":0.01,"param.opt":"adam, w"}
        {"trial":0,"attempt":2,"epoch":2,"seconds":12.0,"acc":0.6,"loss":0.75,"param.layers":2,"param.lr":0.01,"param.opt":"adam, w"}
        {"trial":1,"attempt":1,"epoch":1,"seconds":5.0,"loss":null,"param.layers":1,"param.lr":1.0}

        """)
    // Every line is valid JSON.
    for line in jsonl.split(separator: "\n") {
        #expect(try JSONSerialization.jsonObject(with: Data(line.utf8)) is [String: Any])
    }
}

@Test func aMetricNamedSecondsIsNamespacedAndTheTimingColumnStays() throws {
    let rows = [ExportRow(trial: TrialID(0), attempt: 1, epoch: 1, seconds: 2.5,
                          metrics: ["seconds": 0.004, "acc": 0.5, "epoch": 9], config: ["lr": .double(0.1)])]
    #expect(ExportFormat.columns(rows) == ["trial", "attempt", "epoch", "seconds", "acc", "metric.epoch", "metric.seconds", "param.lr"])
    #expect(ExportFormat.csv.render(rows) == "trial,attempt,epoch,seconds,acc,metric.epoch,metric.seconds,param.lr\n0,1,1,2.5,0.5,9.0,0.004,0.1\n")
    #expect(ExportFormat.renamedMetrics(rows).map(\.column) == ["metric.epoch", "metric.seconds"])
}
