// The check that PROTOCOL.md suffices: a scripted coordinator on a real ROUTER drives
// scripts/pyworker/mini_worker.py (pyzmq, written from the spec alone) through a rung pause with
// checkpoint upload, a resume with checkpoint download, a STOP, an ERROR reply and BYE. Checkpoints
// cross languages both ways: the Python worker's upload unpacks with the Swift worker's
// `CheckpointArchive` (manifest, sizes, SHA-256 checked), and it resumes from an archive the Swift
// side packed. deploy/test.sh installs pyzmq; without `python3 -c 'import zmq'` the suite skips.

import Foundation
import RungBasics
import Search
import Store
import Testing
@testable import Runtime
@testable import Wire

/// True when `python3` on PATH can import pyzmq.
private let pythonHasZMQ: Bool = {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    p.arguments = ["python3", "-c", "import zmq"]
    p.standardOutput = FileHandle.nullDevice
    p.standardError = FileHandle.nullDevice
    guard (try? p.run()) != nil else { return false }
    p.waitUntilExit()
    return p.terminationStatus == 0
}()

@Suite(.enabled(if: pythonHasZMQ, "python3 cannot import zmq (deploy/test.sh installs pyzmq with pip)"))
struct PythonWorkerCheck {
    @Test func pythonWorkerRunsTrials() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let ctx = try ZMQContext()
        let router = try ZMQSocket(ctx, .router, options: [.routerMandatory(true)])
        try router.bind("tcp://127.0.0.1:*")
        let python = Process()
        python.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        python.arguments = ["python3", root.appendingPathComponent("scripts/pyworker/mini_worker.py").path,
                            "--connect", try router.lastEndpoint, "--max-assignments", "3",
                            "--send-garbage", "--epoch-seconds", "0.002"]
        try python.run()
        defer { if python.isRunning { python.terminate() } }

        func next() throws -> (PeerID, Message) {
            while true {
                let r = try #require(try router.receiveRouted(timeout: .seconds(30)), "python worker went silent")
                switch r.result {
                case .success(.heartbeat): continue
                case .success(let m): return (r.peer, m)
                case .failure(let e):
                    #expect(e.code == .unknownType)
                    try router.replyError(to: r, e)
                }
            }
        }

        // Opening: HELLO → WELCOME, READY.
        var (peer, m) = try next()
        guard case .hello(let hello) = m else { Issue.record("expected HELLO, got \(m)"); return }
        #expect(hello.protocolVersion == Envelope.version && hello.slots == 1 && hello.running.isEmpty)
        try router.send(.welcome(Welcome(worker: WorkerID(1), study: "py", heartbeatInterval: 0.5, leaseTimeout: 5)), to: peer)
        (peer, m) = try next()
        #expect(m == .ready(Ready(freeSlots: 1)))

