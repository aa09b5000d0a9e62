// Opening and creating study directories, the migration, report dedupe and attempt rules, and the
// engine input log's exact round trip.
import Foundation
import Testing
import Search
@testable import Store

@Test func createMakesLayoutAndMigrates() throws {
    let store = try makeStore()
    let dir = store.directory
    for url in [dir.database, dir.studyFile, dir.logs, dir.checkpoints] {
        #expect(FileManager.default.fileExists(atPath: url.path), "\(url.path)")
    }
    #expect(try String(contentsOf: dir.studyFile, encoding: .utf8) == testInfo.yaml)
    let facts = try store.schemaFacts()
    #expect(facts.tables == ["attempts", "checkpoints", "coordinator_log", "engine_events", "epoch_metrics", "journal", "rung_results",
                             "study", "trial_reports", "trials", "workers"])
    #expect(facts.migrated)
    #expect(facts.journalMode == "wal")
    #expect(try store.studyInfo() == testInfo)
    #expect(throws: StoreError.self) { try StudyStore.create(dir, info: testInfo) }
}

@Test func openRefusesNonStudyDirectories() throws {
    let empty = StudyDirectory(temporaryDirectory())
    do {
        _ = try StudyStore.open(empty)
        Issue.record("opened a directory without study.sqlite")
    } catch let error as StoreError {
        #expect(error.code == .notAStudyDirectory)
        #expect(error.message.contains("no study.sqlite"))
    }
    let missing = StudyDirectory(empty.root.appendingPathComponent("nope"))
    #expect(throws: StoreError.self) { try StudyStore.open(missing) }
}

@Test func readerCannotWrite() throws {
    let writer = try makeStore()
    try lease(writer, 0)
    try writer.close()
    let reader = try StudyStore.open(writer.directory, role: .reader)
    #expect(try reader.trials().count == 1)
    #expect(throws: StoreError.self) { try reader.appendEngineEvent(.tick, now: 1) }
}

@Test func reportStoredOnceWhenSentTwice() throws {
    let store = try makeStore()
    let attempt = try lease(store, 0)
    #expect(attempt == 1)
    let r = report(0, attempt: 1, seq: 1, loss: 0.5, rung: 0)
    #expect(try store.recordReport(r) == .accepted)
    #expect(try store.recordReport(r) == .duplicate)
    #expect(try store.recordReports([r, report(0, attempt: 1, seq: 2, loss: 0.4), r]) == [.duplicate, .accepted, .duplicate])
    let summary = try store.summary()
    #expect(summary.reportCount == 2)
    #expect(summary.rungResultCount == 1)
    let trial = try #require(try store.trial(TrialID(0)))
    #expect(trial.state == .running)
    #expect(trial.rung == 0 && trial.value == 0.5 && trial.resource == 1)
}

@Test func supersededAttemptIsRefused() throws {
    let store = try makeStore()
    try lease(store, 0, worker: "a")
    #expect(try store.recordReport(report(0, attempt: 1, seq: 1, loss: 0.9)) == .accepted)
    // The lease expired: attempt 1 is lost, attempt 2 goes to worker b.
    #expect(try lease(store, 0, worker: "b") == 2)
    #expect(try store.attempts(TrialID(0)).map(\.outcome) == [.lost, nil])
    #expect(try store.openAttempts().map { [$0.trial.rawValue, $0.attempt] } == [[0, 2]])
    #expect(try store.openAttempts().first?.worker == "b")
    #expect(try store.recordReport(report(0, attempt: 1, seq: 2, loss: 0.8)) == .superseded)
    #expect(try store.recordReport(report(0, attempt: 1, seq: 1, loss: 0.9)) == .duplicate)
    #expect(try store.recordReport(report(0, attempt: 2, seq: 1, loss: 0.7)) == .accepted)
    #expect(try store.recordReport(report(0, attempt: 3, seq: 1, loss: 0.7)) == .unknown)
    #expect(try store.recordReport(report(5, attempt: 1, seq: 1, loss: 0.7)) == .unknown)
    // An ended attempt takes no more reports, but a resend is still a duplicate.
    try store.endAttempt(TrialID(0), attempt: 2, outcome: .paused, now: 30)
    #expect(try store.recordReport(report(0, attempt: 2, seq: 2, loss: 0.6)) == .superseded)
    #expect(try store.recordReport(report(0, attempt: 2, seq: 1, loss: 0.7)) == .duplicate)
    #expect(try store.summary().reportCount == 2)
}

