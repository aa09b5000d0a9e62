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
    /// (`-2.2250738585072014e-308`) and 16 of scratch the digits are copied through, or a
    /// non-finite spelling as an escaped string.
    public static func maxDoubleBytes(_ nonFinite: NonFiniteSpelling) -> Int {
        max(40, maxBytes(of: nonFinite.nan), maxBytes(of: nonFinite.infinity), maxBytes(of: nonFinite.negativeInfinity))
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
        if writeFixed(v) { return }
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

    /// A decimal `m / 10^decimals` with `digits` significant digits, trailing zeros stripped.
    private typealias Decimal = (m: UInt64, decimals: Int, digits: Int)

    /// The fast path of `writeDouble` for |v| in [10⁻⁴, 2⁵³), where `description` writes digits
    /// and a point (no exponent): the shortest decimal that reads back as `v`, written as
    /// `description` writes it, without a String. First the one decimal of at most 15 significant
    /// digits that can (`rounded15`), else the nearest of 16, else of 17 (`nearest`). False
    /// (nothing written) outside the range.
    private mutating func writeFixed(_ v: Double) -> Bool {
        let a = v.magnitude
        guard a >= 1e-4, a < 9007199254740992 else { return false }
        // floor(k·log₁₀2) for a in [2^k, 2^(k+1)) (as (k·1233) >> 12, exact for |k| < 681) is
        // the decimal exponent e or e − 1.
        let k = Int(truncatingIfNeeded: a.bitPattern >> 52) &- 1023  // a is normal: its binary exponent
        var e = max(-4, (k &* 1233) >> 12)
        if a >= decimalPowers[e &+ 5] { e &+= 1 }
        if e <= 14, let m = Self.rounded15(a, e) {
            writeFixed(digitsOf: m, decimals: 14 &- e, negative: v < 0)
            return true
        }
        guard let d = Self.nearest(a, e, digits: 16) ?? Self.nearest(a, e, digits: 17) else { return false }
        // `m` with the point `decimals` digits from the right: at least one digit each side.
        var m = d.m
        let whole = max(d.digits &- d.decimals, 1)
        let fraction = max(d.decimals, 1)
        let sign = v < 0 ? 1 : 0
        let n = sign &+ whole &+ 1 &+ fraction
        reserve(n)
        let end = written &+ n
        if d.decimals == 0 { base[end &- 1] = 0x30 }  // "3" → "3.0"
        Self.digits(of: &m, count: d.decimals, endingAt: base + end)
        base[end &- fraction &- 1] = 0x2E
        Self.digits(of: &m, count: whole, endingAt: base + (end &- fraction &- 1))
        if sign == 1 { base[written] = 0x2D }
        written = end
        return true
    }

    /// `m / 10^decimals` (m in [10¹⁴, 10¹⁶), 0 ≤ decimals ≤ 18) without its trailing zeros, as
    /// `description` writes it: the 16 digits of `m` made at once (`digits8`, twice), the zeros
    /// at their end counted from the bits, then copied around the point.
    private mutating func writeFixed(digitsOf m: UInt64, decimals p: Int, negative: Bool) {
        let high = Self.digits8(m / 100_000_000), low = Self.digits8(m % 100_000_000)
        // Trailing zero digits (a digit is a byte, the last one the highest byte of `low`), at most
        // the decimals: they go; the integer part keeps its own.
        let zeros = low != 0 ? low.leadingZeroBitCount >> 3 : 8 &+ high.leadingZeroBitCount >> 3
        let decimals = p &- min(zeros, p)
        let count = m >= 1_000_000_000_000_000 ? 16 : 15  // significant digits of m
        let whole = count &- p                             // digits before the point (≤ 0: none)
        let n = (negative ? 1 : 0) &+ max(whole, 1) &+ 1 &+ max(decimals, 1)
        // Copied a word at a time: up to 16 bytes past the end are written over (scratch: the
        // span's bound for a double leaves room for them), then left behind.
        reserve(n &+ 16)
        let zero: UInt64 = 0x3030_3030_3030_3030  // "00000000"
        var text: (UInt64, UInt64, UInt64, UInt64) = (high | zero, low | zero, zero, zero)
        withUnsafeBytes(of: &text) { t in
            let out = UnsafeMutableRawPointer(base + written)
            var at = 0
            if negative { out.storeBytes(of: 0x2D, as: UInt8.self); at = 1 }
            let first = 16 &- count  // the first significant digit in `text`
            func copy16(from i: Int, to j: Int) {
                out.storeBytes(of: t.loadUnaligned(fromByteOffset: i, as: UInt64.self), toByteOffset: j, as: UInt64.self)
                out.storeBytes(of: t.loadUnaligned(fromByteOffset: i &+ 8, as: UInt64.self), toByteOffset: j &+ 8, as: UInt64.self)
            }
            if whole >= 1 {
                // The digits, then the ones after the point again one byte further on (a
                // "0" after it when there are none: text holds zeros past the digits).
                copy16(from: first, to: at)
                copy16(from: first &+ whole, to: at &+ whole &+ 1)
                out.storeBytes(of: 0x2E, toByteOffset: at &+ whole, as: UInt8.self)
            } else {
                // "0.", the zeros before the first digit (at most 3), the digits.
                out.storeBytes(of: 0x2E30, toByteOffset: at, as: UInt16.self)
                out.storeBytes(of: zero, toByteOffset: at &+ 2, as: UInt64.self)
                copy16(from: first, to: at &+ 2 &- whole)
            }
        }
        written &+= n
    }

    /// The eight decimal digits of `n` < 10⁸ as eight bytes 0…9, the first digit in the lowest
    /// byte, computed in parallel lanes: `n` split into 4-digit halves in 32-bit lanes, each into
    /// 2-digit ones in 16-bit lanes, each into digits in bytes, dividing by multiplying
    /// (y·10486 >> 20 = y / 100 for y < 10⁴; z·103 >> 10 = z / 10 for z < 100; no lane overflows
    /// into the next).
    @inline(__always)
    private static func digits8(_ n: UInt64) -> UInt64 {
        let halves = (n / 10_000) | ((n % 10_000) << 32)
        let hundreds = ((halves &* 10_486) >> 20) & 0x0000_007F_0000_007F
        let pairs = hundreds | ((halves &- hundreds &* 100) << 16)
        let tens = ((pairs &* 103) >> 10) & 0x000F_000F_000F_000F
        return tens | ((pairs &- tens &* 10) << 8)
    }

    /// `a` rounded to 15 significant digits, `m = round(a·10^(14−e))` (10^e ≤ a < 10^(e+1),
    /// e ≤ 14), when `m / 10^(14−e)` reads back as `a`; nil when it does not, and then no decimal
    /// of at most 15 significant digits does.
    ///
    /// If any decimal of at most 15 significant digits reads back as `a`, it is `m` (without its
    /// trailing zeros): such a decimal lies within half an ulp of `a` (≤ a·2⁻⁵³), far inside half
    /// a step of the 15-digit grid (≥ a·10⁻¹⁵/2), and the product's own rounding (< 0.07 at
    /// x < 2⁵⁰) cannot move `x` across a half. One multiply and one exact division decide (`m`
    /// and 10^p are exact doubles, so `m / 10^p` is the correctly rounded value any JSON reader
    /// gives the text); the zeros come off as text.
    private static func rounded15(_ a: Double, _ e: Int) -> UInt64? {
        let power = 14 &- e  // from 0 to 18: 10^power is exact
        let x = a * exactPowersOfTen[power]
        // x rounded half away from zero (what `rounded()` does, without a libm call): x < 10¹⁵ <
        // 2⁵⁰, so the truncation and the fraction are exact. Int64: its conversions are single
        // instructions.
        let t = Int64(x)
        let m = x - Double(t) >= 0.5 ? t &+ 1 : t
        let exact = Double(m)
        let readsBack = power == 0 ? exact == a : exact / exactPowersOfTen[power] == a
        return readsBack ? UInt64(bitPattern: m) : nil
    }

    /// The decimal of `n` significant digits nearest to `a` (10^e ≤ a < 10^(e+1) < 10¹⁷), when it
    /// reads back as `a`; nil when it does not. Exact, in 128-bit integers: `a = f / 2^s` with a
    /// 53-bit `f`, so `a·10^P = f·10^P / 2^s` (under 2¹²⁰) is rounded by a shift, and reading back
    /// is |m·2^s − f·10^P| within half the gap to the neighbouring double (a quarter below a power
    /// of two), ties to the even `f`, as a reader rounds. Where any decimal of `n` digits reads
    /// back, the nearest does; every double has one of 17.
    private static func nearest(_ a: Double, _ e: Int, digits n: Int) -> Decimal? {
        let bits = a.bitPattern
        let f = (bits & 0x000F_FFFF_FFFF_FFFF) | 0x0010_0000_0000_0000
        let s = 1075 &- Int(truncatingIfNeeded: bits >> 52)  // 0 … 66 in the fast path's range
        let p = n &- 1 &- e                                 // 0 … 20
        guard s >= 0, s < 100, p >= 0, p <= 20 else { return nil }
        let scale = p <= 19 ? UInt128(integerPowersOfTen[p]) : UInt128(integerPowersOfTen[19]) &* 10
        let product = UInt128(f) &* scale
        var m = product >> s
        if s > 0 {
            let rest = product & ((1 << s) &- 1), half = UInt128(1) << (s &- 1)
            if rest > half || (rest == half && m & 1 == 1) { m &+= 1 }
        }
        let back = m << s
        let lowerGapIsHalf = f == 0x0010_0000_0000_0000 && bits >> 52 > 1
        let twiceOff = back >= product ? (back &- product) << 1 : (product &- back) << (lowerGapIsHalf ? 2 : 1)
        guard twiceOff < scale || (twiceOff == scale && f & 1 == 0) else { return nil }
        var value = UInt64(truncatingIfNeeded: m)
        var decimals = p
        var count = value >= integerPowersOfTen[n] ? n &+ 1 : n
        while decimals > 0, value % 10 == 0 { value /= 10; decimals &-= 1; count &-= 1 }
        return (value, decimals, count)
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

/// 10⁰ … 10¹⁹, every power of ten a UInt64 holds.
let integerPowersOfTen: [UInt64] = [1, 10, 100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000, 100_000_000,
                                    1_000_000_000, 10_000_000_000, 100_000_000_000, 1_000_000_000_000,
                                    10_000_000_000_000, 100_000_000_000_000, 1_000_000_000_000_000,
                                    10_000_000_000_000_000, 100_000_000_000_000_000, 1_000_000_000_000_000_000,
                                    10_000_000_000_000_000_000]
