// Rung's one JSON writer: compact UTF-8 written straight into a byte buffer, member by member, in
// the order the caller writes them (wire bodies, journal lines, store rows, safetensors headers).
// Doubles in their shortest exact text; non-finite ones as strings in a chosen spelling.
// Leaves out pretty printing, key sorting (callers write in the order they want) and Codable
// (Wire's BodyEncoder bridges Codable onto this writer).

/// How NaN and ±infinity are spelt: JSON has no literal for them, so they are written as strings.
public struct NonFiniteSpelling: Sendable, Equatable {
    /// The string for NaN.
    public var nan: String
    /// The string for +∞.
    public var infinity: String
    /// The string for −∞.
    public var negativeInfinity: String

    /// Makes a spelling.
    public init(nan: String, infinity: String, negativeInfinity: String) {
        self.nan = nan; self.infinity = infinity; self.negativeInfinity = negativeInfinity
    }

    /// "NaN", "Infinity", "-Infinity": wire bodies and journal lines (as JavaScript and Python's
    /// `json` module write them).
    public static let standard = NonFiniteSpelling(nan: "NaN", infinity: "Infinity", negativeInfinity: "-Infinity")
    /// "nan", "inf", "-inf": the study store's configuration and metric columns.
    public static let short = NonFiniteSpelling(nan: "nan", infinity: "inf", negativeInfinity: "-inf")

    /// The string for a non-finite `v`.
    @inlinable
    public func spelling(of v: Double) -> String {
        v.isNaN ? nan : v > 0 ? infinity : negativeInfinity
    }
}

/// JSON bytes being written. A struct passed `inout`, so appends carry no dynamic exclusivity
/// checks (a class property would pay one per append).
///
/// Strings are escaped as serde_json (and so Python's `safetensors`) escapes them: `"` `\` and the
/// control characters, with the short forms `\b \f \n \r \t`; everything else is copied as UTF-8.
///
/// A body of many small pieces (a REPORT) is written through `withSpace`, into memory sized once,
/// instead of one array append per piece; the single values below go the same way, so every
/// number and string has one writer (`JSONSpan`'s).
public struct JSONWriter {
    /// The bytes written so far.
    public var bytes: [UInt8] = []
    /// How non-finite doubles are spelt.
    public var nonFinite: NonFiniteSpelling

    /// An empty writer; `nonFinite` chooses the strings NaN and ±∞ become.
    public init(nonFinite: NonFiniteSpelling = .standard) {
        self.nonFinite = nonFinite
        bytes.reserveCapacity(256)
    }

    /// The bytes as a string.
    public var text: String { String(decoding: bytes, as: UTF8.self) }

    /// Runs `body` with a `JSONSpan` over `n` bytes of scratch memory (on the stack when small),
    /// then appends what it wrote: one append for a whole body. `n` must cover what `body` writes
    /// (`JSONSpan`'s `max…Bytes` give each piece's most); writing past it stops the process
    /// rather than the memory.
    @inlinable
    public mutating func withSpace(upTo n: Int, _ body: (inout JSONSpan) -> Void) {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: n) { buffer in
            var span = JSONSpan(buffer.baseAddress!, capacity: n, nonFinite: nonFinite)
            body(&span)
            bytes.append(contentsOf: UnsafeBufferPointer(start: buffer.baseAddress, count: span.written))
        }
    }

    /// Appends `s` as it stands (punctuation, or JSON already written).
    @inlinable
    public mutating func raw(_ s: StaticString) {
        bytes.append(contentsOf: UnsafeBufferPointer(start: s.utf8Start, count: s.utf8CodeUnitCount))
    }

    /// `true` or `false`.
    @inlinable
    public mutating func writeBool(_ v: Bool) { v ? raw("true") : raw("false") }

    /// `null`.
    @inlinable
    public mutating func writeNull() { raw("null") }

    /// Decimal digits of `v`, without going through String.
    @inlinable
    public mutating func writeInt<I: FixedWidthInteger>(_ v: I) {
        withSpace(upTo: JSONSpan.maxIntBytes) { $0.writeInt(v) }
    }

    /// A double in the shortest text that reads back exactly, always with a `.` or an exponent
    /// (`1.0`, `1e-05`), so it reads back as a double; non-finite values as `nonFinite` strings.
    public mutating func writeDouble(_ v: Double) {
        withSpace(upTo: JSONSpan.maxDoubleBytes(nonFinite)) { $0.writeDouble(v) }
    }

    /// A double as an integer when it is one (`3` rather than `3.0`, below 10^15 in magnitude),
    /// otherwise as `writeDouble` writes it: for figures a person reads, such as an epoch.
    @inlinable
    public mutating func writeWholeOrDouble(_ v: Double) {
        if v == v.rounded(), abs(v) < 1e15 { writeInt(Int(v)) } else { writeDouble(v) }
    }

    /// A quoted, escaped string.
    public mutating func writeString(_ s: String) {
        // Most strings (names, keys, log lines) need no escape: one bulk copy, whatever the length.
        let copied = s.utf8.withContiguousStorageIfAvailable { u -> Bool in
            for c in u where c < 0x20 || c == 0x22 || c == 0x5C { return false }
            bytes.append(0x22)
            bytes.append(contentsOf: u)
            bytes.append(0x22)
            return true
        }
        if copied == true { return }
        withSpace(upTo: JSONSpan.maxBytes(of: s)) { $0.writeString(s) }
    }

    /// `,"key":` (without the comma for the first member) for a key known to need no escape.
    @inlinable
    public mutating func key(_ k: StaticString, first: Bool = false) {
        if !first { bytes.append(0x2C) }
        bytes.append(0x22)
        bytes.append(contentsOf: UnsafeBufferPointer(start: k.utf8Start, count: k.utf8CodeUnitCount))
        bytes.append(0x22)
        bytes.append(0x3A)
    }

    /// `,"key":` (without the comma for the first member) for any key, escaped.
    public mutating func key(_ k: String, first: Bool = false) {
        if !first { bytes.append(0x2C) }
        writeString(k)
        bytes.append(0x3A)
    }

    /// An array of integers, `[1,2,3]`.
    public mutating func writeInts(_ values: [Int]) {
        bytes.append(0x5B)
        for (n, v) in values.enumerated() {
            if n > 0 { bytes.append(0x2C) }
            writeInt(v)
        }
        bytes.append(0x5D)
    }
}

