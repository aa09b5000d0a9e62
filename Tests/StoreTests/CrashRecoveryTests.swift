// A crash image: the files of a store that was never closed (no checkpoint, WAL still holding the
// commits, log files torn or lagging) are copied aside, as a SIGKILL would leave them, and opened
// again. Nothing committed may be lost, and the log files are brought back in line.
import Foundation
import Testing
import Search
@testable import Store

@Test func reopeningACrashImageLosesNothingCommitted() throws {
    let store = try makeStore()
    var events: [(SearchEvent, Double)] = []
    for t in 0..<3 {
        try lease(store, t, worker: "w\(t)")
        for seq in 1...5 {
            let r = report(t, attempt: 1, seq: seq, loss: 1 / Double(seq + t), rung: seq == 3 ? 0 : nil)
            let outcome: ReportOutcome = try store.write { tx in
                let outcome = try tx.recordReport(r)
                _ = try tx.recordLog(LogLine(trial: TrialID(t), attempt: 1, seq: seq, time: Double(seq), text: "t\(t) line \(seq)"))
                if let mark = r.rung {
                    let event = SearchEvent.reported(trial: TrialID(t), resource: mark.resource, value: mark.value, metrics: r.metrics)
                    try tx.appendEngineEvent(event, now: Double(seq))
                    events.append((event, Double(seq)))
                }
                return outcome
            }
            #expect(outcome == .accepted)
        }
    }
    let originalLogs = try (0..<3).map { try Data(contentsOf: store.directory.logFile(TrialID($0))) }

    // The crash image, taken while the store is open and never closed.
    let image = StudyDirectory(temporaryDirectory().appendingPathComponent("crashed"))
    try FileManager.default.createDirectory(at: image.logs, withIntermediateDirectories: true)
    for suffix in ["", "-wal"] {
        let source = URL(fileURLWithPath: store.directory.database.path + suffix)
        if FileManager.default.fileExists(atPath: source.path) {
            try FileManager.default.copyItem(at: source, to: URL(fileURLWithPath: image.database.path + suffix))
        }
    }
    #expect(FileManager.default.fileExists(atPath: image.database.path + "-wal"), "the commits should still be in the WAL")
    // Trial 0's file was torn mid-line, trial 1's never written, trial 2's complete.
    try originalLogs[0].prefix(originalLogs[0].count - 7).write(to: image.logFile(TrialID(0)))
    try originalLogs[2].write(to: image.logFile(TrialID(2)))
    withExtendedLifetime(store) {}

    let reopened = try StudyStore.open(image, role: .writer)
    let summary = try reopened.summary()
    #expect(summary.reportCount == 15 && summary.rungResultCount == 3 && summary.lineCount == 15)
    let back = try reopened.engineEvents()
    #expect(back.count == events.count)
    for (a, b) in zip(events, back) { #expect(sameBits(a.0, b.0) && a.1 == b.1) }
    for t in 0..<3 {
        #expect(try Data(contentsOf: image.logFile(TrialID(t))) == originalLogs[t], "log file of trial \(t)")
        #expect(try reopened.logs(LogQuery(trial: TrialID(t))).entries.map(\.text) == (1...5).map { "t\(t) line \($0)" })
    }
    // The reopened store carries on: attempt numbering and dedupe survive.
    #expect(try reopened.recordReport(report(1, attempt: 1, seq: 5, loss: 0.1)) == .duplicate)
    #expect(try lease(reopened, 1, worker: "w9") == 2)
}