@Test func rungResultCountedOnceAcrossAttempts() throws {
    let store = try makeStore()
    try lease(store, 0)
    #expect(try store.recordReport(report(0, attempt: 1, seq: 1, epoch: 3, loss: 0.5, rung: 0)) == .accepted)
    try lease(store, 0, worker: "w2")
    // Attempt 2 resumed from an older checkpoint and reaches rung 0 again.
    #expect(try store.recordReport(report(0, attempt: 2, seq: 1, epoch: 3, loss: 0.45, rung: 0)) == .repeatedRung)
    #expect(try store.recordReport(report(0, attempt: 2, seq: 2, epoch: 9, loss: 0.3, rung: 1)) == .accepted)
    #expect(try store.rungResults(TrialID(0)).map { [Double($0.rung), $0.resource, $0.value, Double($0.attempt)] }
            == [[0, 3, 0.5, 1], [1, 9, 0.3, 2]])
}

/// Bit-exact equality of events (NaN equals NaN of the same bits).
func sameBits(_ a: SearchEvent, _ b: SearchEvent) -> Bool {
    switch (a, b) {
    case let (.reported(t1, r1, v1, m1), .reported(t2, r2, v2, m2)):
        return t1 == t2 && r1.bitPattern == r2.bitPattern && v1.bitPattern == v2.bitPattern
            && m1.keys.sorted() == m2.keys.sorted() && m1.allSatisfy { m2[$0.key]!.bitPattern == $0.value.bitPattern }
    default: return a == b
    }
}

@Test func engineEventsRoundTripExactly() throws {
    let store = try makeStore()
    let events: [(SearchEvent, Double)] = [
        (.slotFree, 0),
        (.reported(trial: TrialID(0), resource: 1, value: 0.1, metrics: ["acc": 1.0 / 3, "loss": .nan]), 1e-9),
        (.reported(trial: TrialID(7), resource: 3.5, value: -0.0, metrics: [:]), 12.000000000000002),
        (.reported(trial: TrialID(2), resource: 27, value: 5e-324, metrics: ["inf": .infinity, "ninf": -.infinity]), 1e300),
        (.failed(trial: TrialID(3), reason: "CUDA \"out\" of memory\nline 2 é"), 99.5),
        (.lost(trial: TrialID(Int.max)), 100),
        (.tick, 1_764_426_000.123456),
    ]
    var seqs: [Int64] = []
    for (event, now) in events { seqs.append(try store.appendEngineEvent(event, now: now)) }
    #expect(seqs == [1, 2, 3, 4, 5, 6, 7])
    try store.close()
    let reopened = try StudyStore.open(store.directory, role: .writer)
    let back = try reopened.engineEvents()
    #expect(back.count == events.count)
    for (i, ((e1, n1), (e2, n2))) in zip(events, back).enumerated() {
        #expect(sameBits(e1, e2), "event \(i): \(e1) vs \(e2)")
        #expect(n1.bitPattern == n2.bitPattern, "now \(i)")
    }
}

@Test func batchRollsBackAsAWhole() throws {
    let store = try makeStore()
    try lease(store, 0)
    #expect(throws: StoreError.self) {
        try store.write { tx in
            _ = try tx.recordReport(report(0, attempt: 1, seq: 1, loss: 0.5))
            _ = try tx.recordLog(LogLine(trial: TrialID(0), attempt: 1, seq: 1, time: 1, text: "lost"))
            try tx.appendEngineEvent(.tick, now: 1)
            try tx.setTrialState(TrialID(42), .failed, now: 1)  // unknown trial: throws
        }
    }
    let summary = try store.summary()
    #expect(summary.reportCount == 0 && summary.lineCount == 0 && summary.engineEventCount == 0)
    #expect(!FileManager.default.fileExists(atPath: store.directory.logFile(TrialID(0)).path))
}