/// JSON written straight into memory sized beforehand (`JSONWriter.withSpace`): a pointer and a
/// count, no capacity or uniqueness check per byte, one bounds check per piece. Each piece's most
/// bytes: `maxIntBytes`, `maxDoubleBytes(_:)`, `maxBytes(of:)` for a string, a key's bound plus 2.
public struct JSONSpan {
    @usableFromInline let base: UnsafeMutablePointer<UInt8>
    @usableFromInline let capacity: Int
    /// Bytes written so far.
    public var count: Int { written }
    @usableFromInline var written = 0
    /// How non-finite doubles are spelt.
    public let nonFinite: NonFiniteSpelling

    @usableFromInline
    init(_ base: UnsafeMutablePointer<UInt8>, capacity: Int, nonFinite: NonFiniteSpelling) {
        self.base = base; self.capacity = capacity; self.nonFinite = nonFinite
    }

    /// The most bytes an integer of up to 128 bits takes: 39 digits and a sign.
    public static let maxIntBytes = 40
    /// The most bytes a double takes: 24 for the longest finite text
    /// (`-2.2250738585072014e-308`), or a non-finite spelling as an escaped string.
    public static func maxDoubleBytes(_ nonFinite: NonFiniteSpelling) -> Int {
        max(24, maxBytes(of: nonFinite.nan), maxBytes(of: nonFinite.infinity), maxBytes(of: nonFinite.negativeInfinity))
    }
    /// The most bytes `s` takes as a JSON string: every byte escaped as `\u00XX`, and the quotes.
    @inlinable
    public static func maxBytes(of s: String) -> Int { 6 * s.utf8.count + 2 }

    /// Stops the process if `n` more bytes would pass the capacity (a caller's bound was wrong).
    @inlinable @inline(__always)
    func reserve(_ n: Int) {
        precondition(written + n <= capacity, "JSONSpan: \(n) more bytes past \(written) of \(capacity)")
    }

    /// One byte.
    @inlinable
    public mutating func byte(_ b: UInt8) {
        reserve(1)
        base[written] = b
        written += 1
    }

    /// `s` as it stands.
    @inlinable
    public mutating func raw(_ s: StaticString) {
        let n = s.utf8CodeUnitCount
        reserve(n)
        (base + written).update(from: s.utf8Start, count: n)
        written += n
    }

    /// `true` or `false`.
    @inlinable
    public mutating func writeBool(_ v: Bool) { v ? raw("true") : raw("false") }

    /// `,"key":` (without the comma for the first member) for a key known to need no escape.
    @inlinable
    public mutating func key(_ k: StaticString, first: Bool = false) {
        let n = k.utf8CodeUnitCount
        reserve(n + 4)
        if !first { base[written] = 0x2C; written += 1 }
        base[written] = 0x22
        (base + written + 1).update(from: k.utf8Start, count: n)
        base[written + 1 + n] = 0x22
        base[written + 2 + n] = 0x3A
        written += n + 3
    }

    /// `,"key":` (without the comma for the first member) for any key, escaped.
    public mutating func key(_ k: String, first: Bool = false) {
        if !first { byte(0x2C) }
        writeString(k)
        byte(0x3A)
    }

