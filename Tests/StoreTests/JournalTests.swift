// Log lines and decisions: order across attempts and workers, cursors, tails, the per-trial text
// files, and their repair after a crash.
import Foundation
import Testing
import Search
@testable import Store

private func line(_ trial: Int, _ attempt: Int, _ seq: Int, _ text: String, stream: LogStream = .stdout) -> LogLine {
    LogLine(trial: TrialID(trial), attempt: attempt, seq: seq, time: 1_764_426_000 + Double(seq), stream: stream, text: text)
}

/// Trial 0 runs on worker a (attempt 1), is lost, and resumes on worker b (attempt 2); trial 1
/// logs in between; decisions are recorded along the way.
private func scriptedJournal() throws -> StudyStore {
    let store = try makeStore()
    try lease(store, 0, worker: "a")
    try store.recordDecision(DecisionRecord(time: 1, kind: .started, trial: TrialID(0), attempt: 1, worker: "a", detail: "budget 3"))
    #expect(try store.recordLogs([line(0, 1, 1, "epoch 1"), line(0, 1, 2, "epoch 2")]) == [.accepted, .accepted])
    try lease(store, 1, worker: "c")
    #expect(try store.recordLog(line(1, 1, 1, "other trial")) == .accepted)
    #expect(try store.recordLog(line(0, 1, 2, "epoch 2")) == .duplicate)
    try store.recordDecision(DecisionRecord(time: 2, kind: .lost, trial: TrialID(0), attempt: 1, worker: "a"))
    try lease(store, 0, worker: "b")
    try store.recordDecision(DecisionRecord(time: 3, kind: .requeued, trial: TrialID(0), attempt: 2, worker: "b"))
    #expect(try store.recordLog(line(0, 1, 3, "zombie")) == .superseded)
    #expect(try store.recordLogs([line(0, 2, 1, "resumed\nfrom epoch 2", stream: .rung), line(0, 2, 2, "epoch 3", stream: .stderr)])
            == [.accepted, .accepted])
    try store.recordDecision(DecisionRecord(time: 4, kind: .studyCompleted, detail: "done"))
    return store
}

@Test func trialLogIsInOrderAcrossAttempts() throws {
    let store = try scriptedJournal()
    let lines = try store.logs(LogQuery(trial: TrialID(0), includeDecisions: false)).entries
    #expect(lines.map(\.text) == ["epoch 1", "epoch 2", "resumed\nfrom epoch 2", "epoch 3"])
    #expect(lines.map { $0.attempt! } == [1, 1, 2, 2])
    #expect(lines.map { $0.worker! } == ["a", "a", "b", "b"])
    #expect(lines.map { $0.stream! } == [.stdout, .stdout, .rung, .stderr])
    let withDecisions = try store.logs(LogQuery(trial: TrialID(0))).entries
    #expect(withDecisions.map { $0.decision?.rawValue ?? $0.text }
            == ["started", "epoch 1", "epoch 2", "lost", "requeued", "resumed\nfrom epoch 2", "epoch 3"])
}

@Test func allInterleavesTrialsAndDecisions() throws {
    let store = try scriptedJournal()
    let all = try store.logs(LogQuery()).entries
    #expect(all.map { $0.decision?.rawValue ?? $0.text } == [
        "started", "epoch 1", "epoch 2", "other trial", "lost", "requeued", "resumed\nfrom epoch 2", "epoch 3",
        "studyCompleted",
    ])
    #expect(all.map(\.cursor) == all.map(\.cursor).sorted())
    // Paging with the cursor returns the same sequence.
    var cursor: Int64 = 0
    var paged: [JournalEntry] = []
    while true {
        let page = try store.logs(LogQuery(after: cursor, limit: 2))
        if page.entries.isEmpty { #expect(page.cursor == cursor); break }
        paged += page.entries
        cursor = page.cursor
    }
    #expect(paged == all)
    let tail = try store.logs(LogQuery(trial: TrialID(0), tail: 2, includeDecisions: false)).entries
    #expect(tail.map(\.text) == ["resumed\nfrom epoch 2", "epoch 3"])
}

@Test func logFileMirrorsTheJournal() throws {
    let store = try scriptedJournal()
    let text = try String(contentsOf: store.directory.logFile(TrialID(0)), encoding: .utf8)
    #expect(text == """
        1970-01-01T00:00:01.000Z a1 a == started: budget 3
        2025-11-29T14:20:01.000Z a1 a stdout: epoch 1
        2025-11-29T14:20:02.000Z a1 a stdout: epoch 2
        1970-01-01T00:00:02.000Z a1 a == lost
        1970-01-01T00:00:03.000Z a2 b == requeued
        2025-11-29T14:20:01.000Z a2 b rung: resumed\\nfrom epoch 2
        2025-11-29T14:20:02.000Z a2 b stderr: epoch 3

        """)
    #expect(try String(contentsOf: store.directory.logFile(TrialID(1)), encoding: .utf8)
            == "2025-11-29T14:20:01.000Z a1 c stdout: other trial\n")
}

@Test func timeText() {
    #expect(TimeText.iso(1_764_426_000) == "2025-11-29T14:20:00.000Z")
    #expect(TimeText.iso(0.9996) == "1970-01-01T00:00:01.000Z")
    #expect(TimeText.iso(86_400 * 366 + 0.25) == "1971-01-02T00:00:00.250Z")
}

@Test func lateLinesOfAnEndedAttemptAreKept() throws {
    let store = try makeStore()
    try lease(store, 0, worker: "a")
    try store.endAttempt(TrialID(0), attempt: 1, outcome: .failed, now: 5)
    #expect(try store.recordLog(line(0, 1, 1, "Traceback (last stderr line)", stream: .stderr)) == .accepted)
    #expect(try store.recordLog(line(0, 1, 1, "Traceback (last stderr line)", stream: .stderr)) == .duplicate)
    try lease(store, 0, worker: "b")
    try lease(store, 0, worker: "c")  // attempt 2 is ended as lost: its worker is a zombie
    #expect(try store.recordLog(line(0, 2, 1, "zombie")) == .superseded)
    #expect(try store.recordLog(line(0, 1, 2, "late but honest")) == .accepted)
    #expect(try store.recordLog(line(0, 4, 1, "never begun")) == .unknown)
    let lines = try store.logs(LogQuery(trial: TrialID(0))).entries
    #expect(lines.map(\.text) == ["Traceback (last stderr line)", "late but honest"])
    #expect(lines.map { $0.worker! } == ["a", "a"])
}
