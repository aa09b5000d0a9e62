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
    // The fast path picks the fewest decimals, as `description` does; where two texts of that length
    // both read back, it may pick the other one, but hardly ever.
    #expect(differ < 20, "\(differ) texts differ from description")
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
        guard case .number(let read, _)? = try? JSONParser.parse(text) else { Issue.record("\(text) not read"); continue }
        #expect(read.bitPattern == v.bitPattern, "\(text) read as \(read)")
    }
}
