// The libzmq layer on real sockets over loopback: multipart frames, non-blocking receive, poll,
// ROUTER_MANDATORY, PUB/SUB topic filtering, CURVE, and libzmq's error texts. Waits are polls
// with deadlines, never sleeps. Leaves out the protocol conversation (ConversationTests).

import Foundation
import Search
import Testing
@testable import Wire

/// A ROUTER bound to a free loopback port and a DEALER connected to it.
func routerAndDealer(_ ctx: ZMQContext, dealerID: String = "worker-1",
                     routerOptions: [ZMQOption] = [], dealerOptions: [ZMQOption] = [])
    throws -> (router: ZMQSocket, dealer: ZMQSocket, endpoint: String)
{
    let router = try ZMQSocket(ctx, .router, options: [.routerMandatory(true)] + routerOptions)
    try router.bind("tcp://127.0.0.1:*")
    let endpoint = try router.lastEndpoint
    let dealer = try ZMQSocket(ctx, .dealer, options: [.routingID(Data(dealerID.utf8))] + dealerOptions)
    try dealer.connect(endpoint)
    return (router, dealer, endpoint)
}

let deadline = Duration.seconds(10)

@Suite struct TransportTests {
    @Test func multipartFramesArriveExactly() throws {
        let ctx = try ZMQContext()
        let (router, dealer, _) = try routerAndDealer(ctx)
        let frames = [Data("a".utf8), Data(), Data((0...255).map { UInt8($0) }), Data(count: 100_000)]
        #expect(try dealer.send(frames))
        let got = try #require(try router.receive(timeout: deadline))
        #expect(got == [Data("worker-1".utf8)] + frames)
        #expect(try router.send([Data("worker-1".utf8), Data("back".utf8)]))
        #expect(try dealer.receive(timeout: deadline) == [Data("back".utf8)])
    }

    @Test func nonBlockingReceiveAndPollOnAnEmptySocket() throws {
        let ctx = try ZMQContext()
        let (router, dealer, _) = try routerAndDealer(ctx)
        #expect(try router.receive(wait: false) == nil)
        #expect(try ZMQSocket.poll([(router, .readable), (dealer, .readable)], timeout: .milliseconds(20)) == [[], []])
        try dealer.send([Data("x".utf8)])
        let ready = try ZMQSocket.poll([(dealer, .readable), (router, .readable)], timeout: deadline)
        #expect(ready == [[], .readable])
        #expect(try router.receive(wait: false) == [Data("worker-1".utf8), Data("x".utf8)])
        #expect(try router.fileDescriptor >= 0)
        #expect(try router.pendingEvents == .writable)
    }

