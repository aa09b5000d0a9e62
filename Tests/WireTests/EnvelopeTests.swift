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

/// A message frame by hand (`RUNG2 TYPE\n` + body), then further frames as given.
private func frames(_ type: String, _ body: String, _ more: String...) -> [Data] {
    [Envelope.frame(type: type, body: body.utf8)] + more.map { Data($0.utf8) }
}

/// Frames of raw text, each as given.
private func raw(_ parts: String...) -> [Data] { parts.map { Data($0.utf8) } }

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
            #expect(f.count == (type.carriesBinaryFrame ? 2 : 1))
            #expect(f[0].starts(with: Data("RUNG2 \(type.rawValue)\n{".utf8)))
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
        #expect(String(decoding: f[0], as: UTF8.self)
            == "RUNG2 REPORT\n" + #"{"trial":17,"attempt":2,"seq":5,"resource":3.0,"metrics":{"val_loss":0.25},"atRung":true}"#)
        // What a Python worker writes (other key order, spaces, optional field as null) decodes too.
        let py = frames("REPORT",
                        #"{"metrics": {"val_loss": 25e-2}, "trial": 17, "attempt": 2, "seq": 5, "resource": 3, "atRung": true, "time": null, "extra": [1, {"x": null}]}"#)
        #expect(try Envelope.decode(py) == m)
    }

    @Test func nonFiniteMetricsTravelAsStrings() throws {
        let m = Message.report(Report(trial: TrialID(1), attempt: 1, seq: 1, resource: 1,
                                      metrics: ["loss": .nan, "up": .infinity, "down": -.infinity], atRung: false))
        let f = Envelope.encode(m)
        let text = String(decoding: f[0], as: UTF8.self)
        #expect(text.contains(#""loss":"NaN""#) && text.contains(#""up":"Infinity""#) && text.contains(#""down":"-Infinity""#))
        guard case .report(let r) = try Envelope.decode(f) else { Issue.record("not a REPORT"); return }
        #expect(r.metrics["loss"]!.isNaN && r.metrics["up"] == .infinity && r.metrics["down"] == -.infinity)
    }

    @Test func emptyBodyFrameReadsAsEmptyObject() throws {
        #expect(try Envelope.decode(frames("STATUS", "")) == .status(StatusRequest()))
        #expect(try Envelope.decode(raw("RUNG2 STATUS\n")) == .status(StatusRequest()))
    }

    @Test func checkpointChunkBytesTravelInTheSecondFrame() throws {
        let bytes = Data((0..<1000).map { UInt8($0 % 251) })
        let c = CheckpointChunk(checkpoint: "t3-a1-r9", trial: TrialID(3), attempt: 1, resource: 9, index: 1,
                                count: 3, size: 2500, sha256: String(repeating: "ab", count: 32), bytes: bytes)
        let f = Envelope.encode(.checkpointPut(c))
        #expect(f.count == 2 && f[1] == bytes)
        #expect(!String(decoding: f[0], as: UTF8.self).contains("bytes"))
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
        let f = frames("STATUS_REPLY", #"{"study":"s","finished":false,"trialsByState":{"running":2,"lost":1},"rungs":[],"workers":[]}"#)
        let e = decodeError(f)
        #expect(e?.code == .malformedBody && e!.message.contains(#""lost" is no trial state; known: queued, running"#))
        let ok = frames("STATUS_REPLY", #"{"study":"s","finished":true,"trialsByState":{"running":2},"rungs":[],"workers":[]}"#)
        #expect(try Envelope.decode(ok) == .statusReply(StatusReply(study: "s", finished: true, trialsByState: [.running: 2],
                                                                   rungs: [], workers: [], best: nil)))
    }

    // MARK: Errors, each with its code and a message naming the problem

    @Test func missingAndExtraFrames() {
        let e1 = decodeError(frames("CHECKPOINT_PUT", #"{"checkpoint":"c","trial":1,"attempt":1,"resource":1,"index":0,"count":1,"size":1,"sha256":"x"}"#))
        #expect(e1?.code == .missingFrames && e1!.message.contains("CHECKPOINT_PUT needs 2 frames"))
        let e2 = decodeError(frames("READY", #"{"freeSlots":1}"#, "extra"))
        #expect(e2?.code == .unexpectedFrames && e2!.message == "READY is 1 frame; got 2")
        let e3 = decodeError(frames("CHECKPOINT", #"{}"#, "chunk", "extra"))
        #expect(e3?.code == .unexpectedFrames && e3!.message == "CHECKPOINT is 2 frames; got 3")
        let none = decodeError([])
        #expect(none?.code == .missingFrames && none!.message.hasPrefix("got no frames"))
    }

    @Test func versionAndTagProblems() {
        // A RUNG1 peer's multipart message: its tag frame alone says which protocol it speaks.
        let old = decodeError(raw("RUNG1", "READY", #"{"freeSlots":1}"#))
        #expect(old?.code == .unsupportedVersion)
        #expect(old?.message == "peer speaks protocol RUNG1; this side speaks RUNG2 only")
        let later = decodeError(raw("RUNG3 READY\n{}"))
        #expect(later?.code == .unsupportedVersion && later?.message == "peer speaks protocol RUNG3; this side speaks RUNG2 only")
        let binary = decodeError([Data([0x00, 0xff])])
        #expect(binary?.code == .notRung)
        #expect(binary?.message == #"message frame is "\x00\xff"; a Rung message is one frame starting with the line "RUNG2 TYPE\n" (at most 39 bytes with the newline), then the JSON body"#)
        #expect(decodeError(raw("RUNG READY\n{}"))?.code == .notRung)
        #expect(decodeError(raw("rung2 READY\n{}"))?.code == .notRung)
        #expect(decodeError(raw("RUNGx READY\n{}"))?.code == .notRung)
        #expect(decodeError(raw("RUNG2x READY\n{}"))?.code == .notRung)
        let empty = decodeError([Data()])
        #expect(empty?.code == .notRung && empty!.message.hasPrefix(#"message frame is """#))
    }

    @Test func malformedHeaders() {
        // The tag alone, as a RUNG1-style tag frame of this version.
        let tagOnly = decodeError(raw("RUNG2", "READY", "{}"))
        #expect(tagOnly?.code == .malformedHeader && tagOnly!.message.hasPrefix(#"the header "RUNG2" has no type after "RUNG2""#))
        #expect(decodeError(raw("RUNG2\nREADY\n{}"))?.code == .malformedHeader)
        // No newline at all, and one past the header's 39 bytes (a 33-byte type).
        let noNewline = decodeError(raw(#"RUNG2 READY{"freeSlots":1}"#))
        #expect(noNewline?.code == .malformedHeader
                && noNewline!.message.hasPrefix(#"no newline in the first 39 bytes of "RUNG2 READY{\x22freeSlots\x22:"#))
        let longName = String(repeating: "A", count: 33)
        #expect(decodeError(raw("RUNG2 \(longName)\n{}"))?.code == .malformedHeader)
        // A 32-byte name is within the header's length: refused as an unknown type instead.
        #expect(decodeError(raw("RUNG2 \(longName.dropLast())\n{}"))?.code == .unknownType)
        // The header ends at its first newline: a CR or a second space belongs to the type.
        #expect(decodeError(raw("RUNG2 READY\r\n{}"))?.code == .unknownType)
        #expect(decodeError(raw("RUNG2  READY\n{}"))?.code == .unknownType)
        #expect(decodeError(raw("RUNG2 \n{}"))?.code == .unknownType)
    }

    @Test func unknownType() {
        let e = decodeError(frames("REPROT", "{}"))
        #expect(e?.code == .unknownType)
        #expect(e!.message.hasPrefix(#"type "REPROT" is no message type; known: HELLO, READY,"#))
        #expect(decodeError(frames("ready", #"{"freeSlots":1}"#))?.code == .unknownType)
        #expect(decodeError([Envelope.frame(type: "READ\u{FF}", body: "{}".utf8)])?.code == .unknownType)
    }

    @Test func malformedBodiesNameTheField() {
        let missing = decodeError(frames("REPORT", #"{"trial":1,"attempt":1,"resource":2,"metrics":{},"atRung":false}"#))
        #expect(missing?.code == .malformedBody)
        #expect(missing?.message == "REPORT body: missing field `seq`")
        let wrong = decodeError(frames("REPORT", #"{"trial":1,"attempt":1,"seq":1,"resource":2,"metrics":{"loss":"low"},"atRung":false}"#))
        #expect(wrong?.code == .malformedBody)
        #expect(wrong?.message.hasPrefix("REPORT body: `metrics.loss`") == true)
        let nested = decodeError(frames("HEARTBEAT", #"{"running":[{"trial":1}],"freeSlots":0}"#))
        #expect(nested?.message == "HEARTBEAT body: missing field `attempt` in `running[0]`")
        let notJSON = decodeError(frames("READY", "{freeSlots: 1"))
        #expect(notJSON?.code == .malformedBody && notJSON!.message.hasPrefix("READY body: not valid JSON"))
        let stream = decodeError(frames("LOG", #"{"trial":1,"attempt":1,"seq":1,"stream":"stdin","lines":[]}"#))
        #expect(stream?.code == .malformedBody && stream!.message.hasPrefix("LOG body: `stream` is invalid"))
        let chunk = decodeError(frames("CHECKPOINT_PUT", #"{"checkpoint":"c","trial":1,"attempt":1,"resource":1,"index":3,"count":3,"size":1,"sha256":"x"}"#, "b"))
        #expect(chunk?.message == "CHECKPOINT_PUT body: `index` is 3; accepted: an integer in 0…2")
    }

    @Test func oversizeFrames() {
        let limits = Envelope.Limits(maxBodyBytes: 64, maxBinaryBytes: 16)
        let big = #"{"freeSlots":1,"pad":""# + String(repeating: "x", count: 100) + #""}"#
        let e1 = decodeError(frames("READY", big), limits: limits)
        #expect(e1?.code == .oversize && e1?.message == "READY body is \(big.utf8.count) bytes; the limit is 64")
        let c = CheckpointChunk(checkpoint: "c", trial: TrialID(1), attempt: 1, resource: 1, index: 0, count: 1,
                                size: 17, sha256: "x", bytes: Data(count: 17))
        let e2 = decodeError(Envelope.encode(.checkpointPut(c)), limits: Envelope.Limits(maxBodyBytes: 1024, maxBinaryBytes: 16))
        #expect(e2?.code == .oversize && e2?.message == "CHECKPOINT_PUT chunk is 17 bytes; the limit is 16")
    }

    @Test func errorReplyNamesTheOffendingType() {
        let f = frames("REPORT", "{")
        let e = decodeError(f)!
        let reply = Envelope.errorReply(for: e, frames: f)
        #expect(reply == .error(ErrorReply(code: .malformedBody, message: e.message, regarding: "REPORT")))
        let noType = Envelope.errorReply(for: WireError(.missingFrames, "x"), frames: raw("RUNG2"))
        #expect(noType == .error(ErrorReply(code: .missingFrames, message: "x", regarding: nil)))
        let noNewline = Envelope.errorReply(for: WireError(.malformedHeader, "x"), frames: raw("RUNG2 READY"))
        #expect(noNewline == .error(ErrorReply(code: .malformedHeader, message: "x", regarding: nil)))
        let old = Envelope.errorReply(for: WireError(.unsupportedVersion, "x"), frames: raw("RUNG1", "READY", "{}"))
        #expect(old == .error(ErrorReply(code: .unsupportedVersion, message: "x", regarding: "READY")))
    }

    @Test func refusalOfARung1PeerIsInItsOwnFraming() throws {
        let peer = PeerID(Data("w".utf8))
        let old = raw("RUNG1", "HELLO", "{}")
        let e = try #require(decodeError(old))
        let refusal = Envelope.refusal(for: e, frames: old, to: peer)
        // What a RUNG1 peer reads: [RUNG1, ERROR, body], behind the routing id.
        #expect(refusal.count == 4 && refusal[0] == peer.bytes && refusal[1] == Data("RUNG1".utf8)
                && refusal[2] == Data("ERROR".utf8))
        // Its body is the ERROR body as ever.
        let reply = try Envelope.decode([Envelope.frame(type: "ERROR", body: refusal[3])])
        #expect(reply == .error(ErrorReply(code: .unsupportedVersion,
            message: "peer speaks protocol RUNG1; this side speaks RUNG2 only", regarding: "HELLO")))
        // Everyone else is refused in this protocol's framing.
        let bad = frames("REPORT", "{")
        let other = Envelope.refusal(for: try #require(decodeError(bad)), frames: bad, to: peer)
        #expect(other.count == 2 && other[0] == peer.bytes)
        guard case .error(let r) = try Envelope.decode(Array(other.dropFirst())) else { Issue.record("not an ERROR"); return }
        #expect(r.code == .malformedBody && r.regarding == "REPORT")
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
            // The same bytes behind a good header: refused too (not JSON, no `freeSlots`, or a
            // frame too many).
            if let first = f.first {
                #expect(decodeError([Envelope.frame(type: "READY", body: first)] + f.dropFirst()) != nil)
            }
        }
    }

    @Test func mutatedValidMessagesNeverCrash() async {
        // Flip, cut or insert bytes in a real message's frame (header or body), drop or add a
        // frame: decode must return or throw, and a successful decode must re-encode to a message
        // that decodes to itself.
        await propertyCheck(count: 400, input: messages, Gen<UInt64>.value(in: 0...UInt64.max)) { m, seed in
            var r = SplitMix64(seed: seed)
            var f = Envelope.encode(m)
            var frame = [UInt8](f[0])
            switch Int.random(in: 0...3, using: &r) {
            case 0 where !frame.isEmpty: frame[Int.random(in: 0..<frame.count, using: &r)] = UInt8.random(in: 0...255, using: &r)
            case 1 where !frame.isEmpty: frame.removeLast(Int.random(in: 1...frame.count, using: &r))
            case 2: frame.insert(UInt8.random(in: 0...255, using: &r), at: Int.random(in: 0...frame.count, using: &r))
            default: break
            }
            f[0] = Data(frame)
            switch Int.random(in: 0...3, using: &r) {
            case 0: f.removeLast()
            case 1: f.append(Data("extra".utf8))
            default: break
            }
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
