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

    /// Decimal digits of `v`, without going through String: written right to left into 48 bytes
    /// of stack (the 39 digits of a 128-bit integer and a sign), then appended at once.
    @inlinable
    public mutating func writeInt<I: FixedWidthInteger>(_ v: I) {
        var scratch: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0)
        withUnsafeMutableBytes(of: &scratch) { buf in
            var magnitude = v.magnitude
            var n = 0
            Self.prependDigits(of: &magnitude, into: buf, end: 48, filled: &n)
            if v < 0 { buf[47 - n] = 0x2D; n += 1 }
            bytes.append(contentsOf: UnsafeRawBufferPointer(rebasing: buf[(48 - n)...]))
        }
    }

    /// Writes the decimal digits of `value` right to left into `buf` before `end - filled`,
    /// advancing `filled`: exactly `count` digits when given (leading zeros included; `value` keeps
    /// what is left above them), else all of them (at least one).
    @inlinable @inline(__always)
    static func prependDigits<I: BinaryInteger>(of value: inout I, into buf: UnsafeMutableRawBufferPointer,
                                                end: Int, filled n: inout Int, count: Int? = nil) {
        var written = 0
        repeat {
            buf[end - 1 - n] = 0x30 + UInt8(truncatingIfNeeded: value % 10)
            value /= 10
            n += 1
            written += 1
        } while count.map { written < $0 } ?? (value > 0)
    }

    /// A double in the shortest text that reads back exactly, always with a `.` or an exponent
    /// (`1.0`, `1e-05`), so it reads back as a double; non-finite values as `nonFinite` strings.
    public mutating func writeDouble(_ v: Double) {
        if writeShortDecimal(v) { return }
        if v.isFinite { bytes.append(contentsOf: v.description.utf8) } else { writeString(nonFinite.spelling(of: v)) }
    }

    /// The fast path of `writeDouble` for the numbers metrics are made of (|v| in [10⁻⁴, 2⁵³)):
    /// the fewest decimals `p` (1 to 15) whose integer `m = round(|v|·10^p)` reads back as `v`,
    /// written `m` with the point `p` digits from the right, as `description` writes it, without
    /// a String. Reading back is checked exactly: `m` and `10^p` are exact doubles, so `m / 10^p`
    /// is the correctly rounded value any JSON reader gives the text. False (nothing written)
    /// outside that range or when no `p` ≤ 15 reads back (then `description` decides). One
    /// division per number, for the `p` that reads back: the others are ruled out by a multiply.
    private mutating func writeShortDecimal(_ v: Double) -> Bool {
        let a = v.magnitude
        guard a >= 1e-4, a < 9007199254740992 else { return false }
        var p = 1
        while p <= 15 {
            let x = a * exactPowersOfTen[p]
            if x >= 9007199254740992 { return false }
            // x rounded half away from zero (what `rounded()` does, without a libm call): x is
            // below 2⁵³, so the truncation and the fraction `x - t` are exact. Int64, not UInt64:
            // the signed conversions are single instructions.
            let t = Int64(x)
            let m = x - Double(t) >= 0.5 ? t + 1 : t
            if m >= 9007199254740992 { return false }
            // Only an `m` within x·2⁻⁵⁰ of `x` can read back, so the division is skipped for the
            // others (most `p` tried): reading back means |m/10^p − a| ≤ ulp(a)/2 ≤ a·2⁻⁵³, so
            // |m − x| ≤ x·2⁻⁵² give or take x's own rounding. A filter only; the division decides.
            if (x - Double(m)).magnitude <= x * 0x1p-50, Self.readsBack(m, p, a) {
                var digits = UInt64(bitPattern: m)
                // Written right to left into 24 bytes: up to 16 digits of m, the point, a leading
                // zero, the sign.
                var scratch: (UInt64, UInt64, UInt64) = (0, 0, 0)
                withUnsafeMutableBytes(of: &scratch) { buf in
                    var n = 0
                    Self.prependDigits(of: &digits, into: buf, end: 24, filled: &n, count: p)
                    buf[23 - n] = 0x2E
                    n += 1
                    Self.prependDigits(of: &digits, into: buf, end: 24, filled: &n)
                    if v < 0 { buf[23 - n] = 0x2D; n += 1 }
                    bytes.append(contentsOf: UnsafeRawBufferPointer(rebasing: buf[(24 - n)...]))
                }
                return true
            }
            p += 1
        }
        return false
    }

    /// Whether `m / 10^p` reads back as `a` (both exact doubles, so the quotient is the correctly
    /// rounded value of the decimal). Not inlined: inlined, the compiler computes the division
    /// ahead of the cheap filter before it, on every `p` tried.
    @inline(never)
    private static func readsBack(_ m: Int64, _ p: Int, _ a: Double) -> Bool {
        Double(m) / exactPowersOfTen[p] == a
    }

    /// A double as an integer when it is one (`3` rather than `3.0`, below 10^15 in magnitude),
    /// otherwise as `writeDouble` writes it: for figures a person reads, such as an epoch.
    @inlinable
    public mutating func writeWholeOrDouble(_ v: Double) {
        if v == v.rounded(), abs(v) < 1e15 { writeInt(Int(v)) } else { writeDouble(v) }
    }

    /// A quoted, escaped string.
    public mutating func writeString(_ s: String) {
        bytes.append(0x22)
        // Most strings (names, keys, log lines) need no escape: one bulk copy instead of a
        // per-byte append.
        let copied = s.utf8.withContiguousStorageIfAvailable { u -> Bool in
            for c in u where c < 0x20 || c == 0x22 || c == 0x5C { return false }
            bytes.append(contentsOf: u)
            return true
        }
        if copied == true {
            bytes.append(0x22)
            return
        }
        for b in s.utf8 {
            switch b {
            case 0x22: bytes.append(0x5C); bytes.append(0x22)
            case 0x5C: bytes.append(0x5C); bytes.append(0x5C)
            case 0x08: bytes.append(0x5C); bytes.append(0x62)
            case 0x0C: bytes.append(0x5C); bytes.append(0x66)
            case 0x0A: bytes.append(0x5C); bytes.append(0x6E)
            case 0x0D: bytes.append(0x5C); bytes.append(0x72)
            case 0x09: bytes.append(0x5C); bytes.append(0x74)
            case 0..<0x20:
                bytes.append(contentsOf: [0x5C, 0x75, 0x30, 0x30, hexDigits[Int(b >> 4)], hexDigits[Int(b & 15)]])
            default: bytes.append(b)
            }
        }
        bytes.append(0x22)
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

private let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

/// 10⁰ … 10²², each an exact double (a literal, so no lazy initialisation on each use): the
/// writer's decimals and the parser's fast path.
let exactPowersOfTen: [Double] = [1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                  1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22]