    @Test func routerMandatoryRefusesAnUnknownPeer() throws {
        let ctx = try ZMQContext()
        let router = try ZMQSocket(ctx, .router, options: [.routerMandatory(true)])
        try router.bind("tcp://127.0.0.1:*")
        let error = #expect(throws: WireError.self) {
            try router.send(.wait(Wait(reason: "none")), to: PeerID(Data("nobody".utf8)))
        }
        #expect(error?.code == .transport)
        #expect(error?.errno == EHOSTUNREACH)
        #expect(error?.message.contains("Host unreachable") == true)
    }

    @Test func libzmqErrorTextsReachTheCaller() throws {
        let ctx = try ZMQContext()
        let a = try ZMQSocket(ctx, .router)
        try a.bind("tcp://127.0.0.1:*")
        let b = try ZMQSocket(ctx, .router)
        let taken = #expect(throws: WireError.self) { try b.bind(try a.lastEndpoint) }
        #expect(taken?.message.contains("Address already in use") == true)
        let bad = #expect(throws: WireError.self) { try b.bind("carrier-pigeon://x") }
        #expect(bad?.message.hasPrefix("zmq_bind(router, \"carrier-pigeon://x\") failed: Protocol not supported") == true)
        a.close()
        let closed = #expect(throws: WireError.self) { try a.send([Data()]) }
        #expect(closed?.message == "send on a closed router socket")
        let key = #expect(throws: WireError.self) { try b.set(.curveServer(secretKey: "short")) }
        #expect(key?.message == "ZMQ_CURVE_SECRETKEY must be a 40-character Z85 key; got 5 characters")
    }

    @Test func optionsApplyAndReadBack() throws {
        let ctx = try ZMQContext()
        let s = try ZMQSocket(ctx, .dealer, options: [
            .linger(milliseconds: 0), .sendHighWaterMark(5000), .receiveHighWaterMark(5000),
            .maxMessageSize(Envelope.Limits.standard.socketMaxMessageSize),
            .heartbeatInterval(milliseconds: 1000), .heartbeatTimeout(milliseconds: 3000), .heartbeatTTL(milliseconds: 5000),
            .reconnectInterval(milliseconds: 100), .reconnectIntervalMax(milliseconds: 2000),
            .sendTimeout(milliseconds: 1000), .receiveTimeout(milliseconds: 1000), .immediate(false),
            .handshakeInterval(milliseconds: 5000), .routingID(Data("w-7".utf8)),
        ])
        #expect(try s.routingID == Data("w-7".utf8))
        try s.bind("tcp://127.0.0.1:*")
        #expect(try s.lastEndpoint.hasPrefix("tcp://127.0.0.1:"))
        // A receive timeout turns a blocking receive into nil.
        try s.set(.receiveTimeout(milliseconds: 1))
        #expect(try s.receive() == nil)
    }

    @Test func subscribersGetOnlyTheirTrialsLogs() throws {
        let ctx = try ZMQContext()
        let pub = try ZMQSocket(ctx, .pub)
        try pub.bind("tcp://127.0.0.1:*")
        let sub = try ZMQSocket(ctx, .sub, options: [.subscribe(Data(Topic.logs(study: "s", trial: TrialID(1)).utf8))])
        try sub.connect(try pub.lastEndpoint)

        func lines(_ trial: Int, _ seq: Int, _ text: String) -> Message {
            .log(LogLines(trial: TrialID(trial), attempt: 1, seq: seq, stream: .stdout, lines: [text]))
        }
        // A subscription reaches the publisher asynchronously: publish probes until one arrives.
        let until = ContinuousClock.now + deadline
        var joined = false
        while !joined && ContinuousClock.now < until {
            try pub.publish(lines(1, 99, "probe"), topic: Topic.log(study: "s", trial: TrialID(1), stream: .stdout))
            joined = try sub.receivePublished(timeout: .milliseconds(50)) != nil
        }
        #expect(joined)
        try pub.publish(lines(10, 1, "ten"), topic: Topic.log(study: "s", trial: TrialID(10), stream: .stdout))
        try pub.publish(lines(1, 1, "one"), topic: Topic.log(study: "s", trial: TrialID(1), stream: .stderr))
        var got: (topic: String, message: Message)?
        repeat {
            got = try sub.receivePublished(timeout: deadline)
        } while got?.message == lines(1, 99, "probe")
        #expect(got?.topic == "log/s/1/stderr")
        #expect(got?.message == lines(1, 1, "one"))
        #expect(try sub.receive(wait: false) == nil)
    }

    @Test func curveKeysAndAnEncryptedConversation() throws {
        #expect(ZMQContext.has("curve"))
        let server = try CurveKeyPair.generate()
        let client = try CurveKeyPair.generate()
        #expect(server.publicKey.utf8.count == 40 && server.secretKey.utf8.count == 40)
        #expect(server != client)
        #expect(try CurveKeyPair.derivePublicKey(secretKey: server.secretKey) == server.publicKey)
        let ctx = try ZMQContext()
        let (router, dealer, _) = try routerAndDealer(
            ctx, routerOptions: [.curveServer(secretKey: server.secretKey)],
            dealerOptions: [.curveClient(serverKey: server.publicKey, publicKey: client.publicKey, secretKey: client.secretKey)])
        try dealer.send(.ready(Ready(freeSlots: 2)))
        let got = try #require(try router.receiveRouted(timeout: deadline))
        #expect(try got.result.get() == .ready(Ready(freeSlots: 2)))
    }

    @Test func framesAboveMaxMessageSizeDropTheConnectionNotTheProcess() throws {
        let ctx = try ZMQContext()
        let (router, dealer, _) = try routerAndDealer(
            ctx, routerOptions: [.maxMessageSize(1000)], dealerOptions: [.reconnectInterval(milliseconds: 20)])
        try dealer.send([Data(count: 5000)])
        // libzmq drops the connection; the DEALER reconnects and later messages arrive.
        let until = ContinuousClock.now + deadline
        var got: [Data]?
        var probe = 0
        while got == nil && ContinuousClock.now < until {
            probe += 1
            try dealer.send([Data("probe \(probe)".utf8)])
            got = try router.receive(timeout: .milliseconds(50))
        }
        #expect(got?.count == 2)
        #expect(got.map { String(decoding: $0[1], as: UTF8.self).hasPrefix("probe ") } == true)
    }

    @Test func curveAllowListAdmitsKnownKeysOnly() throws {
        let ctx = try ZMQContext()
        let server = try CurveKeyPair.generate()
        let known = try CurveKeyPair.generate()
        let stranger = try CurveKeyPair.generate()
        let auth = try CurveAuthenticator(ctx, allowing: [known.publicKey])
        defer { auth.stop() }
        let router = try ZMQSocket(ctx, .router, options: [.curveServer(secretKey: server.secretKey), .zapDomain("rung")])
        try router.bind("tcp://127.0.0.1:*")
        func client(_ keys: CurveKeyPair, _ id: String) throws -> ZMQSocket {
            let s = try ZMQSocket(ctx, .dealer, options: [
                .routingID(Data(id.utf8)), .linger(milliseconds: 0),
                .curveClient(serverKey: server.publicKey, publicKey: keys.publicKey, secretKey: keys.secretKey)])
            try s.connect(try router.lastEndpoint)
            return s
        }
        let bad = try client(stranger, "stranger")
        try bad.send(.ready(Ready(freeSlots: 1)))
        let good = try client(known, "known")
        try good.send(.ready(Ready(freeSlots: 2)))
        var peers: [PeerID] = []
        let until = ContinuousClock.now + deadline
        while (peers.isEmpty || !auth.denied.contains(stranger.publicKey)) && ContinuousClock.now < until {
            if let r = try router.receiveRouted(timeout: .milliseconds(50)) { peers.append(r.peer) }
        }
        #expect(peers == [PeerID(Data("known".utf8))])
        #expect(auth.denied.contains(stranger.publicKey) && !auth.denied.contains(known.publicKey))
        #expect(try router.receive(wait: false) == nil)
    }

    @Test func libraryVersion() {
        let v = ZMQContext.libraryVersion
        #expect(v.major == 4 && v.minor >= 3)
    }
    /// `receiveRouted` reads a plain REPORT in place and everything else as received: either
    /// way its answer is `Envelope.decode`'s for the same frames, refusals worded alike.
    @Test func routedReceiveAnswersAsDecode() throws {
        let ctx = try ZMQContext()
        let (router, dealer, _) = try routerAndDealer(ctx)
        let report = Message.report(Report(trial: TrialID(3), attempt: 1, seq: 7, resource: 2,
                                           metrics: ["val_loss": 0.25, "acc": 0.5], atRung: true, time: 1_764_426_000.5))
        let good = Envelope.encode(report)
        func body(_ text: String) -> [Data] { [Envelope.frame(type: "REPORT", body: text.utf8)] }
        let goodBody = String(decoding: good[0].drop { $0 != 0x0A }.dropFirst(), as: UTF8.self)
        let limits = Envelope.Limits(maxBodyBytes: 400, maxBinaryBytes: 1000)
        let cases: [[Data]] = [
            good,
            Envelope.encode(.log(LogLines(trial: TrialID(3), attempt: 1, seq: 8, stream: .stdout, lines: ["x"]))),
            body(#"{"trial":3,"attempt":1,"seq":0,"resource":2,"metrics":{"a":1},"atRung":false}"#),
            body(#"{"trial":3,"attempt":1,"seq":1,"resource":-1,"metrics":{"a":1},"atRung":false}"#),
            body(#"{"trial":3,"attempt":1,"seq":1,"resource":1,"metrics":{"":1},"atRung":false}"#),
            body(#"{"trial":3,"attempt":1,"seq":1,"resource":1,"metrics":{"a\u0062":1},"atRung":false}"#),
            body(#"{"trial":3,"attempt":1,"seq":1,"resource":1,"metrics":{"a":1},"atRung":false,"time":1e300}"#),
            body(#"{"trial":3,"attempt":1,"seq":1,"resource":1,"metrics":{"a":1}}"#),
            body("{" + String(repeating: " ", count: 500) + "}"),
            body(""),
            [Data("RUNG3 REPORT\n\(goodBody)".utf8)],
            [Data("RUNG2 REPORTS\n\(goodBody)".utf8)],
            [Data("RUNG2 REPORT \n\(goodBody)".utf8)],
            [Data("RUNG2 REPORT\(goodBody)".utf8)],
            [Data("RUNG2REPORT\n\(goodBody)".utf8)],
            [Data()],
            [Data("RUNG1".utf8), Data("REPORT".utf8), Data(goodBody.utf8)],
            good + [Data("extra".utf8)],
            good + [Data("extra".utf8), Data(), Data("more".utf8)],
            [Data(good[0].prefix(12))],
        ]
        for frames in cases {
            #expect(try dealer.send(frames))
            let got = try #require(try router.receiveRouted(timeout: deadline, limits: limits))
            #expect(got.peer == PeerID(Data("worker-1".utf8)))
            #expect(got.size == frames.reduce(0) { $0 + $1.count })
            let expected = Result { () throws(WireError) -> Message in try Envelope.decode(frames, limits: limits) }
            #expect(got.result == expected, "\(frames.map { String(decoding: $0, as: UTF8.self) })")
            #expect(got.frames == ((try? expected.get()) == nil ? frames : []))
        }
    }

    /// A ROUTER keeps the metric names of the last REPORT to reuse them: reports whose names
    /// stay, change, shrink, grow and repeat, from two peers in turn, each read as `decode`
    /// reads it, names in their order.
    @Test func routedReportsWithChangingNamesReadAsDecode() throws {
        let ctx = try ZMQContext()
        let (router, dealer, endpoint) = try routerAndDealer(ctx)
        let other = try ZMQSocket(ctx, .dealer, options: [.routingID(Data("worker-2".utf8))])
        try other.connect(endpoint)
        let names: [MetricValues] = [
            ["val_loss": 0.5, "acc": 0.25], ["val_loss": 0.4, "acc": 0.5], ["val_loss": 0.4, "acd": 0.5],
            ["val_loss": 0.4], ["val_loss": 0.4, "acd": 0.5, "validation_accuracy_top5": 1],
            ["acd": 1, "val_loss": 2], ["validation_accuracy_top5": 1, "acd": 0.5, "val_loss": 0.4],
        ]
        var seq = 0
        for metrics in names + names.reversed() {
            for (peer, socket) in [("worker-1", dealer), ("worker-2", other)] {
                seq += 1
                let report = Message.report(Report(trial: TrialID(3), attempt: 1, seq: seq, resource: 2, metrics: metrics,
                                                   atRung: false, time: nil))
                let frames = Envelope.encode(report)
                #expect(try socket.send(frames))
                let got = try #require(try router.receiveRouted(timeout: deadline))
                #expect(got.peer == PeerID(Data(peer.utf8)))
                let expected = try Envelope.decode(frames)
                #expect(got.result == .success(expected))
                guard case .report(let r)? = try? got.result.get(), case .report(let e) = expected else {
                    Issue.record("not a report: \(got.result)")
                    continue
                }
                #expect(r.metrics.keys == e.metrics.keys && r.metrics.keys == metrics.keys)
            }
        }
        // A refused report in between leaves the next one read right.
        #expect(try dealer.send([Envelope.frame(type: "REPORT", body: #"{"trial":3,"attempt":1,"seq":99,"resource":1,"metrics":{"a":1,"a":"#.utf8)]))
        let refused = try #require(try router.receiveRouted(timeout: deadline))
        #expect((try? refused.result.get()) == nil)
        let repeated = [Envelope.frame(type: "REPORT", body: #"{"trial":3,"attempt":1,"seq":100,"resource":1,"metrics":{"a":1,"a":2},"atRung":true}"#.utf8)]
        #expect(try dealer.send(repeated))
        let got = try #require(try router.receiveRouted(timeout: deadline))
        #expect(got.result == .success(try Envelope.decode(repeated)))
        guard case .report(let r)? = try? got.result.get() else { Issue.record("\(got.result)"); return }
        #expect(r.metrics.keys == ["a"] && r.metrics["a"] == 2)
    }
}
