// Rung's one JSON reader: a strict RFC 8259 parser into a small tree (wire bodies, store rows,
// journal lines), depth-limited, checking UTF-8, reading \u escapes with surrogate pairs, keeping
// integers exact beside their Double value; and a cursor over the same bytes for readers that skip
// the tree on a hot path (the REPORT body). On request it also reads the bare words NaN and
// ±Infinity Python prints (a trial's metric lines). Leaves out streaming (a text is read whole)
// and duplicate-key checks (members keep their order; readers decide which one wins).

import Foundation

/// A parsed JSON value.
public enum JSONTree: Sendable, Equatable {
    /// `null`.
    case null
    /// `true` or `false`.
    case bool(Bool)
    /// A number: its Double value, and its Int value when written as an integer that fits.
    case number(Double, Int?)
    /// A string, unescaped.
    case string(String)
    /// An array, in order.
    case array([JSONTree])
    /// An object's members in the order they were written (repeated keys kept).
    case object([JSONMember])

    /// The kind of value with its article, for error messages: "a number", "an object".
    public var kind: String {
        switch self {
        case .null: "null"
        case .bool: "a bool"
        case .number: "a number"
        case .string: "a string"
        case .array: "an array"
        case .object: "an object"
        }
    }
}

/// One member of a JSON object (a nominal struct: arrays of it need no runtime tuple metadata).
public struct JSONMember: Sendable, Equatable {
    /// The member's name, unescaped.
    public var key: String
    /// The member's value.
    public var value: JSONTree
    /// Makes a member.
    public init(key: String, value: JSONTree) { self.key = key; self.value = value }
}

/// What is wrong with a JSON text and where.
public struct JSONSyntaxError: Error, CustomStringConvertible, Sendable {
    /// Where, in bytes from the start of the text.
    public var offset: Int
    /// What is wrong, e.g. "expected ',' or '}', found 'x'".
    public var reason: String
    /// "reason at byte offset".
    public var description: String { "\(reason) at byte \(offset)" }
}

/// A strict JSON parser over UTF-8 bytes. `parse` reads a whole text into a `JSONTree`; `scan`
/// hands out the parser itself as a cursor for readers that want no tree.
public struct JSONParser {
    /// The deepest nesting of arrays and objects accepted (hostile input cannot exhaust the stack).
    public static let maxDepth = 64

    @usableFromInline let b: UnsafeBufferPointer<UInt8>
    @usableFromInline var i = 0
    /// Whether the bare words `NaN`, `Infinity` and `-Infinity` are numbers (not JSON, but what
    /// Python's `json.dumps` prints for non-finite floats).
    private var nonFiniteWords = false

    @usableFromInline init(_ b: UnsafeBufferPointer<UInt8>) { self.b = b }

    /// Parses a whole JSON text (one value, surrounding whitespace allowed).
    public static func parse(_ data: Data) throws(JSONSyntaxError) -> JSONTree {
        let result: Result<JSONTree, JSONSyntaxError> = data.withUnsafeBytes { raw in
            parseWhole(raw.bindMemory(to: UInt8.self), nonFiniteWords: false)
        }
        return try result.get()
    }

    /// Parses a whole JSON text given as a string. With `nonFiniteWords`, the bare words `NaN`,
    /// `Infinity` and `-Infinity` are read as numbers too (a trial's printed metric line).
    public static func parse(_ text: String, nonFiniteWords: Bool = false) throws(JSONSyntaxError) -> JSONTree {
        var text = text
        let result: Result<JSONTree, JSONSyntaxError> = text.withUTF8 { parseWhole($0, nonFiniteWords: nonFiniteWords) }
        return try result.get()
    }

