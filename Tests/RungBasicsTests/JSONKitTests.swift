// The JSON kit on its own: the writer's escapes and number spellings read back by the parser (and
// by Foundation's reader), the parser's refusals naming the byte, the nesting limit, the cursor,
// bare NaN/Infinity only on request.
// Leaves out message bodies (WireTests) and hostile traffic (FuzzTests).
import Foundation
import Testing
import RungBasics

@Test func writerEscapesAsSerdeJSONAndReadsBack() throws {
    var w = JSONWriter()
    let text = "q\"b\\s\u{08}\u{0C}\n\r\t\u{01}\u{1F} é 😀 /"
    w.writeString(text)
    #expect(w.text == #""q\"b\\s\b\f\n\r\t\u0001\u001f é 😀 /""#)
    #expect(try JSONParser.parse(w.text) == .string(text))
    #expect(try JSONDecoder().decode(String.self, from: Data(w.bytes)) == text)
}

@Test func writerNumbersAreExactAndNonFiniteIsSpelt() throws {
    var w = JSONWriter(nonFinite: .short)
    w.raw("[")
    for (i, v) in [1.0, -0.0, 0.1, 1e-5, 5e-324, 1.7976931348623157e308, .nan, .infinity, -.infinity].enumerated() {
        if i > 0 { w.raw(",") }
        w.writeDouble(v)
    }
    w.raw(",")
    w.writeInt(Int.min)
    w.raw(",")
    w.writeWholeOrDouble(3)
    w.raw("]")
    #expect(w.text == #"[1.0,-0.0,0.1,1e-05,5e-324,1.7976931348623157e+308,"nan","inf","-inf",-9223372036854775808,3]"#)
    guard case .array(let items) = try JSONParser.parse(w.text) else { Issue.record("not an array"); return }
    #expect(items[0] == .number(1, nil))
    #expect(items[4] == .number(5e-324, nil))
    #expect(items[5] == .number(1.7976931348623157e308, nil))
    #expect(items[9] == .number(Double(Int.min), Int.min))
    #expect(items[10] == .number(3, 3))
}

