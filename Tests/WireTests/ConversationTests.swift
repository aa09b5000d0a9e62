// A coordinator on a real ROUTER and a worker on a real DEALER over tcp loopback exchange the
// protocol's opening and one trial (HELLO, WELCOME, READY, ASSIGN, REPORT, LOG, checkpoint upload,
// PAUSED), then the worker sends broken messages and gets ERROR replies while the conversation
// carries on. Leaves out the coordinator's logic (Runtime): the test scripts the replies.

import Foundation
import Search
import Testing
@testable import Wire

@Suite struct ConversationTests {
    @Test func helloAssignReportPause() throws {
        let ctx = try ZMQContext()
        let (router, dealer, _) = try routerAndDealer(ctx, dealerID: "w-host-42")

        // Worker: HELLO.
        let hello = Hello(name: "w", host: "host", pid: 42, slots: 1, cachedCheckpoints: ["t9-a1-r3"])
        try dealer.send(.hello(hello))
        // Coordinator: receive it with the sender's routing id, answer WELCOME.
        let h = try #require(try router.receiveRouted(timeout: deadline))
        #expect(h.peer == PeerID(Data("w-host-42".utf8)))
        #expect(try h.result.get() == .hello(hello))
        let welcome = Welcome(worker: WorkerID(1), study: "demo", heartbeatInterval: 1, leaseTimeout: 5)
        try router.send(.welcome(welcome), to: h.peer)
        #expect(try dealer.receiveMessage(timeout: deadline) == .welcome(welcome))

        // READY → ASSIGN.
        try dealer.send(.ready(Ready(freeSlots: 1)))
        #expect(try router.receiveRouted(timeout: deadline)?.result.get() == .ready(Ready(freeSlots: 1)))
        let assign = Assign(trial: TrialID(3), attempt: 1, config: ["lr": .double(0.003), "layers": .int(2), "opt": .string("adam")],
                            task: .object(["kind": .string("tabular"), "epochs": .int(9), "lr_floor": .double(1e-5)]),
                            fromResource: 0, toResource: 3, reportAt: [1, 3], final: false)
        try router.send(.assign(assign), to: h.peer)
        guard case .assign(let a) = try dealer.receiveMessage(timeout: deadline) else {
            Issue.record("worker did not get ASSIGN"); return
        }
        #expect(a == assign)

        // Worker: a REPORT per epoch, a LOG batch, the checkpoint in two chunks, PAUSED.
        var seq = 0
        var sent: [Message] = []
        for epoch in 1...3 {
            seq += 1
            sent.append(.report(Report(trial: a.trial, attempt: a.attempt, seq: seq, resource: Double(epoch),
                                       metrics: ["val_loss": 1 / Double(epoch + 1)], atRung: a.reportAt.contains(Double(epoch)))))
        }
        seq += 1
        sent.append(.log(LogLines(trial: a.trial, attempt: 1, seq: seq, stream: .stdout, lines: ["epoch 3 done", ""])))
        let blob = Data((0..<5000).map { UInt8(truncatingIfNeeded: $0 * 7) })
        for (i, part) in [blob.prefix(4096), blob.dropFirst(4096)].enumerated() {
            sent.append(.checkpointPut(CheckpointChunk(checkpoint: "t3-a1-r3", trial: a.trial, attempt: 1, resource: 3, index: i,
                                                       count: 2, size: blob.count, sha256: String(repeating: "0", count: 64), bytes: Data(part))))
        }
        seq += 1
        sent.append(.paused(Paused(trial: a.trial, attempt: 1, seq: seq, resource: 3, checkpoint: "t3-a1-r3")))
        for m in sent { try dealer.send(m) }

        var received: [Message] = []
        while received.count < sent.count, let r = try router.receiveRouted(timeout: deadline) {
            #expect(r.peer == h.peer)
            received.append(try r.result.get())
        }
        #expect(received == sent)
        var upload = Data()
        for case .checkpointPut(let c) in received { upload.append(c.bytes) }
        #expect(upload == blob)

        // Broken messages get ERROR replies naming the problem; the conversation goes on.
        let broken: [([Data], WireError.Code, String?)] = [
            ([Data("RUNG9 READY\n{}".utf8)], .unsupportedVersion, "READY"),
            ([Envelope.frame(type: "HELO", body: "{}".utf8)], .unknownType, "HELO"),
            ([Envelope.frame(type: "REPORT", body: "{\"trial\":".utf8)], .malformedBody, "REPORT"),
            ([Envelope.frame(type: "READY", body: Data(count: 2 << 20))], .oversize, "READY"),
            ([Data("RUNG2 READY".utf8)], .malformedHeader, nil),
            ([Envelope.frame(type: "READY", body: "{}".utf8), Data()], .unexpectedFrames, "READY"),
            ([Envelope.frame(type: "CHECKPOINT_PUT", body: "{}".utf8)], .missingFrames, "CHECKPOINT_PUT"),
        ]
        for (frames, code, regarding) in broken {
            try dealer.send(frames)
            let r = try #require(try router.receiveRouted(timeout: deadline))
            guard case .failure(let error) = r.result else { Issue.record("\(frames) decoded"); continue }
            #expect(error.code == code)
            try router.replyError(to: r, error)
            guard case .error(let reply) = try dealer.receiveMessage(timeout: deadline) else {
                Issue.record("no ERROR reply for \(code)"); continue
            }
            #expect(reply.code == code && reply.regarding == regarding && reply.message == error.message)
        }
        // A peer speaking RUNG1 is refused in RUNG1's framing, which it can read: [RUNG1, ERROR, body].
        try dealer.send([Data("RUNG1".utf8), Data("HELLO".utf8), Data("{}".utf8)])
        let old = try #require(try router.receiveRouted(timeout: deadline))
        guard case .failure(let error) = old.result else { Issue.record("a RUNG1 message decoded"); return }
        try router.replyError(to: old, error)
        let refusal = try #require(try dealer.receive(timeout: deadline))
        #expect(refusal.count == 3 && refusal[0] == Data("RUNG1".utf8) && refusal[1] == Data("ERROR".utf8))
        #expect(try Envelope.decode([Envelope.frame(type: "ERROR", body: refusal[2])]) == .error(ErrorReply(
            code: .unsupportedVersion, message: "peer speaks protocol RUNG1; this side speaks RUNG2 only", regarding: "HELLO")))
        try dealer.send(.heartbeat(Heartbeat(running: [], freeSlots: 1)))
        #expect(try router.receiveRouted(timeout: deadline)?.result.get() == .heartbeat(Heartbeat(running: [], freeSlots: 1)))
    }
}
