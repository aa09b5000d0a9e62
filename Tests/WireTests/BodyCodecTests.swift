// The body JSON codec against the JSON grammar: escapes and surrogate pairs, number forms,
// integer strictness, depth limit, invalid UTF-8, trailing bytes, and every truncation of a real
// body. Leaves out framing (EnvelopeTests).

import Foundation
import RungBasics
import Search
import Testing
@testable import Wire

private func body(_ type: String, _ json: [UInt8]) -> Result<Message, WireError> {
    do throws(WireError) {
        return .success(try Envelope.decode([Envelope.frame(type: type, body: json)]))
    } catch {
        return .failure(error)
    }
}
private func body(_ type: String, _ json: String) -> Result<Message, WireError> { body(type, Array(json.utf8)) }

private func failure(_ r: Result<Message, WireError>) -> WireError? {
    if case .failure(let e) = r { return e }
    return nil
}

@Suite struct BodyCodecTests {
    @Test func escapesAndSurrogatePairsDecode() throws {
        let r = try body("WAIT", #"{"reason":"a\"b\\c\/d\b\f\n\r\t\u00e9\u0394\ud83d\ude80\u0000"}"#).get()
        #expect(r == .wait(Wait(reason: "a\"b\\c/d\u{8}\u{c}\n\r\té\u{394}🚀\u{0}")))
    }

    @Test func encoderEscapesWhatJSONRequires() throws {
        let f = Envelope.encode(.wait(Wait(reason: "q\"b\\n\n\u{1}é/")))
        #expect(String(decoding: body(ofFrame: f[0]), as: UTF8.self) == #"{"reason":"q\"b\\n\n\u0001é/"}"#)
    }

    @Test func metricsAreWrittenAndReadInTheOrderReported() throws {
        let m: MetricValues = ["val_loss": 0.41, "acc": 0.87, "loss": .nan]
        #expect(String(decoding: try BodyEncoder.encode(m), as: UTF8.self) == #"{"val_loss":0.41,"acc":0.87,"loss":"NaN"}"#)
        let back = try BodyDecoder.decode(MetricValues.self, from: Data(#"{"val_loss":0.41,"acc":0.87,"loss":"NaN"}"#.utf8))
        #expect(back.keys == ["val_loss", "acc", "loss"] && back["acc"] == 0.87 && back["loss"]!.isNaN)
        #expect(throws: DecodingError.self) { try BodyDecoder.decode(MetricValues.self, from: Data(#"{"acc":"high"}"#.utf8)) }
    }

    @Test func numberForms() throws {
        let cases: [(String, Double)] = [("0", 0), ("-0", 0), ("3", 3), ("-2.5", -2.5), ("1e-05", 1e-5),
                                         ("25E-2", 0.25), ("1.5e+3", 1500), ("123456789012345678901234", 1.2345678901234568e23)]
        for (text, value) in cases {
            // A metric value takes any finite number (a resource is range-checked, ValidationTests).
            let m = try body("REPORT", #"{"trial":1,"attempt":1,"seq":1,"resource":1,"metrics":{"x":\#(text)},"atRung":false}"#).get()
            guard case .report(let r) = m else { Issue.record("not a REPORT"); continue }
            #expect(r.metrics["x"] == value, "\(text)")
        }
        for bad in ["01", "1.", ".5", "+1", "1e", "-", "0x10", "NaN", "Infinity", "1_000"] {
            let e = failure(body("READY", #"{"freeSlots":\#(bad)}"#))
            #expect(e?.code == .malformedBody, "\(bad)")
        }
    }

    @Test func decimalsParseLikeTheStandardLibrary() throws {
        // Short decimals take the exact fast path, long ones strtod; both must equal Double(text).
        var r = SplitMix64(seed: 2024)
        for _ in 0..<3000 {
            let digits = (0..<Int.random(in: 1...19, using: &r)).map { _ in String(Int.random(in: 0...9, using: &r)) }.joined()
            let point = Int.random(in: 0...digits.count, using: &r)
            var text = String(digits.prefix(point)) + "." + String(digits.dropFirst(point))
            if text.hasPrefix(".") { text = "0" + text }
            if text.hasSuffix(".") { text += "0" }
            while text.hasPrefix("0"), !text.hasPrefix("0.") { text.removeFirst() }
            if Bool.random(using: &r) { text += "e" + String(Int.random(in: -30...30, using: &r)) }
            if Bool.random(using: &r) { text = "-" + text }
            let m = try body("REPORT", #"{"trial":1,"attempt":1,"seq":1,"resource":1,"metrics":{"x":\#(text)},"atRung":false}"#).get()
            guard case .report(let rep) = m else { Issue.record("not a REPORT"); continue }
            #expect(rep.metrics["x"]!.bitPattern == Double(text)!.bitPattern, "\(text)")
        }
    }

    @Test func intFieldsTakeOnlyIntegerLiterals() {
        for bad in ["2.0", "2e0", "9223372036854775808", "1.5"] {
            let e = failure(body("READY", #"{"freeSlots":\#(bad)}"#))
            #expect(e?.code == .malformedBody && e!.message.contains("`freeSlots`"), "\(bad)")
        }
        // Every integer literal that fits an Int decodes; then the range check refuses those out of bounds.
        #expect((try? body("LOGS", #"{"after":9223372036854775807,"events":false,"limit":1}"#).get())
                == .logs(LogsRequest(after: .max, events: false, limit: 1)))
        let huge = failure(body("READY", #"{"freeSlots":9223372036854775807}"#))
        #expect(huge?.message == "READY body: `freeSlots` is 9223372036854775807; accepted: an integer in 0…1000000")
    }

    @Test func floatParametersStayFloats() throws {
        let a = Assign(trial: TrialID(1), attempt: 1, config: ["lr": .double(2), "n": .int(2)],
                       task: .object(["x": .double(-0.0), "y": .int(0)]), fromResource: 0, toResource: 1, reportAt: [1], final: true)
        #expect(try Envelope.decode(Envelope.encode(.assign(a))) == .assign(a))
    }

    @Test func grammarViolationsAreMalformed() {
        let bad: [[UInt8]] = [
            Array(#"{"freeSlots":1,}"#.utf8), Array(#"{"freeSlots":1} x"#.utf8), Array(#"{'freeSlots':1}"#.utf8),
            Array(#"{"freeSlots" 1}"#.utf8), Array("{\"reason\":\"a\u{1}\"}".utf8), Array(#"{"reason":"\x"}"#.utf8),
            Array(#"{"reason":"\ud83d"}"#.utf8), Array(#"{"reason":"\ude80"}"#.utf8), Array(#"{"reason":"\u12"}"#.utf8),
            [0x7B, 0x22, 0x72, 0x65, 0x61, 0x73, 0x6F, 0x6E, 0x22, 0x3A, 0x22, 0xFF, 0x22, 0x7D],  // invalid UTF-8
            Array("[1]".utf8), Array("\"x\"".utf8), Array("null".utf8), Array("tru".utf8),
        ]
        for json in bad {
            #expect(failure(body("WAIT", json))?.code == .malformedBody, "\(String(decoding: json, as: UTF8.self))")
        }
    }

    @Test func nestingIsLimited() throws {
        let deep = String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)
        let e = failure(body("WAIT", #"{"reason":"x","t":\#(deep)}"#))
        #expect(e?.code == .malformedBody && e!.message.contains("nesting deeper than 64"))
        let ok = String(repeating: "[", count: 60) + String(repeating: "]", count: 60)
        #expect(failure(body("WAIT", #"{"reason":"x","t":\#(ok)}"#)) == nil)
    }

    @Test func everyTruncationOfARealBodyFails() {
        var g = RandomMessages(seed: 99)
        for type in MessageType.allCases {
            let f = Envelope.encode(g.message(type))
            let json = [UInt8](body(ofFrame: f[0]))
            for n in 1..<json.count {
                var cut = f
                cut[0] = Envelope.frame(type: type.rawValue, body: json.prefix(n))
                do throws(WireError) {
                    _ = try Envelope.decode(cut)
                    Issue.record("\(type.rawValue) body cut to \(n) of \(json.count) bytes decoded")
                } catch {
                    #expect(error.code == .malformedBody)
                }
            }
        }
    }
}
