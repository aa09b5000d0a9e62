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
    @inlinable @inline(always) public var isAtEnd: Bool { i >= b.count }

    /// The next byte, not consumed; nil at the end.
    @inlinable @inline(always) public var next: UInt8? { i < b.count ? b[i] : nil }

    /// Consumes `byte` if it comes next.
    @inlinable @inline(always)
    public mutating func consume(_ byte: UInt8) -> Bool {
        guard i < b.count, b[i] == byte else { return false }
        i += 1
        return true
    }

    /// Skips JSON whitespace (space, tab, line feed, carriage return).
    @inlinable @inline(always)
    public mutating func skipSpace() {
        while i < b.count {
            let c = b[i]
            guard c <= 0x20, c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 else { return }
            i += 1
        }
    }

    /// A string at the cursor (on its opening quote) that is plain ASCII without escapes: its bytes
    /// between the quotes, valid while the scanned data lives. Nil for anything else; the cursor
    /// has then moved and the caller is expected to give up (and take `parse`).
    @inlinable @inline(always)
    public mutating func plainString() -> UnsafeBufferPointer<UInt8>? {
        guard i < b.count, b[i] == 0x22 else { return nil }
        i += 1
        let start = i
        // Eight bytes at a time to the first that ends a plain string or is not allowed in one:
        // the high bit of each byte of `stop` is set at a quote, a backslash, a control character
        // or a non-ASCII byte (a borrow crosses a byte only above such a byte, so the lowest set
        // bit is exact); the loop below then looks at that byte.
        let base = UnsafeRawPointer(b.baseAddress!)
        while i + 8 <= b.count {
            let w = base.loadUnaligned(fromByteOffset: i, as: UInt64.self).littleEndian
            let quote = w ^ 0x2222_2222_2222_2222, backslash = w ^ 0x5C5C_5C5C_5C5C_5C5C
            let stop = ((quote &- 0x0101_0101_0101_0101) & ~quote | (backslash &- 0x0101_0101_0101_0101) & ~backslash
                        | (w &- 0x2020_2020_2020_2020) & ~w | w) & 0x8080_8080_8080_8080
            if stop != 0 { i += stop.trailingZeroBitCount >> 3; break }
            i += 8
        }
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
        guard case .number(let d, let exact)? = try? number() else { return nil }
        return (d, exact)
    }

    /// `plainNumber()`'s Double, read in one pass when the number has the common shape
    /// `-?(0|[1-9][0-9]*)(.[0-9]+)?` with at most 15 significant digits (18 for an integer) and
    /// at most 19 digits in all: the digits as one integer, divided once by an exact power of ten
    /// (Clinger's fast path, as `parse` takes it), so the same Double. Anything else is read by
    /// `plainNumber()`. Nil (cursor moved) when no well-formed number is there.
    @inlinable @inline(__always)
    public mutating func plainDouble() -> Double? {
        if let d = shortNumber(integer: false) { return d.value }
        guard let (d, _, end) = Self.number(b, at: i) else { return nil }
        i = end
        return d
    }

    /// `plainDouble()` when the number is finite (JSON's numbers are, unless beyond a Double's
    /// range: `1e999`); nil (cursor moved) otherwise.
    @inlinable @inline(__always)
    public mutating func plainFiniteDouble() -> Double? {
        guard let d = plainDouble(), d.isFinite else { return nil }
        return d
    }

    /// `plainNumber()`'s Int (nil for a number written with a point or an exponent, or too long),
    /// read in one pass for an integer of at most 18 digits; anything else by `plainNumber()`.
    @inlinable @inline(__always)
    public mutating func plainInteger() -> Int? {
        if let d = shortNumber(integer: true) { return d.exact }
        guard let (_, exact, end) = Self.number(b, at: i) else { return nil }
        i = end
        return exact
    }

    /// `plainNumber()` at `i` in `b`, with where the number ends: for the inlined readers above,
    /// which so never hand their cursor to a call (it stays in registers).
    @usableFromInline
    static func number(_ b: UnsafeBufferPointer<UInt8>, at i: Int) -> (Double, Int?, Int)? {
        var p = JSONParser(b)
        p.i = i
        guard let (d, exact) = p.plainNumber() else { return nil }
        return (d, exact, p.i)
    }

    /// The short number at the cursor (see `plainDouble`; with `integer`, only an integer), the
    /// cursor moved past it; nil with the cursor where it was for anything else.
    @inlinable @inline(__always)
    mutating func shortNumber(integer: Bool) -> (value: Double, exact: Int)? {
        var k = i
        guard k < b.count else { return nil }
        let negative = b[k] == 0x2D
        if negative { k += 1 }
        guard k < b.count, b[k] &- 0x30 < 10 else { return nil }
        var mantissa: UInt64 = 0
        var digits = 1
        var scale: UInt64 = 1  // 10^digits, unused for the integer part
        if b[k] == 0x30 {
            k += 1
        } else if integer {
            // Ids and counts are short: one byte at a time beats the eight-byte conversion.
            let start = k
            while k < b.count, b[k] &- 0x30 < 10 {
                mantissa = mantissa &* 10 &+ UInt64(b[k] &- 0x30)
                k += 1
            }
            digits = k - start
        } else {
            digits = digitRun(&k, &mantissa, &scale)
        }
        var decimals = 0
        scale = 1
        if k < b.count, b[k] == 0x2E {
            if integer { return nil }
            k += 1
            decimals = digitRun(&k, &mantissa, &scale)
            guard decimals > 0 else { return nil }
        }
        if k < b.count, b[k] | 0x20 == 0x65 { return nil }  // an exponent, `e` or `E`
        if decimals == 0 {
            guard digits <= 18 else { return nil }  // 18 digits never overflow an Int
            i = k
            let v = negative ? -Int(mantissa) : Int(mantissa)
            return (Double(v), v)
        }
        // At most 19 digits: neither the mantissa nor the scale (10^decimals, decimals ≤ 18)
        // wrapped; below 10^15: at most 15 significant digits. Both are exact as Doubles.
        guard digits + decimals <= 19, mantissa < 1_000_000_000_000_000 else { return nil }
        i = k
        let d = Double(Int64(mantissa)) / Double(Int64(scale))
        return (negative ? -d : d, 0)
    }

    /// Reads the run of digits at `k`, appending them to `mantissa` and multiplying `scale` by
    /// ten for each (both wrapping past 19 digits), eight bytes at a time while eight are left,
    /// and returns how many there were.
    @inlinable @inline(__always)
    func digitRun(_ k: inout Int, _ mantissa: inout UInt64, _ scale: inout UInt64) -> Int {
        let start = k
        let base = UnsafeRawPointer(b.baseAddress!)
        while k + 8 <= b.count {
            // Each byte XOR '0': a digit becomes its value 0…9; the high bit of each byte of
            // `other` is set where the byte is no digit (no carry crosses a byte).
            let a = base.loadUnaligned(fromByteOffset: k, as: UInt64.self).littleEndian ^ 0x3030_3030_3030_3030
            let other = (((a & 0x7F7F_7F7F_7F7F_7F7F) &+ 0x7676_7676_7676_7676) | a) & 0x8080_8080_8080_8080
            let n = other.trailingZeroBitCount >> 3  // digits before the first other byte, 0…8
            if n == 0 { break }
            // The n digits moved to the top bytes, zeros (digit 0) below them: an eight-digit
            // number with the same value, converted in three multiplications.
            var v = a &<< UInt64(64 - 8 * n)
            v = v &* 10 &+ v >> 8
            v = ((v & 0x0000_00FF_0000_00FF) &* 0x000F_4240_0000_0064
                 &+ (v >> 16 & 0x0000_00FF_0000_00FF) &* 0x0000_2710_0000_0001) >> 32
            let p = Self.powerOfTen(n)
            mantissa = mantissa &* p &+ v
            scale = scale &* p
            k += n
            if n < 8 { return k - start }
        }
        while k < b.count, b[k] &- 0x30 < 10 {
            mantissa = mantissa &* 10 &+ UInt64(b[k] &- 0x30)
            scale = scale &* 10
            k += 1
        }
        return k - start
    }

    /// 10^n for n in 0…8.
    @inlinable @inline(__always)
    static func powerOfTen(_ n: Int) -> UInt64 {
        switch n {
        case 0: 1
        case 1: 10
        case 2: 100
        case 3: 1000
        case 4: 10000
        case 5: 100_000
        case 6: 1_000_000
        case 7: 10_000_000
        default: 100_000_000
        }
    }

    /// Consumes `word` (`true`, `false`, `null`) if it comes next.
    @inlinable @inline(__always)
    public mutating func consume(word: StaticString) -> Bool {
        let n = word.utf8CodeUnitCount
        guard i + n <= b.count else { return false }
        for k in 0..<n where b[i + k] != word.utf8Start[k] { return false }
        i += n
        return true
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

