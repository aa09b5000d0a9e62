// The envelope's contract: every message type survives encode → decode unchanged; any other bytes
// give a WireError with the right code and a message naming the problem; never a crash.
// Leaves out sockets (TransportTests, ConversationTests).

import Foundation
import RungBasics
import PropertyBased
import Search
import Testing
@testable import Wire

private let messages = Generator<Message, Shrink.None<Message>>(run: { rng in
    var g = RandomMessages(seed: rng.next())
    return g.message(MessageType.allCases.randomElement(using: &g.r)!)
})

private func frames(_ parts: String...) -> [Data] { parts.map { Data($0.utf8) } }

private func decodeError(_ f: [Data], limits: Envelope.Limits = .standard) -> WireError? {
    do throws(WireError) { _ = try Envelope.decode(f, limits: limits); return nil } catch { return error }
}

@Suite struct EnvelopeTests {
    @Test(arguments: MessageType.allCases)
    func everyTypeRoundTrips(_ type: MessageType) throws {
        for seed in 0..<40 as Range<UInt64> {
            var g = RandomMessages(seed: seed &* 0x9E37_79B9 &+ UInt64(type.rawValue.count))
            let m = g.message(type)
            #expect(m.type == type)
            let f = Envelope.encode(m)
            #expect(f.count == (type.carriesBinaryFrame ? 4 : 3))
            #expect(f[0] == Data("RUNG1".utf8))
            #expect(f[1] == Data(type.rawValue.utf8))
            #expect(try Envelope.decode(f) == m)
        }
    }

    @Test func randomMessagesRoundTrip() async {
        await propertyCheck(count: 300, input: messages) { m in
            #expect(try Envelope.decode(Envelope.encode(m)) == m)
            let peer = PeerID(Data([0, 1, 2, 255]))
            let routed = Envelope.splitRouted(Envelope.encode(m, to: peer))
            #expect(routed?.peer == peer)
            #expect(try Envelope.decode(routed!.frames) == m)
            let p = try Envelope.decodePublished(Envelope.encode(m, topic: "log/s/3/stdout"))
            #expect(p.topic == "log/s/3/stdout" && p.message == m)
        }
    }

    @Test func reportBodyIsTheDocumentedJSON() throws {
        let m = Message.report(Report(trial: TrialID(17), attempt: 2, seq: 5, resource: 3,
                                      metrics: ["val_loss": 0.25], atRung: true))
        let f = Envelope.encode(m)
        #expect(String(decoding: f[2], as: UTF8.self)
            == #"{"trial":17,"attempt":2,"seq":5,"resource":3.0,"metrics":{"val_loss":0.25},"atRung":true}"#)
        // What a Python worker writes (other key order, spaces, optional field as null) decodes too.
        let py = frames("RUNG1", "REPORT",
                        #"{"metrics": {"val_loss": 25e-2}, "trial": 17, "attempt": 2, "seq": 5, "resource": 3, "atRung": true, "time": null, "extra": [1, {"x": null}]}"#)
        #expect(try Envelope.decode(py) == m)
    }

    @Test func nonFiniteMetricsTravelAsStrings() throws {
        let m = Message.report(Report(trial: TrialID(1), attempt: 1, seq: 1, resource: 1,
                                      metrics: ["loss": .nan, "up": .infinity, "down": -.infinity], atRung: false))
        let f = Envelope.encode(m)
        let text = String(decoding: f[2], as: UTF8.self)
        #expect(text.contains(#""loss":"NaN""#) && text.contains(#""up":"Infinity""#) && text.contains(#""down":"-Infinity""#))
        guard case .report(let r) = try Envelope.decode(f) else { Issue.record("not a REPORT"); return }
        #expect(r.metrics["loss"]!.isNaN && r.metrics["up"] == .infinity && r.metrics["down"] == -.infinity)
    }

    @Test func emptyBodyFrameReadsAsEmptyObject() throws {
        #expect(try Envelope.decode(frames("RUNG1", "STATUS", "")) == .status(StatusRequest()))
    }

    @Test func checkpointChunkBytesTravelInTheFourthFrame() throws {
        let bytes = Data((0..<1000).map { UInt8($0 % 251) })
        let c = CheckpointChunk(checkpoint: "t3-a1-r9", trial: TrialID(3), attempt: 1, resource: 9, index: 1,
                                count: 3, size: 2500, sha256: String(repeating: "ab", count: 32), bytes: bytes)
        let f = Envelope.encode(.checkpointPut(c))
        #expect(f[3] == bytes)
        #expect(!String(decoding: f[2], as: UTF8.self).contains("bytes"))
        #expect(try Envelope.decode(f) == .checkpointPut(c))
    }

    @Test func topicStrings() {
        #expect(Topic.log(study: "s", trial: TrialID(12), stream: .stderr) == "log/s/12/stderr")
        #expect(Topic.logs(study: "s", trial: TrialID(1)) == "log/s/1/")
        #expect(Topic.logs(study: "s") == "log/s/")
        #expect(Topic.event(study: "s", kind: .promoted) == "event/s/promoted")
        #expect(Topic.events(study: "s") == "event/s/")
        #expect(!Topic.log(study: "s", trial: TrialID(10), stream: .stdout).hasPrefix(Topic.logs(study: "s", trial: TrialID(1))))
    }

    @Test func statusReplyStatesAreNamedKeys() throws {
        let f = frames("RUNG1", "STATUS_REPLY", #"{"study":"s","finished":false,"trialsByState":{"running":2,"lost":1},"rungs":[],"workers":[]}"#)
        let e = decodeError(f)
        #expect(e?.code == .malformedBody && e!.message.contains(#""lost" is no trial state; known: queued, running"#))
        let ok = frames("RUNG1", "STATUS_REPLY", #"{"study":"s","finished":true,"trialsByState":{"running":2},"rungs":[],"workers":[]}"#)
        #expect(try Envelope.decode(ok) == .statusReply(StatusReply(study: "s", finished: true, trialsByState: [.running: 2],
                                                                   rungs: [], workers: [], best: nil)))
    }