    /// Decimal digits of `v`, in place.
    @inlinable
    public mutating func writeInt<I: FixedWidthInteger>(_ v: I) {
        if I.bitWidth <= 64 {
            writeInt(magnitude: UInt64(truncatingIfNeeded: v.magnitude), negative: v < 0)
        } else {
            var text = String(v)
            text.withUTF8 { u in
                reserve(u.count)
                (base + written).update(from: u.baseAddress!, count: u.count)
                written += u.count
            }
        }
    }

    /// `-` when `negative`, then the digits of `magnitude`.
    @usableFromInline
    mutating func writeInt(magnitude: UInt64, negative: Bool) {
        var m = magnitude
        let digits = Self.digitCount(m)
        let n = digits &+ (negative ? 1 : 0)
        reserve(n)
        if negative { base[written] = 0x2D }
        Self.digits(of: &m, count: digits, endingAt: base + (written &+ n))
        written &+= n
    }

    /// A double as `JSONWriter.writeDouble` describes.
    public mutating func writeDouble(_ v: Double) {
        if writeShortDecimal(v) { return }
        if v.isFinite {
            var text = v.description
            text.withUTF8 { u in
                reserve(u.count)
                (base + written).update(from: u.baseAddress!, count: u.count)
                written += u.count
            }
        } else {
            writeString(nonFinite.spelling(of: v))
        }
    }

    /// The fast path of `writeDouble` for |v| in [10⁻⁴, 10¹⁵), the numbers metrics are made of:
    /// the fewest decimals that read back, written as `description` writes them, without a String.
    ///
    /// `v` rounded to 15 significant digits is an integer `m` < 10¹⁵ (`x = |v|·10^P` rounded, P
    /// from v's decimal exponent). If any decimal of at most 15 significant digits reads back as
    /// `v`, it is `m` without its trailing zeros: such a decimal lies within half an ulp of `v`
    /// (≤ |v|·2⁻⁵³), far inside half a step of the 15-digit grid (≥ |v|·10⁻¹⁵/2), and the product's
    /// own rounding (< 0.07 at x < 2⁵⁰) cannot move `x` across a half. So one multiply, a strip of
    /// zeros and one exact division decide (`m` and 10^p are exact doubles, so `m / 10^p` is the
    /// correctly rounded value any JSON reader gives the text). False (nothing written) outside
    /// the range, or when the shortest text needs 16 or 17 digits (then `description` decides).
    private mutating func writeShortDecimal(_ v: Double) -> Bool {
        let a = v.magnitude
        guard a >= 1e-4, a < 1e15 else { return false }
        // floor(k·log₁₀2) for a in [2^k, 2^(k+1)) (as (k·1233) >> 12, exact for |k| < 681) is
        // the decimal exponent e or e − 1.
        let k = Int(truncatingIfNeeded: a.bitPattern >> 52) &- 1023  // a is normal: its binary exponent
        var e = max(-4, (k &* 1233) >> 12)
        if a >= decimalPowers[e &+ 5] { e &+= 1 }
        var decimals = 14 - e  // from 0 to 18: 10^decimals is exact
        let x = a * exactPowersOfTen[decimals]
        // x rounded half away from zero (what `rounded()` does, without a libm call): x < 10¹⁵ <
        // 2⁵⁰, so the truncation and the fraction are exact.
        // 2⁵⁰, so the truncation and the fraction are exact. Int64: its conversions are single
        // instructions.
        let t = Int64(x)
        var m = UInt64(bitPattern: x - Double(t) >= 0.5 ? t &+ 1 : t)
        var digits = m >= 1_000_000_000_000_000 ? 16 : m >= 100_000_000_000_000 ? 15 : Self.digitCount(m)
        // The trailing zeros off, while there are decimals: 8, 4, 2, 1 at a time (at most 15).
        if decimals >= 8, m % 100_000_000 == 0 { m /= 100_000_000; decimals &-= 8; digits &-= 8 }
        if decimals >= 4, m % 10_000 == 0 { m /= 10_000; decimals &-= 4; digits &-= 4 }
        if decimals >= 2, m % 100 == 0 { m /= 100; decimals &-= 2; digits &-= 2 }
        if decimals >= 1, m % 10 == 0 { m /= 10; decimals &-= 1; digits &-= 1 }
        let exact = Double(Int64(bitPattern: m))
        let readsBack = decimals == 0 ? exact == a : exact / exactPowersOfTen[decimals] == a
        guard readsBack else { return false }
        // `m` with the point `decimals` digits from the right: at least one digit each side.
        let whole = max(digits &- decimals, 1)
        let fraction = max(decimals, 1)
        let sign = v < 0 ? 1 : 0
        let n = sign &+ whole &+ 1 &+ fraction
        reserve(n)
        let end = written &+ n
        if decimals == 0 { base[end &- 1] = 0x30 }  // "3" → "3.0"
        Self.digits(of: &m, count: decimals, endingAt: base + end)
        base[end &- fraction &- 1] = 0x2E
        Self.digits(of: &m, count: whole, endingAt: base + (end &- fraction &- 1))
        if sign == 1 { base[written] = 0x2D }
        written = end
        return true
    }

