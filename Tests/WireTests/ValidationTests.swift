// The decoder's range checks (Validation.swift): every out-of-range number is refused with
// MALFORMED_BODY naming the field, before any receiver computes with it. The three messages that
// once crashed the coordinator are kept here as regression seeds (FuzzTests starts from them too).
import Foundation
import Testing
@testable import Wire

private func decode(_ type: String, _ body: String) -> Result<Message, WireError> {
    Result { () throws(WireError) -> Message in
        var frames = [Envelope.frame(type: type, body: body.utf8)]
        if type == "CHECKPOINT_PUT" { frames.append(Data()) }
        return try Envelope.decode(frames)
    }
}

private func refusal(_ type: String, _ body: String) -> WireError? {
    if case .failure(let e) = decode(type, body) { return e }
    return nil
}

@Suite struct ValidationTests {
    /// Seed 1: a LOG whose `seq` × 1000 overflowed Int.
    @Test func logWithAHugeSeqIsRefused() {
        let e = refusal("LOG", #"{"trial":0,"attempt":1,"seq":9300000000000000,"stream":"stdout","lines":["x"]}"#)
        #expect(e?.code == .malformedBody)
        #expect(e?.message == "LOG body: `seq` is 9300000000000000; accepted: an integer in 1…1099511627776")
    }

    /// Seed 2: a REPORT whose `resource` trapped in Int(Double) (and was journalled first).
    @Test(arguments: [#""NaN""#, #""Infinity""#, #""-Infinity""#, "1e308", "-1", "1e999"])
    func reportWithAnUnusableResourceIsRefused(resource: String) {
        let e = refusal("REPORT", #"{"trial":0,"attempt":1,"seq":1,"resource":\#(resource),"metrics":{"acc":0.5},"atRung":true}"#)
        #expect(e?.code == .malformedBody)
        #expect(e?.message.contains("`resource`") == true, "\(e?.message ?? "accepted")")
    }

    /// Seed 3: HELLOs with `slots` near Int.max overflowed the idle-slot sum.
    @Test func helloWithHugeSlotsIsRefused() {
        let e = refusal("HELLO", #"{"name":"w","host":"h","pid":1,"slots":9223372036854775806,"protocolVersion":1,"cachedCheckpoints":[],"running":[]}"#)
        #expect(e?.message == "HELLO body: `slots` is 9223372036854775806; accepted: an integer in 1…1000000")
    }

    @Test func helloOfANewerProtocolIsRefusedAsUnsupported() {
        let e = refusal("HELLO", #"{"name":"w","host":"h","pid":1,"slots":1,"protocolVersion":3,"cachedCheckpoints":[],"running":[]}"#)
        #expect(e?.code == .unsupportedVersion)
        #expect(e?.message.contains("protocolVersion 3") == true)
    }

    @Test func nonFiniteMetricsOnlyWhenSpeltOut() throws {
        let spelt = try decode("REPORT", #"{"trial":0,"attempt":1,"seq":1,"resource":1,"metrics":{"loss":"NaN","up":"Infinity"},"atRung":false}"#).get()
        guard case .report(let r) = spelt else { Issue.record("not a REPORT"); return }
        #expect(r.metrics["loss"]!.isNaN && r.metrics["up"] == .infinity)
        // A literal beyond a Double's range would be Infinity without saying so: refused.
        let e = refusal("REPORT", #"{"trial":0,"attempt":1,"seq":1,"resource":1,"metrics":{"loss":1e999},"atRung":false}"#)
        #expect(e?.code == .malformedBody && e!.message.contains("`metrics.loss`"))
    }

    @Test func everyKindOfFieldIsRangeChecked() {
        let cases: [(String, String, String)] = [
            ("REPORT", #"{"trial":-1,"attempt":1,"seq":1,"resource":1,"metrics":{},"atRung":false}"#, "`trial`"),
            ("REPORT", #"{"trial":0,"attempt":0,"seq":1,"resource":1,"metrics":{},"atRung":false}"#, "`attempt`"),
            ("REPORT", #"{"trial":0,"attempt":1,"seq":1,"resource":1,"metrics":{},"atRung":false,"time":"NaN"}"#, "`time`"),
            ("LOG", #"{"trial":0,"attempt":1,"seq":1,"stream":"stdout","lines":[],"time":1e300}"#, "`time`"),
            ("READY", #"{"freeSlots":-1}"#, "`freeSlots`"),
            ("HEARTBEAT", #"{"freeSlots":0,"running":[{"trial":0,"attempt":-5}]}"#, "`running[0].attempt`"),
            ("PAUSED", #"{"trial":0,"attempt":1,"seq":2,"resource":"Infinity","checkpoint":"c"}"#, "`resource`"),
            ("DONE", #"{"trial":0,"attempt":1,"seq":-2,"resource":1}"#, "`seq`"),
            ("CHECKPOINT_PUT", #"{"checkpoint":"c","trial":0,"attempt":1,"resource":1,"index":0,"count":1,"size":-1,"sha256":"\#(String(repeating: "a", count: 64))"}"#, "`size`"),
            ("ASSIGN", #"{"trial":0,"attempt":1,"config":{},"task":{},"fromResource":3,"toResource":1,"reportAt":[],"bracket":0,"final":true}"#, "`fromResource`"),
            ("WELCOME", #"{"worker":1,"study":"s","heartbeatInterval":"NaN","leaseTimeout":1,"maxBodyBytes":1,"maxChunkBytes":1}"#, "`heartbeatInterval`"),
            ("BEST", #"{"count":-3}"#, "`count`"),
        ]
        for (type, body, field) in cases {
            let e = refusal(type, body)
            #expect(e?.code == .malformedBody && e!.message.contains(field), "\(type) \(body): \(e?.message ?? "accepted")")
        }
    }

    @Test func aLogHasAtMostAThousandLines() {
        let lines = "[" + Array(repeating: #""x""#, count: 1001).joined(separator: ",") + "]"
        let e = refusal("LOG", #"{"trial":0,"attempt":1,"seq":1,"stream":"stdout","lines":\#(lines)}"#)
        #expect(e?.message == "LOG body: `lines` is a list of 1001 entries; accepted: at most 1000")
    }
}
