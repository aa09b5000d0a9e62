// The cursor's number readers (`plainDouble`, `plainInteger`) against the tree's reading of the
// same text: the same Double to the bit, the same Int, the cursor just past the number, on every
// shape of number (short and long digit runs, leading zeros, points, exponents, malformed text),
// with the number at every distance from the end of the bytes (eight at a time, then one by one).
// Leaves out the REPORT reader built on them (WireTests' PlainReportTests).
import Foundation
import Testing
import RungBasics

/// What the tree reads from `text` alone: its Double and Int, or nil if it is no JSON number.
private func viaTree(_ text: String) -> (Double, Int?)? {
    guard case .number(let d, let exact)? = try? JSONParser.parse(text) else { return nil }
    return (d, exact)
}

/// `read` at the start of `text + suffix`: its answer, and whether the cursor stopped where
/// `suffix` starts.
private func viaCursor<T>(_ text: String, _ suffix: String, _ read: (inout JSONParser) -> T?) -> (T?, atSuffix: Bool) {
    let bytes = Array((text + suffix).utf8)
    return bytes.withUnsafeBytes { raw in
        JSONParser.scan(raw) { p -> (T?, Bool) in
            let v = read(&p)
            var rest: [UInt8] = []
            while let c = p.next { rest.append(c); _ = p.consume(c) }
            return (v, rest == Array(suffix.utf8))
        }
    }
}

/// Checks both readers on `text` followed by each suffix.
private func check(_ text: String) {
    let tree = viaTree(text)
    for suffix in ["", "}", ",\"abcdefgh\":1}", " ]"] {
        let (d, dAt) = viaCursor(text, suffix) { $0.plainDouble() }
        let (n, nAt) = viaCursor(text, suffix) { $0.plainInteger() }
        if let (value, exact) = tree {
            #expect(d?.bitPattern == value.bitPattern && dAt, "\(text)\(suffix): \(String(describing: d)), tree \(value)")
            #expect(n == exact, "\(text)\(suffix): \(String(describing: n)), tree \(String(describing: exact))")
            if n != nil { #expect(nAt, "\(text)\(suffix)") }
        } else if let d, dAt {
            // A text the tree refuses is never read whole as a number (a prefix may be: `01`).
            Issue.record("\(text)\(suffix) read as \(d) though the tree refuses it")
        } else if n != nil, nAt {
            Issue.record("\(text)\(suffix) read as an integer though the tree refuses it")
        }
    }
}

@Test func cursorNumbersReadAsTheTreeReadsThem() {
    let fixed = [
        "0", "-0", "7", "-7", "17", "1764426000", "1764426000.125", "0.41234", "0.8731", "0.00031",
        "-0.0", "0.0", "1.5", "12345678", "123456789", "1234567812345678", "123456789012345678",
        "1234567890123456789", "9223372036854775807", "-9223372036854775808", "9223372036854775808",
        "999999999999999", "999999999999999.9", "99999999999999.99", "0.000000000000000000001",
        "0.0000000000000000000001", "0.00000000000000000000001", "1000000000000000000", "1e2", "1E2",
        "1.5e-7", "-1.5E+7", "1e999", "01", "00.5", "-", "-a", "1.", "1.e5", ".5", "+1", "1x", "0x10",
        "12345678.12345678", "1.2345678901234567", "0.1234567890123456789", "123456789012345.6",
        "12345678901234.56", "4503599627370497.5", "9007199254740993", "0.30000000000000004",
    ]
    for t in fixed { check(t) }
    var rng = SplitMix64(seed: 23)
    func digits(_ n: Int) -> String {
        String((0..<n).map { _ in Character(Unicode.Scalar(0x30 + UInt8(rng.next() % 10))) })
    }
    for _ in 0..<20_000 {
        var t = rng.next() % 4 == 0 ? "-" : ""
        let intDigits = Int(rng.next() % 21)
        t += rng.next() % 3 == 0 ? "0" : (intDigits == 0 ? "" : "\(1 + rng.next() % 9)" + digits(intDigits - 1))
        if rng.next() % 2 == 0 { t += "." + digits(Int(rng.next() % 25)) }
        if rng.next() % 8 == 0 { t += (rng.next() % 2 == 0 ? "e" : "E-") + digits(Int(1 + rng.next() % 3)) }
        if rng.next() % 16 == 0 { t += "x" }
        check(t)
    }
}