    private static func parseWhole(_ bytes: UnsafeBufferPointer<UInt8>, nonFiniteWords: Bool) -> Result<JSONTree, JSONSyntaxError> {
        var p = JSONParser(bytes)
        p.nonFiniteWords = nonFiniteWords
        do throws(JSONSyntaxError) {
            p.skipSpace()
            let v = try p.value(depth: 0)
            p.skipSpace()
            if p.i < p.b.count { throw p.fail("unexpected \(p.show()) after the JSON value") }
            return .success(v)
        } catch {
            return .failure(error)
        }
    }

    /// Runs `body` with a parser placed at the start of `data`, for a reader that walks the bytes
    /// itself with the cursor methods below. The parser must not outlive `body`.
    @inlinable
    public static func scan<R>(_ data: Data, _ body: (inout JSONParser) -> R) -> R {
        data.withUnsafeBytes { raw in
            var p = JSONParser(raw.bindMemory(to: UInt8.self))
            return body(&p)
        }
    }

    /// `scan` over bytes the caller holds (a socket's receive buffer), without wrapping them in a
    /// `Data` (which would allocate its storage object). The parser must not outlive `body`.
    @inlinable
    public static func scan<R>(_ raw: UnsafeRawBufferPointer, _ body: (inout JSONParser) -> R) -> R {
        var p = JSONParser(raw.bindMemory(to: UInt8.self))
        return body(&p)
    }

    // MARK: Cursor

    /// Whether every byte has been read.
    @inlinable public var isAtEnd: Bool { i >= b.count }

    /// The next byte, not consumed; nil at the end.
    @inlinable public var next: UInt8? { i < b.count ? b[i] : nil }

    /// Consumes `byte` if it comes next.
    @inlinable
    public mutating func consume(_ byte: UInt8) -> Bool {
        guard i < b.count, b[i] == byte else { return false }
        i += 1
        return true
    }

    /// Skips JSON whitespace (space, tab, line feed, carriage return).
    @inlinable
    public mutating func skipSpace() {
        while i < b.count, b[i] == 0x20 || b[i] == 0x0A || b[i] == 0x0D || b[i] == 0x09 { i += 1 }
    }

    /// A string at the cursor (on its opening quote) that is plain ASCII without escapes: its bytes
    /// between the quotes, valid while the scanned data lives. Nil for anything else; the cursor
    /// has then moved and the caller is expected to give up (and take `parse`).
    @inlinable
    public mutating func plainString() -> UnsafeBufferPointer<UInt8>? {
        guard i < b.count, b[i] == 0x22 else { return nil }
        i += 1
        let start = i
        while i < b.count {
            let c = b[i]
            if c == 0x22 { i += 1; return UnsafeBufferPointer(rebasing: b[start..<(i - 1)]) }
            if c < 0x20 || c == 0x5C || c >= 0x80 { return nil }
            i += 1
        }
        return nil
    }

    /// A number at the cursor, read as `parse` reads it: its Double value, and its Int value when
    /// written as an integer that fits. Nil (cursor moved) when no well-formed number is there.
    public mutating func plainNumber() -> (Double, Int?)? {
        guard i < b.count, b[i] == 0x2D || (0x30...0x39).contains(b[i]) else { return nil }
        if let short = shortNumber() { return short }
        guard case .number(let d, let exact)? = try? number() else { return nil }
        return (d, exact)
    }

