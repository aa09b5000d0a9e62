// A crash between the journal append and the store commit of the same batch: the restarted
// coordinator projects the journal records the store lacks, so the store and the journal agree.
import Foundation
import Testing
import Search
import Store
@testable import Runtime

@Test func restartProjectsJournalRecordsTheStoreLacks() throws {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("rung-catchup-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: root) }
    let studyFile = root.appendingPathComponent("study.yaml")
    try """
        name: catchup
        trials: 4
        objective: {metric: val_loss, direction: minimize}
        budget: {resource: epochs, min_resource: 1, max_resource: 9, reduction_factor: 3}
        space:
          lr: {type: loguniform, low: 1e-4, high: 1e-1}
        task: {command: ["true"]}
        """.write(to: studyFile, atomically: true, encoding: .utf8)
    let dir = root.appendingPathComponent("run")
    _ = try CoordinatorProcess(options: CoordinatorOptions(studyFile: studyFile, directory: dir))

    // What a batch leaves when the process dies after the journal append, before the store commit.
    let assignment = Assignment(trial: TrialID(0), config: ["lr": .double(0.01)], fromResource: 0, toResource: 1, reportAt: [1])
    let journal = try Journal(url: dir.appendingPathComponent("coordinator.journal"), fsync: false)
    try journal.append([.engine(.slotFree, at: 10), .queued(assignment)])

    let restarted = try CoordinatorProcess(options: CoordinatorOptions(directory: dir))
    #expect(restarted.restoredRecords == 2)
    let store = try StudyStore.open(StudyDirectory(dir), role: .reader)
    #expect(try store.journalPosition() == 2)
    #expect(try store.trials().map(\.id) == [TrialID(0)])
    #expect(try store.engineEvents().map(\.0) == [.slotFree])

    // A second restart projects nothing twice.
    _ = try CoordinatorProcess(options: CoordinatorOptions(directory: dir))
    #expect(try store.engineEvents().count == 1)
}