        // A new trial to a rung: REPORT+LOG per epoch, checkpoint upload, PAUSED.
        let task = JSONValue.object(["kind": .string("curve")])
        try router.send(.assign(Assign(trial: TrialID(0), attempt: 1, config: ["lr": .double(0.01)], task: task,
                                       fromResource: 0, toResource: 3, reportAt: [1, 3], final: false,
                                       objective: ObjectiveRef(metric: "score", direction: "minimize"))), to: peer)
        var reports: [Report] = []
        var logs = 0
        var chunks: [CheckpointChunk] = []
        var paused: Paused?
        while paused == nil {
            (peer, m) = try next()
            switch m {
            case .report(let r): reports.append(r)
            case .log(let l): logs += l.lines.count
            case .checkpointPut(let c):
                chunks.append(c)
                if c.index == c.count - 1 {
                    try router.send(.checkpointStored(CheckpointStored(checkpoint: c.checkpoint, size: c.size)), to: peer)
                }
            case .paused(let p): paused = p
            default: Issue.record("unexpected \(m.type)")
            }
        }
        #expect(reports.map(\.resource) == [1, 2, 3])
        #expect(reports.map(\.atRung) == [true, false, true])
        #expect(reports.allSatisfy { $0.trial == TrialID(0) && $0.attempt == 1 && $0.metrics["score"] != nil },
                "the objective named in ASSIGN is reported")
        #expect(logs == 3)
        let seqs = reports.map(\.seq) + [paused!.seq]
        #expect(seqs == seqs.sorted() && Set(seqs).count == seqs.count)
        #expect(paused?.checkpoint == "t0-a1-r3" && paused?.resource == 3)
        #expect(chunks.map(\.index) == Array(0..<chunks.count) && chunks.count > 1)
        let uploaded = chunks.reduce(into: Data()) { $0.append($1.bytes) }
        #expect(uploaded.count == chunks[0].size)

        // The Python worker's checkpoint unpacks with the Swift worker's reader (manifest checked).
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("rung-pycheck-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let fromPython = scratch.appendingPathComponent("from-python")
        try CheckpointArchive.unpack(uploaded, into: fromPython)
        let state = try JSONSerialization.jsonObject(with: Data(contentsOf: fromPython.appendingPathComponent("state.json"))) as? [String: Any]
        #expect((state?["epoch"] as? NSNumber)?.doubleValue == 3)
        #expect(try Data(contentsOf: fromPython.appendingPathComponent("weights/model.bin")).count == 100_000)

        // The resume below gets an archive packed by the Swift side, as a Swift worker uploads it.
        let toPython = scratch.appendingPathComponent("to-python")
        try FileManager.default.createDirectory(at: toPython.appendingPathComponent("weights"), withIntermediateDirectories: true)
        try Data(#"{"epoch": 3, "config": {"lr": 0.01}}"#.utf8).write(to: toPython.appendingPathComponent("state.json"))
        try Data(repeating: 7, count: 150_000).write(to: toPython.appendingPathComponent("weights/model.bin"))
        let blob = try CheckpointArchive.pack(toPython)
        let blobSHA = SHA256.hex(blob)

        // A resume from a checkpoint the worker lacks (as if promoted onto it): CHECKPOINT_GET.
        (peer, m) = try next()
        #expect(m == .ready(Ready(freeSlots: 1)))
        let ref = CheckpointRef(id: "t0-copy", resource: 3, size: blob.count, sha256: blobSHA)
        try router.send(.assign(Assign(trial: TrialID(0), attempt: 2, config: ["lr": .double(0.01)], task: task,
                                       fromResource: 3, toResource: 5, reportAt: [5], final: true, checkpoint: ref)), to: peer)
        (peer, m) = try next()
        #expect(m == .checkpointGet(CheckpointRequest(checkpoint: "t0-copy")))
        let half = blob.count / 2
        for (i, part) in [blob.prefix(half), blob.dropFirst(half)].enumerated() {
            try router.send(.checkpoint(CheckpointChunk(checkpoint: "t0-copy", trial: TrialID(0), attempt: 1, resource: 3,
                                                        index: i, count: 2, size: blob.count, sha256: ref.sha256,
                                                        bytes: Data(part))), to: peer)
        }
        var resumed: [Double] = []
        var done: Done?
        while done == nil {
            (peer, m) = try next()
            switch m {
            case .report(let r): resumed.append(r.resource)
            case .log: break
            case .done(let d): done = d
            default: Issue.record("unexpected \(m.type)")
            }
        }
        #expect(resumed == [4, 5])
        #expect(done?.resource == 5 && done?.attempt == 2)

        // STOP in the middle of a long attempt: no DONE, no PAUSED; then BYE (3rd assignment).
        (peer, m) = try next()
        #expect(m == .ready(Ready(freeSlots: 1)))
        try router.send(.assign(Assign(trial: TrialID(1), attempt: 1, config: ["lr": .double(0.1)], task: task,
                                       fromResource: 0, toResource: 100_000, reportAt: [], final: true)), to: peer)
        var stopped = false
        while true {
            (peer, m) = try next()
            if case .report(let r) = m, !stopped {
                #expect(r.trial == TrialID(1))
                try router.send(.stop(Stop(trial: TrialID(1), attempt: 1, reason: "lost its rung")), to: peer)
                stopped = true
            } else if case .bye = m {
                break
            } else if case .report = m {
            } else if case .log = m {
            } else {
                Issue.record("unexpected \(m.type) after STOP")
            }
        }
        python.waitUntilExit()
        #expect(python.terminationStatus == 0)
    }
}