    /// One pass over the common shape `-?(0|[1-9][0-9]*)(.[0-9]+)?` with at most 15 significant
    /// digits and at most 22 after the point: the digits as one integer, divided once by an exact
    /// power of ten (Clinger's fast path, as `number` takes it), so the same Double. Nil, with the
    /// cursor where it was, for anything else (exponents, long numbers, malformed text).
    private mutating func shortNumber() -> (Double, Int?)? {
        var k = i
        let negative = b[k] == 0x2D
        if negative { k += 1 }
        guard k < b.count, b[k] &- 0x30 < 10 else { return nil }
        var mantissa: UInt64 = 0
        var significant = 0
        if b[k] == 0x30 {
            k += 1
        } else {
            while k < b.count, b[k] &- 0x30 < 10 {
                mantissa = mantissa &* 10 &+ UInt64(b[k] &- 0x30)
                significant += 1
                k += 1
            }
        }
        var decimals = 0
        if k < b.count, b[k] == 0x2E {
            k += 1
            guard k < b.count, b[k] &- 0x30 < 10 else { return nil }
            while k < b.count, b[k] &- 0x30 < 10 {
                mantissa = mantissa &* 10 &+ UInt64(b[k] &- 0x30)
                if mantissa != 0 { significant += 1 }
                decimals += 1
                k += 1
            }
        }
        if k < b.count, b[k] == 0x65 || b[k] == 0x45 { return nil }
        guard significant <= 15, decimals <= 22 else { return nil }
        i = k
        if decimals == 0 {
            let v = negative ? -Int(mantissa) : Int(mantissa)
            return (Double(v), v)
        }
        let d = Double(mantissa) / exactPowersOfTen[decimals]
        return (negative ? -d : d, nil)
    }

    /// Consumes `word` (`true`, `false`, `null`) if it comes next.
    public mutating func consume(word: StaticString) -> Bool {
        (try? literal(word)) != nil
    }

    private func fail(_ reason: String) -> JSONSyntaxError { JSONSyntaxError(offset: i, reason: reason) }

    private func show() -> String {
        guard i < b.count else { return "end of input" }
        let c = b[i]
        return c >= 0x20 && c < 0x7F ? "'\(Character(Unicode.Scalar(c)))'" : String(format: "byte 0x%02x", c)
    }

    private mutating func value(depth: Int) throws(JSONSyntaxError) -> JSONTree {
        guard i < b.count else { throw fail("unexpected end of input") }
        switch b[i] {
        case 0x7B: return try object(depth: depth + 1)
        case 0x5B: return try array(depth: depth + 1)
        case 0x22: return .string(try string())
        case 0x74: try literal("true"); return .bool(true)
        case 0x66: try literal("false"); return .bool(false)
        case 0x6E: try literal("null"); return .null
        case 0x4E where nonFiniteWords: try literal("NaN"); return .number(.nan, nil)
        case 0x49 where nonFiniteWords: try literal("Infinity"); return .number(.infinity, nil)
        case 0x2D where nonFiniteWords && i + 1 < b.count && b[i + 1] == 0x49:
            i += 1
            try literal("Infinity")
            return .number(-.infinity, nil)
        case 0x2D, 0x30...0x39: return try number()
        default: throw fail("unexpected \(show())")
        }
    }

    private mutating func literal(_ word: StaticString) throws(JSONSyntaxError) {
        let n = word.utf8CodeUnitCount
        guard i + n <= b.count else { throw fail("unexpected end of input") }
        for k in 0..<n where b[i + k] != word.utf8Start[k] { throw fail("unexpected \(show())") }
        i += n
    }

    private mutating func object(depth: Int) throws(JSONSyntaxError) -> JSONTree {
        if depth > Self.maxDepth { throw fail("nesting deeper than \(Self.maxDepth)") }
        i += 1
        var members: [JSONMember] = []
        members.reserveCapacity(8)  // one allocation for a REPORT's 7 fields or 5 metrics, not four
        skipSpace()
        if i < b.count, b[i] == 0x7D { i += 1; return .object(members) }
        while true {
            skipSpace()
            guard i < b.count, b[i] == 0x22 else { throw fail("expected a string key, found \(show())") }
            let key = try string()
            skipSpace()
            guard i < b.count, b[i] == 0x3A else { throw fail("expected ':', found \(show())") }
            i += 1
            skipSpace()
            members.append(JSONMember(key: key, value: try value(depth: depth)))
            skipSpace()
            guard i < b.count else { throw fail("unexpected end of input in an object") }
            if b[i] == 0x2C { i += 1; continue }
            if b[i] == 0x7D { i += 1; return .object(members) }
            throw fail("expected ',' or '}', found \(show())")
        }
    }

