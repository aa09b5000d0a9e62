// DatabasePool under load: readers run beside a writer and always see a consistent snapshot, and
// the writes of concurrent tasks are all kept.
import Foundation
import Testing
import Search
@testable import Store

@Test func readersSeeConsistentSnapshotsWhileWriting() async throws {
    let store = try makeStore()
    let trials = 8, perTrial = 200
    for t in 0..<trials { try lease(store, t) }
    try await withThrowingTaskGroup(of: Int.self) { group in
        // Writers: one task per trial, each report in a transaction with its log line.
        for t in 0..<trials {
            group.addTask {
                for seq in 1...perTrial {
                    let outcome: ReportOutcome = try store.write { tx in
                        _ = try tx.recordLog(LogLine(trial: TrialID(t), attempt: 1, seq: seq, time: 0, text: "\(seq)"))
                        return try tx.recordReport(report(t, attempt: 1, seq: seq, loss: 1 / Double(seq)))
                    }
                    if outcome != .accepted { throw StoreError(.invalidArgument, "report \(t)/\(seq) answered \(outcome)") }
                }
                return 0
            }
        }
        // Readers: a report and its line commit together, so every snapshot shows equal counts.
        for _ in 0..<2 {
            group.addTask {
                var checks = 0, last = 0
                while last < trials * perTrial {
                    let s = try store.summary()
                    if s.reportCount != s.lineCount || s.reportCount < last {
                        throw StoreError(.invalidArgument, "inconsistent snapshot: \(s.reportCount) reports, \(s.lineCount) lines, after \(last)")
                    }
                    last = s.reportCount
                    checks += 1
                }
                return checks
            }
        }
        for try await _ in group {}
    }
    let summary = try store.summary()
    #expect(summary.reportCount == trials * perTrial)
    for t in 0..<trials {
        #expect(try store.logs(LogQuery(trial: TrialID(t))).entries.map(\.text) == (1...perTrial).map(String.init))
    }
}

@Test func aSeparateReaderSeesEachCommit() throws {
    let writer = try makeStore()
    let reader = try StudyStore.open(writer.directory, role: .reader)
    try lease(writer, 0)
    for seq in 1...5 {
        _ = try writer.recordLog(LogLine(trial: TrialID(0), attempt: 1, seq: seq, time: 0, text: "line \(seq)"))
        #expect(try reader.logs(LogQuery(trial: TrialID(0), includeDecisions: false)).entries.count == seq)
    }
    #expect(try reader.trial(TrialID(0))?.state == .leased)
}
