// Helpers for the store tests: a fresh temporary study directory per test, and a study with one
// leased trial ready to report.
import Foundation
import Search
@testable import Store

/// The folder of this run's temporary study directories. Folders of earlier runs older than an
/// hour are removed first; the latest ones stay for a look after a failure.
let testRoot: URL = {
    let base = FileManager.default.temporaryDirectory.appendingPathComponent("rung-store-tests", isDirectory: true)
    let old = Date().addingTimeInterval(-3600)
    for url in (try? FileManager.default.contentsOfDirectory(at: base, includingPropertiesForKeys: [.contentModificationDateKey])) ?? [] {
        if let date = try? url.resourceValues(forKeys: [.contentModificationDateKey]).contentModificationDate, date < old {
            try? FileManager.default.removeItem(at: url)
        }
    }
    return base.appendingPathComponent("run-\(getpid())-\(UUID().uuidString.prefix(8))", isDirectory: true)
}()

/// A new empty temporary directory, unique per call.
func temporaryDirectory(_ name: String = #function) -> URL {
    let safe = name.filter { $0.isLetter || $0.isNumber }
    let url = testRoot.appendingPathComponent("\(safe)-\(UUID().uuidString)", isDirectory: true)
    try! FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

let testInfo = StudyInfo(name: "demo", yaml: "name: demo\nobjective: val_loss\n", objective: "val_loss",
                         direction: .minimize, created: 1_000)

/// A new study in a temporary directory.
func makeStore(_ name: String = #function, direction: Direction = .minimize) throws -> StudyStore {
    var info = testInfo
    info.direction = direction
    return try StudyStore.create(StudyDirectory(temporaryDirectory(name).appendingPathComponent("study")), info: info)
}

/// Adds trial `id` and leases it to `worker`, returning the attempt number.
@discardableResult
func lease(_ store: StudyStore, _ id: Int, worker: String = "w1", config: Configuration = ["lr": .double(0.1)],
           now: Double = 10) throws -> Int {
    try store.write { tx in
        if try tx.currentAttempt(TrialID(id)) == nil {
            try tx.upsertTrial(TrialID(id), config: config, bracket: 0, state: .queued, now: now)
        }
        return try tx.beginAttempt(TrialID(id), worker: worker, fromResource: 0, toResource: 9, now: now)
    }
}

func report(_ trial: Int, attempt: Int, seq: Int, epoch: Int? = nil, loss: Double,
            rung: Int? = nil, time: Double = 20) -> TrialReport {
    let e = epoch ?? seq
    return TrialReport(trial: TrialID(trial), attempt: attempt, seq: seq, epoch: e,
                       metrics: ["val_loss": loss, "acc": 1 - loss], time: time,
                       rung: rung.map { RungMark(rung: $0, resource: Double(e), value: loss) })
}