    private mutating func array(depth: Int) throws(JSONSyntaxError) -> JSONTree {
        if depth > Self.maxDepth { throw fail("nesting deeper than \(Self.maxDepth)") }
        i += 1
        var items: [JSONTree] = []
        skipSpace()
        if i < b.count, b[i] == 0x5D { i += 1; return .array(items) }
        while true {
            skipSpace()
            items.append(try value(depth: depth))
            skipSpace()
            guard i < b.count else { throw fail("unexpected end of input in an array") }
            if b[i] == 0x2C { i += 1; continue }
            if b[i] == 0x5D { i += 1; return .array(items) }
            throw fail("expected ',' or ']', found \(show())")
        }
    }

    private mutating func string() throws(JSONSyntaxError) -> String {
        i += 1
        let start = i
        // Fast path: no escapes.
        while i < b.count, b[i] != 0x22, b[i] != 0x5C, b[i] >= 0x20 { i += 1 }
        if i < b.count, b[i] == 0x22 {
            let s = try utf8(start, i)
            i += 1
            return s
        }
        var out = [UInt8](UnsafeBufferPointer(rebasing: b[start..<i]))
        while true {
            guard i < b.count else { throw fail("unterminated string") }
            let c = b[i]
            if c == 0x22 { i += 1; break }
            if c < 0x20 { throw fail("control character \(show()) in a string (escape it)") }
            if c != 0x5C { out.append(c); i += 1; continue }
            i += 1
            guard i < b.count else { throw fail("unterminated escape") }
            let e = b[i]
            i += 1
            switch e {
            case 0x22: out.append(0x22)
            case 0x5C: out.append(0x5C)
            case 0x2F: out.append(0x2F)
            case 0x62: out.append(0x08)
            case 0x66: out.append(0x0C)
            case 0x6E: out.append(0x0A)
            case 0x72: out.append(0x0D)
            case 0x74: out.append(0x09)
            case 0x75:
                var scalar = try hex4()
                if (0xD800...0xDBFF).contains(scalar) {
                    guard i + 1 < b.count, b[i] == 0x5C, b[i + 1] == 0x75 else { throw fail("lone high surrogate") }
                    i += 2
                    let low = try hex4()
                    guard (0xDC00...0xDFFF).contains(low) else { throw fail("invalid low surrogate") }
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                } else if (0xDC00...0xDFFF).contains(scalar) {
                    throw fail("lone low surrogate")
                }
                out.append(contentsOf: Array(String(Character(Unicode.Scalar(scalar)!)).utf8))
            default:
                i -= 1
                throw fail("invalid escape \\\(show())")
            }
        }
        guard let s = String(validating: out, as: UTF8.self) else { throw fail("invalid UTF-8 in a string") }
        return s
    }

    private func utf8(_ from: Int, _ to: Int) throws(JSONSyntaxError) -> String {
        let bytes = UnsafeBufferPointer(rebasing: b[from..<to])
        // ASCII (every key and nearly every value) is valid UTF-8 as it stands: `String(decoding:)`
        // skips `String(validating:)`'s generic-metadata lookups, the largest single cost of a body.
        var ascii: UInt8 = 0
        for c in bytes { ascii |= c }
        if ascii < 0x80 { return String(decoding: bytes, as: UTF8.self) }
        guard let s = String(validating: bytes, as: UTF8.self) else {
            throw JSONSyntaxError(offset: from, reason: "invalid UTF-8 in a string")
        }
        return s
    }

    private mutating func hex4() throws(JSONSyntaxError) -> UInt32 {
        guard i + 4 <= b.count else { throw fail("truncated \\u escape") }
        var v: UInt32 = 0
        for _ in 0..<4 {
            let c = b[i]
            let d: UInt8
            switch c {
            case 0x30...0x39: d = c - 0x30
            case 0x41...0x46: d = c - 0x41 + 10
            case 0x61...0x66: d = c - 0x61 + 10
            default: throw fail("bad hex digit \(show()) in a \\u escape")
            }
            v = v << 4 | UInt32(d)
            i += 1
        }
        return v
    }

