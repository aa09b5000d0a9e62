// The study directory's one record and one owner: the coordinator log lives in study.sqlite (an
// old `coordinator.journal` is moved in, projecting what its store lacked), a store with trials but
// no log is refused instead of restarted, and a second coordinator on the same directory is
// refused with the holder's pid, host and endpoints while the first holds its lock.
import Foundation
import Testing
import Search
import Store
@testable import Runtime

private func makeStudy(_ name: String) throws -> (root: URL, file: URL, dir: URL) {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("rung-\(name)-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
    let studyFile = root.appendingPathComponent("study.yaml")
    try """
        name: \(name)
        trials: 4
        objective: {metric: val_loss, direction: minimize}
        budget: {resource: epochs, min_resource: 1, max_resource: 9, reduction_factor: 3}
        space:
          lr: {type: loguniform, low: 1e-4, high: 1e-1}
        task: {command: ["true"]}
        """.write(to: studyFile, atomically: true, encoding: .utf8)
    return (root, studyFile, root.appendingPathComponent("run"))
}

@Test func anOldJournalFileIsMovedIntoTheStore() throws {
    let (root, studyFile, dir) = try makeStudy("migrate")
    defer { try? FileManager.default.removeItem(at: root) }
    _ = try CoordinatorProcess(options: CoordinatorOptions(studyFile: studyFile, directory: dir))

    // What an older coordinator left: two records in coordinator.journal that its store never took.
    let assignment = Assignment(trial: TrialID(0), config: ["lr": .double(0.01)], fromResource: 0, toResource: 1, reportAt: [1])
    let legacy = dir.appendingPathComponent("coordinator.journal")
    try Data((try Journal.encode([.engine(.slotFree, at: 10), .queued(assignment)]).joined(separator: "\n") + "\n").utf8)
        .write(to: legacy)

    var restarted: CoordinatorProcess? = try CoordinatorProcess(options: CoordinatorOptions(directory: dir))
    #expect(restarted?.restoredRecords == 2)
    #expect(!FileManager.default.fileExists(atPath: legacy.path))
    #expect(FileManager.default.fileExists(atPath: legacy.path + ".migrated"))
    let store = try StudyStore.open(StudyDirectory(dir), role: .reader)
    #expect(try store.coordinatorLog().count == 2)
    #expect(try store.trials().map(\.id) == [TrialID(0)])
    #expect(try store.engineEvents().map(\.0) == [.slotFree])

    // A second restart (once the first one is gone) reads the log from the store and projects nothing twice.
    restarted = nil
    let again = try CoordinatorProcess(options: CoordinatorOptions(directory: dir))
    #expect(again.restoredRecords == 2)
    #expect(try store.engineEvents().count == 1)
}

@Test func aStoreWithTrialsButNoLogIsRefused() throws {
    let (root, studyFile, dir) = try makeStudy("nolog")
    defer { try? FileManager.default.removeItem(at: root) }
    do {
        let c = try CoordinatorProcess(options: CoordinatorOptions(studyFile: studyFile, directory: dir))
        try c.store.write { tx in
            try tx.upsertTrial(TrialID(0), config: ["lr": .double(0.01)], bracket: 0, state: .queued, now: 1)
        }
    }
    #expect {
        _ = try CoordinatorProcess(options: CoordinatorOptions(directory: dir))
    } throws: { error in
        let e = error as? RuntimeError
        return e?.code == .damaged && e!.message.contains("1 trials") && e!.message.contains("no coordinator log")
    }
}

@Test func aSecondCoordinatorOnTheSameDirectoryIsRefusedUntilTheFirstIsGone() throws {
    let (root, studyFile, dir) = try makeStudy("busy")
    defer { try? FileManager.default.removeItem(at: root) }
    var first: CoordinatorProcess? = try CoordinatorProcess(
        options: { var o = CoordinatorOptions(studyFile: studyFile, directory: dir); o.bind = "tcp://127.0.0.1:47001"; return o }())
    #expect {
        _ = try CoordinatorProcess(options: CoordinatorOptions(directory: dir))
    } throws: { error in
        let e = error as? RuntimeError
        return e?.code == .studyBusy && e!.message.contains("pid \(getpid())") && e!.message.contains("tcp://127.0.0.1:47001")
    }
    #expect(StudyLock.holder(of: dir)?.pid == getpid())
    _ = first
    first = nil
    // Released with its holder: the directory is free again.
    let second = try CoordinatorProcess(options: CoordinatorOptions(directory: dir))
    #expect(second.restoredRecords == 0)
}

@Test func aLockLeftByAKilledProcessIsTakenOver() throws {
    let (root, _, dir) = try makeStudy("takeover")
    defer { try? FileManager.default.removeItem(at: root) }
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    let lockFile = StudyLock.file(in: dir).path
    // A real process takes the lock and is SIGKILLed while holding it.
    let holder = Process()
    holder.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    holder.arguments = ["python3", "-c", """
        import fcntl, sys, time
        f = open(sys.argv[1], "w"); fcntl.flock(f, fcntl.LOCK_EX)
        f.write('{"pid": 1, "host": "x", "bind": "dead", "publish": "dead", "started": 0}'); f.flush()
        print("ready", flush=True); time.sleep(60)
        """, lockFile]
    // The holder says `ready` on its stdout once it has the lock; reading that line blocks until
    // it comes (or the pipe closes, if the holder died first).
    let ready = Pipe()
    holder.standardOutput = ready
    try holder.run()
    defer { if holder.isRunning { holder.terminate() } }
    _ = ready.fileHandleForReading.availableData
    #expect(throws: RuntimeError.self) {
        _ = try StudyLock(root: dir, holder: .current(bind: "b", publish: "p"))
    }
    kill(holder.processIdentifier, SIGKILL)
    holder.waitUntilExit()
    let lock = try StudyLock(root: dir, holder: .current(bind: "b", publish: "p"))
    #expect(StudyLock.holder(of: dir) == StudyLock.Holder(pid: getpid(), host: hostName(), bind: "b", publish: "p",
                                                           started: StudyLock.holder(of: dir)?.started ?? 0))
    lock.release()
}
