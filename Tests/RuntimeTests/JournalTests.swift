// Tests of the coordinator's journal records as text: records read back equal to what was written
// (the hand-written `.epoch` lines included, with escapes and non-finite numbers), `.epoch` lines
// as older coordinators wrote them, and the torn last line of an old `coordinator.journal` file ignored.
import Foundation
import Testing
import Search
@testable import Runtime

@Test func journalReadsBackEveryRecordAndIgnoresATornLine() throws {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("rung-journal-\(UUID().uuidString).jsonl")
    defer { try? FileManager.default.removeItem(at: url) }
    let a = Assignment(trial: TrialID(4), config: ["lr": .double(0.001), "opt": .string("adamw"), "n": .int(3)],
                       fromResource: 1, toResource: 3, reportAt: [3], bracket: 1)
    let order = WorkOrder(assignment: a, attempt: 2, checkpoint: .coordinator, isFinal: false)
    let epoch = EpochReport(trial: TrialID(4), attempt: 2, seq: 7, resource: 2.5,
                            metrics: ["val \"f1\"\n": 0.875, "loss": 1e-7, "big": -1.5e300, "zero": 0])
    let records: [JournalRecord] = [
        .engine(.slotFree, at: 1_700_000_000.25),
        .queued(a),
        .started(order, worker: WorkerName("w-1")),
        .epoch(epoch),
        .engine(.reported(trial: TrialID(4), resource: 3, value: 0.5, metrics: ["acc": 0.5]), at: 2),
        .ended(AttemptRef(trial: TrialID(4), attempt: 2), .failed(reason: "exit status 3; last stderr: \"boom\"")),
        .checkpointHeld(trial: TrialID(4), resource: 1, worker: WorkerName("w-1")),
        .complete,
    ]
    // An old coordinator's file, torn by a crash in the middle of an append.
    let text = try Journal.encode(records).joined(separator: "\n") + "\n" + #"{"epoch":{"_0":{"attempt":2,"metr"#
    try Data(text.utf8).write(to: url)
    #expect(try Journal.readFile(url) == records)
    #expect(try Journal.decode(Journal.encode(records), source: "test") == records)
    // The hand-written line decodes like JSONEncoder's.
    let decoded = try JSONDecoder().decode(JournalRecord.self, from: Data(Journal.line(epoch).utf8))
    #expect(decoded == .epoch(epoch))
}

@Test func nonFiniteMetricsSurviveTheJournal() throws {
    let e = EpochReport(trial: TrialID(0), attempt: 1, seq: 1, resource: 1,
                        metrics: ["loss": .nan, "grad": .infinity, "low": -.infinity])
    let lines = try Journal.encode([.epoch(e), .engine(.reported(trial: TrialID(0), resource: 1, value: .nan, metrics: ["loss": .nan]), at: 0)])
    let back = try Journal.decode(lines, source: "test")
    guard case .epoch(let r)? = back.first, case .engine(.reported(_, _, let v, let m), _)? = back.last else {
        Issue.record("unexpected records \(back)")
        return
    }
    #expect(r.metrics["loss"]!.isNaN)
    #expect(r.metrics["grad"] == .infinity)
    #expect(r.metrics["low"] == -.infinity)
    #expect(v.isNaN)
    #expect(m["loss"]!.isNaN)
}

@Test func epochLinesOfOlderCoordinatorsStillRead() throws {
    // As coordinators before the shared report type wrote them: sorted keys, no atRung, no time.
    let old = #"{"epoch":{"_0":{"attempt":2,"metrics":{"loss":1e-07,"val \"f1\"\n":0.875},"resource":2.5,"seq":7,"trial":4}}}"#
    let back = try Journal.decode([old], source: "test")
    #expect(back == [.epoch(EpochReport(trial: TrialID(4), attempt: 2, seq: 7, resource: 2.5,
                                        metrics: ["loss": 1e-7, "val \"f1\"\n": 0.875]))])
}