    /// Writes the last `count` decimal digits of `m` right to left, ending just before `end`,
    /// two at a time, and takes them off `m` (leading zeros when `m` runs out).
    @inline(__always)
    private static func digits(of m: inout UInt64, count: Int, endingAt end: UnsafeMutablePointer<UInt8>) {
        var at = end
        var left = count
        let pairs = digitPairs.utf8Start
        while left >= 2 {
            let r = Int(m % 100)
            m /= 100
            at -= 2
            at[0] = pairs[2 &* r]
            at[1] = pairs[2 &* r &+ 1]
            left &-= 2
        }
        if left == 1 {
            at -= 1
            at[0] = 0x30 &+ UInt8(truncatingIfNeeded: m % 10)
            m /= 10
        }
    }

    /// The decimal digits of `m` (1 for 0).
    private static func digitCount(_ m: UInt64) -> Int {
        var n = 1
        var rest = m / 10
        while rest > 0 { n &+= 1; rest /= 10 }
        return n
    }

    /// A quoted, escaped string (see `JSONWriter`).
    public mutating func writeString(_ s: String) {
        if let done = s.utf8.withContiguousStorageIfAvailable({ write(quoting: $0) }) { return done }
        var copy = s
        copy.withUTF8 { write(quoting: $0) }
    }

    /// `u`'s bytes as a quoted, escaped string.
    private mutating func write(quoting u: UnsafeBufferPointer<UInt8>) {
        reserve(u.count + 2)
        base[written] = 0x22
        var at = written + 1
        var i = 0
        // Copied as it is up to the first byte that needs an escape: eight bytes at a time while
        // none of them is below 0x20, `"` or `\` (exact bit tests, no false alarms), then bytewise.
        let ones: UInt64 = 0x0101_0101_0101_0101, highs: UInt64 = 0x8080_8080_8080_8080
        while i &+ 8 <= u.count {
            let w = UnsafeRawPointer(u.baseAddress! + i).loadUnaligned(as: UInt64.self)
            let quote = w ^ (ones &* 0x22), backslash = w ^ (ones &* 0x5C)
            let below = (w &- ones &* 0x20) & ~w
            let zeroQuote = (quote &- ones) & ~quote, zeroBackslash = (backslash &- ones) & ~backslash
            if (below | zeroQuote | zeroBackslash) & highs != 0 { break }
            UnsafeMutableRawPointer(base + at).storeBytes(of: w, as: UInt64.self)
            at &+= 8
            i &+= 8
        }
        while i < u.count {
            let c = u[i]
            if c < 0x20 || c == 0x22 || c == 0x5C { break }
            base[at] = c
            at += 1
            i += 1
        }
        written = at
        while i < u.count {
            let c = u[i]
            switch c {
            case 0x22: escape(0x22)
            case 0x5C: escape(0x5C)
            case 0x08: escape(0x62)
            case 0x0C: escape(0x66)
            case 0x0A: escape(0x6E)
            case 0x0D: escape(0x72)
            case 0x09: escape(0x74)
            case 0..<0x20:
                reserve(6)
                base[written] = 0x5C; base[written + 1] = 0x75; base[written + 2] = 0x30; base[written + 3] = 0x30
                base[written + 4] = hexDigits[Int(c >> 4)]; base[written + 5] = hexDigits[Int(c & 15)]
                written += 6
            default: byte(c)
            }
            i += 1
        }
        byte(0x22)
    }

    private mutating func escape(_ c: UInt8) {
        reserve(2)
        base[written] = 0x5C
        base[written + 1] = c
        written += 2
    }
}

/// "00" to "99", the two digits of each number below 100 (a literal: no lazy initialisation).
private let digitPairs: StaticString = """
    00010203040506070809101112131415161718192021222324252627282930313233343536373839404142434445464748495051525354555657585960616263646566676869707172737475767778798081828384858687888990919293949596979899
    """

private let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

/// 10⁰ … 10²², each an exact double (a literal, so no lazy initialisation on each use): the
/// writer's decimals and the parser's fast path.
let exactPowersOfTen: [Double] = [1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                  1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22]

/// 10⁻⁴ … 10¹⁶ (index k is 10^(k−4)): where a double's decimal exponent is told apart. The negative
/// powers are the doubles nearest them; a value that falls on the other side of one only costs
/// the fast path (`description` writes it), never its exactness.
let decimalPowers: [Double] = [1e-4, 1e-3, 1e-2, 1e-1, 1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
                               1e12, 1e13, 1e14, 1e15, 1e16]