@Test func parserRefusesWithTheByteAndTheDepthLimit() {
    #expect(throws: JSONSyntaxError.self) { try JSONParser.parse(#"{"a":1,}"#) }
    do {
        _ = try JSONParser.parse(#"{"a" 1}"#)
        Issue.record("accepted a missing colon")
    } catch {
        #expect(error.offset == 5)
        #expect(error.description == "expected ':', found '1' at byte 5")
    }
    let deep = String(repeating: "[", count: JSONParser.maxDepth + 1) + String(repeating: "]", count: JSONParser.maxDepth + 1)
    #expect(throws: JSONSyntaxError.self) { try JSONParser.parse(deep) }
    let ok = String(repeating: "[", count: JSONParser.maxDepth) + String(repeating: "]", count: JSONParser.maxDepth)
    #expect((try? JSONParser.parse(ok)) != nil)
}

@Test func cursorReadsPlainStringsAndNumbersOnly() {
    let read = JSONParser.scan(Data(#" "abc" -12.5e1 "a\"b""#.utf8)) { p -> [String] in
        var out: [String] = []
        p.skipSpace()
        out.append(p.plainString().map { String(decoding: $0, as: UTF8.self) } ?? "nil")
        p.skipSpace()
        out.append(p.plainNumber().map { "\($0.0) \($0.1.map(String.init) ?? "-")" } ?? "nil")
        p.skipSpace()
        out.append(p.plainString() == nil ? "escape refused" : "escape taken")
        return out
    }
    #expect(read == ["abc", "-125.0 -", "escape refused"])
}

@Test func doublesReadBackExactlyAndMatchSwiftsShortestText() {
    var rng = SplitMix64(seed: 7)
    var differ = 0
    for i in 0..<200_000 {
        let v: Double
        switch i % 4 {
        case 0: v = Double(bitPattern: rng.next())                       // any bit pattern
        case 1: v = (rng.unitDouble() - 0.5) * pow(10, Double(Int(rng.next() % 40)) - 20)  // any scale
        case 2: v = Double(Int(rng.next() % 2_000_000)) / pow(10, Double(rng.next() % 9))  // short decimals
        default: v = Double(Float(rng.unitDouble()))                     // floats widened (metrics from Float)
        }
        guard v.isFinite else { continue }
        var w = JSONWriter()
        w.writeDouble(v)
        let text = w.text
        #expect(Double(text)?.bitPattern == v.bitPattern, "\(v) written \(text)")
        #expect(text.contains(".") || text.contains("e"), "\(text)")
        if text != v.description { differ += 1 }
    }
    // The fast path writes the one decimal of at most 15 significant digits that reads back, which
    // is the shortest and so the text `description` writes.
    #expect(differ == 0, "\(differ) texts differ from description")
}

@Test func bareNonFiniteWordsOnlyWhenAsked() throws {
    let line = #"{"epoch": 1, "a": NaN, "b": Infinity, "c": -Infinity}"#
    #expect(throws: JSONSyntaxError.self) { try JSONParser.parse(line) }
    guard case .object(let m) = try JSONParser.parse(line, nonFiniteWords: true) else { Issue.record("not an object"); return }
    guard case .number(let a, nil) = m[1].value, case .number(let b, nil) = m[2].value, case .number(let c, nil) = m[3].value else {
        Issue.record("\(m)")
        return
    }
    #expect(a.isNaN && b == .infinity && c == -.infinity)
    #expect(throws: JSONSyntaxError.self) { try JSONParser.parse(#"{"a": Nan}"#, nonFiniteWords: true) }
}

@Test func doublesAtTheEdgesReadBackExactly() {
    // The values a decimal search gets wrong first: subnormals, powers of ten and their
    // neighbours, integers at and past 2⁵³, negative zero, the ends of the fast path's range.
    var values: [Double] = [0, -0.0, .leastNonzeroMagnitude, -.leastNonzeroMagnitude, .leastNormalMagnitude,
                            .greatestFiniteMagnitude, 9007199254740992, 9007199254740993, 18014398509481988,
                            1e-4, 1e-4.nextDown, 9007199254740992.nextDown, 0.1 + 0.2, 1.0 / 3]
    for e in -324...308 {
        let p = Double("1e\(e)")!
        values += [p, p.nextUp, p.nextDown]
    }
    for k in stride(from: 53, through: 63, by: 1) {
        let n = Double(sign: .plus, exponent: k, significand: 1)
        values += [n, n + 2 * n.ulp, n.nextDown, Double(UInt64(1) << UInt64(k) &+ 1 &* 12345)]
    }
    // Powers of two and their neighbours across the fixed-notation range: below a power of two
    // the gap to the next double is half the gap above, which the 16- and 17-digit check heeds.
    for k in -14...53 {
        let p = Double(sign: .plus, exponent: k, significand: 1)
        values += [p, p.nextUp, p.nextDown, p.nextDown.nextDown]
    }
    var rng = SplitMix64(seed: 11)
    for _ in 0..<20_000 {
        values.append(Double(bitPattern: rng.next() & 0x000F_FFFF_FFFF_FFFF))  // subnormal bit patterns
        values.append(Double(rng.next() >> UInt64(rng.next() % 12)))          // integers up to 2⁶⁴
    }
    for v in values + values.map({ -$0 }) where v.isFinite {
        var w = JSONWriter()
        w.writeDouble(v)
        let text = w.text
        #expect(Double(text)?.bitPattern == v.bitPattern, "\(v) written \(text)")
        #expect(text.count <= v.description.count, "\(v) written \(text), longer than \(v.description)")
        if v.magnitude >= 1e-4, v.magnitude < 9007199254740992 { #expect(text == v.description) }
        guard case .number(let read, _)? = try? JSONParser.parse(text) else { Issue.record("\(text) not read"); continue }
        #expect(read.bitPattern == v.bitPattern, "\(text) read as \(read)")
    }
}

@Test func stringsEscapeTheSameAtEveryPositionAndLength() throws {
    // The writer copies eight bytes at a time until one needs an escape: every escape at every
    // offset, in strings short and long, against a bytewise reference.
    func reference(_ s: String) -> String {
        var out = "\""
        for b in s.utf8 {
            switch b {
            case 0x22: out += "\\\""
            case 0x5C: out += "\\\\"
            case 0x08: out += "\\b"
            case 0x0C: out += "\\f"
            case 0x0A: out += "\\n"
            case 0x0D: out += "\\r"
            case 0x09: out += "\\t"
            case 0..<0x20: out += String(format: "\\u%04x", b)
            default: out.unicodeScalars.append(Unicode.Scalar(b))  // ASCII here; see below
            }
        }
        return out + "\""
    }
    let alphabet: [String] = ["a", "Z", "~", " ", "\u{7F}", "\"", "\\", "\n", "\t", "\u{01}", "\u{1F}", "!", "#"]
    var rng = SplitMix64(seed: 5)
    for length in 0...40 {
        for _ in 0..<40 {
            let s = (0..<length).map { _ in alphabet[Int(rng.next() % UInt64(alphabet.count))] }.joined()
            var w = JSONWriter()
            w.writeString(s)
            #expect(w.text == reference(s), "\(s.debugDescription)")
            #expect(try JSONParser.parse(w.text) == .string(s))
        }
    }
    // Multi-byte UTF-8 is copied as it is, next to escapes.
    var w = JSONWriter()
    w.writeString("ééééé\"😀😀\n")
    #expect(w.text == "\"ééééé\\\"😀😀\\n\"")
}

@Test func aReportOfWorstCaseNamesAndSpellingsStaysInItsBound() throws {
    // Names that are all escapes and long non-finite spellings: the most a body can take for its
    // size, written in one sized span, read back whole.
    let spelling = NonFiniteSpelling(nan: "\"\u{01}\"\u{02}", infinity: "\\\\\\inf", negativeInfinity: "\u{1F}\u{1F}\u{1F}-inf")
    var w = JSONWriter(nonFinite: spelling)
    let names = ["\u{01}\u{02}\u{03}\u{04}\u{05}\u{06}\u{07}\u{0E}", "\"\"\"\"", "\\", "plain", ""]
    let values: [Double] = [.nan, .infinity, -.infinity, -1.7976931348623157e308, 5e-324]
    w.withSpace(upTo: 2 + names.indices.reduce(0) { $0 + JSONSpan.maxBytes(of: names[$1]) + 2 + JSONSpan.maxDoubleBytes(spelling) }) { span in
        span.byte(0x7B)
        for (i, name) in names.enumerated() {
            span.key(name, first: i == 0)
            span.writeDouble(values[i])
        }
        span.byte(0x7D)
    }
    guard case .object(let members) = try JSONParser.parse(w.text) else { Issue.record("not an object: \(w.text)"); return }
    #expect(members.map(\.key) == names)
    #expect(members[0].value == .string(spelling.nan))
    #expect(members[2].value == .string(spelling.negativeInfinity))
    #expect(members[4].value == .number(5e-324, nil))
}