    // MARK: Errors, each with its code and a message naming the problem

    @Test func missingAndExtraFrames() {
        let e1 = decodeError(frames("RUNG1", "READY"))
        #expect(e1?.code == .missingFrames && e1!.message.contains("got 2 frame"))
        let e2 = decodeError(frames("RUNG1", "CHECKPOINT_PUT", #"{"checkpoint":"c","trial":1,"attempt":1,"resource":1,"index":0,"count":1,"size":1,"sha256":"x"}"#))
        #expect(e2?.code == .missingFrames && e2!.message.contains("CHECKPOINT_PUT needs 4"))
        let e3 = decodeError(frames("RUNG1", "READY", #"{"freeSlots":1}"#, "extra"))
        #expect(e3?.code == .unexpectedFrames && e3!.message == "READY has 3 frames; got 4")
        #expect(decodeError([])?.code == .missingFrames)
    }

    @Test func versionAndTagProblems() {
        let e1 = decodeError(frames("RUNG2", "READY", #"{"freeSlots":1}"#))
        #expect(e1?.code == .unsupportedVersion)
        #expect(e1?.message == "peer speaks protocol RUNG2; this side speaks RUNG1 only")
        let e2 = decodeError([Data([0x00, 0xff]), Data("READY".utf8), Data("{}".utf8)])
        #expect(e2?.code == .notRung)
        #expect(e2?.message == #"first frame is "\x00\xff"; a Rung message starts with the frame "RUNG1""#)
        #expect(decodeError(frames("RUNG", "READY", "{}"))?.code == .notRung)
        #expect(decodeError(frames("rung1", "READY", "{}"))?.code == .notRung)
    }

    @Test func unknownType() {
        let e = decodeError(frames("RUNG1", "REPROT", "{}"))
        #expect(e?.code == .unknownType)
        #expect(e!.message.hasPrefix(#"type frame "REPROT" is no message type; known: HELLO, READY,"#))
        #expect(decodeError(frames("RUNG1", "ready", #"{"freeSlots":1}"#))?.code == .unknownType)
    }

    @Test func malformedBodiesNameTheField() {
        let missing = decodeError(frames("RUNG1", "REPORT", #"{"trial":1,"attempt":1,"resource":2,"metrics":{},"atRung":false}"#))
        #expect(missing?.code == .malformedBody)
        #expect(missing?.message == "REPORT body: missing field `seq`")
        let wrong = decodeError(frames("RUNG1", "REPORT", #"{"trial":1,"attempt":1,"seq":1,"resource":2,"metrics":{"loss":"low"},"atRung":false}"#))
        #expect(wrong?.code == .malformedBody)
        #expect(wrong?.message.hasPrefix("REPORT body: `metrics.loss`") == true)
        let nested = decodeError(frames("RUNG1", "HEARTBEAT", #"{"running":[{"trial":1}],"freeSlots":0}"#))
        #expect(nested?.message == "HEARTBEAT body: missing field `attempt` in `running[0]`")
        let notJSON = decodeError(frames("RUNG1", "READY", "{freeSlots: 1"))
        #expect(notJSON?.code == .malformedBody && notJSON!.message.hasPrefix("READY body: not valid JSON"))
        let stream = decodeError(frames("RUNG1", "LOG", #"{"trial":1,"attempt":1,"seq":1,"stream":"stdin","lines":[]}"#))
        #expect(stream?.code == .malformedBody && stream!.message.hasPrefix("LOG body: `stream` is invalid"))
        let chunk = decodeError(frames("RUNG1", "CHECKPOINT_PUT", #"{"checkpoint":"c","trial":1,"attempt":1,"resource":1,"index":3,"count":3,"size":1,"sha256":"x"}"#, "b"))
        #expect(chunk?.message == "CHECKPOINT_PUT body: `index` is 3; accepted: an integer in 0…2")
    }

    @Test func oversizeFrames() {
        let limits = Envelope.Limits(maxBodyBytes: 64, maxBinaryBytes: 16)
        let big = #"{"freeSlots":1,"pad":""# + String(repeating: "x", count: 100) + #""}"#
        let e1 = decodeError(frames("RUNG1", "READY", big), limits: limits)
        #expect(e1?.code == .oversize && e1?.message == "READY body is \(big.utf8.count) bytes; the limit is 64")
        let c = CheckpointChunk(checkpoint: "c", trial: TrialID(1), attempt: 1, resource: 1, index: 0, count: 1,
                                size: 17, sha256: "x", bytes: Data(count: 17))
        let e2 = decodeError(Envelope.encode(.checkpointPut(c)), limits: Envelope.Limits(maxBodyBytes: 1024, maxBinaryBytes: 16))
        #expect(e2?.code == .oversize && e2?.message == "CHECKPOINT_PUT chunk is 17 bytes; the limit is 16")
    }

    @Test func errorReplyNamesTheOffendingType() {
        let f = frames("RUNG1", "REPORT", "{")
        let e = decodeError(f)!
        let reply = Envelope.errorReply(for: e, frames: f)
        #expect(reply == .error(ErrorReply(code: .malformedBody, message: e.message, regarding: "REPORT")))
        let noType = Envelope.errorReply(for: WireError(.missingFrames, "x"), frames: frames("RUNG1"))
        #expect(noType == .error(ErrorReply(code: .missingFrames, message: "x", regarding: nil)))
    }

    // MARK: Garbage never crashes

    @Test func garbageFramesAlwaysGiveAnError() async {
        let garbage = Generator<[Data], Shrink.None<[Data]>>(run: { rng in
            var r = SplitMix64(seed: rng.next())
            var f: [Data] = []
            for _ in 0..<Int.random(in: 0...6, using: &r) {
                var bytes: [UInt8] = []
                for _ in 0..<Int.random(in: 0...40, using: &r) { bytes.append(UInt8.random(in: 0...255, using: &r)) }
                f.append(Data(bytes))
            }
            return f
        })
        await propertyCheck(count: 500, input: garbage) { f in
            #expect(decodeError(f) != nil)
            #expect(decodeError([Data("RUNG1".utf8)] + f) != nil || f.count >= 2)
        }
    }

    @Test func mutatedValidMessagesNeverCrash() async {
        // Flip, cut or insert bytes in a real message's body: decode must return or throw, and a
        // successful decode must re-encode to a message that decodes to itself.
        await propertyCheck(count: 400, input: messages, Gen<UInt64>.value(in: 0...UInt64.max)) { m, seed in
            var r = SplitMix64(seed: seed)
            var f = Envelope.encode(m)
            var body = [UInt8](f[2])
            switch Int.random(in: 0...3, using: &r) {
            case 0 where !body.isEmpty: body[Int.random(in: 0..<body.count, using: &r)] = UInt8.random(in: 0...255, using: &r)
            case 1 where !body.isEmpty: body.removeLast(Int.random(in: 1...body.count, using: &r))
            case 2: body.insert(UInt8.random(in: 0...255, using: &r), at: Int.random(in: 0...body.count, using: &r))
            default: break
            }
            f[2] = Data(body)
            if Bool.random(using: &r) { f.removeLast() }
            do throws(WireError) {
                let d = try Envelope.decode(f)
                #expect(try Envelope.decode(Envelope.encode(d)) == d)
            } catch {
                #expect(!error.message.isEmpty)
            }
        }
    }

    @Test func fedOneFrameAtATime() {
        // Every prefix of a valid message's frame list fails with MISSING_FRAMES, never a crash.
        var g = RandomMessages(seed: 7)
        for type in MessageType.allCases {
            let f = Envelope.encode(g.message(type))
            for n in 0..<f.count { #expect(decodeError(Array(f.prefix(n)))?.code == .missingFrames) }
        }
    }
}