    /// Clinger's fast path: a decimal with at most 15 significant digits and a power of ten up to
    /// 22 is one exactly rounded multiplication or division of two exact Doubles. Nil otherwise.
    private static func fastDouble(_ t: UnsafeBufferPointer<UInt8>) -> Double? {
        var k = 0
        let negative = t[0] == 0x2D
        if negative { k = 1 }
        var mantissa: UInt64 = 0
        var digits = 0
        var scale = 0
        var seenPoint = false
        while k < t.count {
            let c = t[k]
            if c == 0x2E { seenPoint = true; k += 1; continue }
            if c == 0x65 || c == 0x45 { break }
            if mantissa == 0 && c == 0x30 { if seenPoint { scale -= 1 }; k += 1; continue }
            digits += 1
            if digits > 15 { return nil }
            mantissa = mantissa * 10 + UInt64(c - 0x30)
            if seenPoint { scale -= 1 }
            k += 1
        }
        if k < t.count {  // exponent
            k += 1
            var expNegative = false
            if t[k] == 0x2B || t[k] == 0x2D { expNegative = t[k] == 0x2D; k += 1 }
            var e = 0
            while k < t.count { e = e * 10 + Int(t[k] - 0x30); if e > 1000 { return nil }; k += 1 }
            scale += expNegative ? -e : e
        }
        var d = Double(mantissa)
        if mantissa == 0 { return negative ? -0.0 : 0.0 }
        if scale < 0 {
            guard scale >= -22 else { return nil }
            d /= exactPowersOfTen[-scale]
        } else if scale > 0 {
            guard scale <= 22 else { return nil }
            d *= exactPowersOfTen[scale]
        }
        return negative ? -d : d
    }

    private mutating func number() throws(JSONSyntaxError) -> JSONTree {
        let start = i
        if b[i] == 0x2D { i += 1 }
        guard i < b.count, (0x30...0x39).contains(b[i]) else { throw fail("expected a digit, found \(show())") }
        if b[i] == 0x30 {
            i += 1
        } else {
            while i < b.count, (0x30...0x39).contains(b[i]) { i += 1 }
        }
        var integral = true
        if i < b.count, b[i] == 0x2E {
            integral = false
            i += 1
            guard i < b.count, (0x30...0x39).contains(b[i]) else { throw fail("expected a digit after '.', found \(show())") }
            while i < b.count, (0x30...0x39).contains(b[i]) { i += 1 }
        }
        if i < b.count, b[i] == 0x65 || b[i] == 0x45 {
            integral = false
            i += 1
            if i < b.count, b[i] == 0x2B || b[i] == 0x2D { i += 1 }
            guard i < b.count, (0x30...0x39).contains(b[i]) else { throw fail("expected an exponent digit, found \(show())") }
            while i < b.count, (0x30...0x39).contains(b[i]) { i += 1 }
        }
        let text = UnsafeBufferPointer(rebasing: b[start..<i])
        if integral, text.count - (text[0] == 0x2D ? 1 : 0) <= 18 {  // 18 digits never overflow Int64
            var v = 0
            var k = text[0] == 0x2D ? 1 : 0
            while k < text.count { v = v * 10 + Int(text[k] - 0x30); k += 1 }
            if text[0] == 0x2D { v = -v }
            return .number(Double(v), v)
        }
        if let d = Self.fastDouble(text) { return .number(d, nil) }
        // strtod on a NUL-terminated copy (at most a few dozen bytes).
        var c = [CChar](repeating: 0, count: text.count + 1)
        for k in 0..<text.count { c[k] = CChar(bitPattern: text[k]) }
        let d = strtod(c, nil)
        var exact: Int?
        if integral, let v = Int(String(decoding: text, as: UTF8.self)) { exact = v }
        return .number(d, exact)
    }
}

