// A streaming JSON encoder for message bodies: Codable values straight into bytes, no intermediate
// tree, no key sorting (keys in declaration order). Foundation's JSONEncoder costs ~15 µs per
// REPORT on this machine; this one a fraction of that. Leaves out nested/super encoders (no body
// type uses them) and Date/Data/URL special cases (no body field has those types).

/// Encodes an `Encodable` body as compact JSON (UTF-8). Non-finite numbers become the strings
/// "NaN", "Infinity", "-Infinity".
struct BodyEncoder {
    static func encode<T: Encodable>(_ value: T) throws -> [UInt8] {
        if let fast = value as? any FastBody {
            var w = JSONWriter()
            fast.writeJSON(&w)
            return w.bytes
        }
        let out = JSONOutput()
        try out.encodeValue(value, path: [])
        return out.w.bytes
    }
}

/// JSON bytes being written. A struct passed `inout`, so appends carry no dynamic exclusivity
/// checks (a class property would pay one per append).
struct JSONWriter {
    var bytes: [UInt8] = []

    init() { bytes.reserveCapacity(256) }

    mutating func writeBool(_ v: Bool) { bytes.append(contentsOf: v ? trueBytes : falseBytes) }
    mutating func writeNull() { bytes.append(contentsOf: nullBytes) }

    /// Decimal digits of `v`, without going through String.
    mutating func writeInt<I: FixedWidthInteger>(_ v: I) {
        if v == 0 { bytes.append(0x30); return }
        var magnitude = v.magnitude
        if v < 0 { bytes.append(0x2D) }
        let start = bytes.count
        while magnitude > 0 {
            bytes.append(0x30 + UInt8(truncatingIfNeeded: magnitude % 10))
            magnitude /= 10
        }
        bytes[start...].reverse()
    }

    mutating func writeDouble(_ v: Double) {
        if v.isNaN { writeString("NaN") }
        else if v == .infinity { writeString("Infinity") }
        else if v == -.infinity { writeString("-Infinity") }
        else { bytes.append(contentsOf: v.description.utf8) }  // shortest form that reads back exactly
    }

    mutating func writeString(_ s: String) {
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

    /// `,"key":` (without the comma for the first member).
    mutating func key(_ k: StaticString, first: Bool = false) {
        if !first { bytes.append(0x2C) }
        bytes.append(0x22)
        bytes.append(contentsOf: UnsafeBufferPointer(start: k.utf8Start, count: k.utf8CodeUnitCount))
        bytes.append(0x22)
        bytes.append(0x3A)
    }
}

/// The output shared by every container of one Codable encode call.
final class JSONOutput {
    var w = JSONWriter()

    /// Encodes one value, closing whatever container it opened (or writing `{}` if none).
    func encodeValue<T: Encodable>(_ value: T, path: [any CodingKey]) throws {
        switch value {
        case let v as String: w.writeString(v); return
        case let v as Double: w.writeDouble(v); return
        case let v as Int: w.writeInt(v); return
        case let v as Bool: w.writeBool(v); return
        case let v as any FastBody: v.writeJSON(&w); return
        default: break
        }
        let frame = EncoderFrame(out: self, codingPath: path)
        try value.encode(to: frame)
        switch frame.opened {
        case .none: w.bytes.append(0x7B); w.bytes.append(0x7D)
        case .keyed: w.bytes.append(0x7D)
        case .unkeyed: w.bytes.append(0x5D)
        case .single: break
        }
    }
}

private let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)
private let trueBytes = Array("true".utf8)
private let falseBytes = Array("false".utf8)
private let nullBytes = Array("null".utf8)

/// The `Encoder` handed to one value's `encode(to:)`; remembers which container it opened.
final class EncoderFrame: Encoder {
    enum Opened { case none, keyed, unkeyed, single }
    let out: JSONOutput
    let codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }
    var opened = Opened.none
    var count = 0

    init(out: JSONOutput, codingPath: [any CodingKey]) { self.out = out; self.codingPath = codingPath }

    private func open(_ kind: Opened) {
        precondition(opened == .none || opened == kind,
                     "a body's encode(to:) asked for two kinds of container at \(codingPath.map(\.stringValue))")
        if opened == .none {
            opened = kind
            if kind == .keyed { out.w.bytes.append(0x7B) }
            if kind == .unkeyed { out.w.bytes.append(0x5B) }
        }
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        open(.keyed)
        return KeyedEncodingContainer(KeyedWriter<Key>(frame: self))
    }
    func unkeyedContainer() -> any UnkeyedEncodingContainer { open(.unkeyed); return UnkeyedWriter(frame: self) }
    func singleValueContainer() -> any SingleValueEncodingContainer { open(.single); return SingleWriter(frame: self) }

    /// Writes the separator before the next member or element.
    func next() { if count > 0 { out.w.bytes.append(0x2C) }; count += 1 }
}

struct KeyedWriter<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let frame: EncoderFrame
    var codingPath: [any CodingKey] { frame.codingPath }

    private func key(_ k: Key) { frame.next(); frame.out.w.writeString(k.stringValue); frame.out.w.bytes.append(0x3A) }

    mutating func encodeNil(forKey k: Key) throws { key(k); frame.out.w.writeNull() }
    mutating func encode(_ v: Bool, forKey k: Key) throws { key(k); frame.out.w.writeBool(v) }
    mutating func encode(_ v: String, forKey k: Key) throws { key(k); frame.out.w.writeString(v) }
    mutating func encode(_ v: Double, forKey k: Key) throws { key(k); frame.out.w.writeDouble(v) }
    mutating func encode(_ v: Float, forKey k: Key) throws { key(k); frame.out.w.writeDouble(Double(v)) }
    mutating func encode(_ v: Int, forKey k: Key) throws { key(k); frame.out.w.writeInt(v) }
    mutating func encode(_ v: Int8, forKey k: Key) throws { key(k); frame.out.w.writeInt(v) }
    mutating func encode(_ v: Int16, forKey k: Key) throws { key(k); frame.out.w.writeInt(v) }
    mutating func encode(_ v: Int32, forKey k: Key) throws { key(k); frame.out.w.writeInt(v) }
    mutating func encode(_ v: Int64, forKey k: Key) throws { key(k); frame.out.w.writeInt(v) }
    mutating func encode(_ v: UInt, forKey k: Key) throws { key(k); frame.out.w.writeInt(v) }
    mutating func encode(_ v: UInt8, forKey k: Key) throws { key(k); frame.out.w.writeInt(v) }
    mutating func encode(_ v: UInt16, forKey k: Key) throws { key(k); frame.out.w.writeInt(v) }
    mutating func encode(_ v: UInt32, forKey k: Key) throws { key(k); frame.out.w.writeInt(v) }
    mutating func encode(_ v: UInt64, forKey k: Key) throws { key(k); frame.out.w.writeInt(v) }
    mutating func encode<T: Encodable>(_ v: T, forKey k: Key) throws {
        key(k)
        try frame.out.encodeValue(v, path: codingPath + [k])
    }
    mutating func nestedContainer<N: CodingKey>(keyedBy: N.Type, forKey key: Key) -> KeyedEncodingContainer<N> {
        preconditionFailure("message bodies do not use nested encoding containers (key \(key.stringValue))")
    }
    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        preconditionFailure("message bodies do not use nested encoding containers (key \(key.stringValue))")
    }
    mutating func superEncoder() -> any Encoder { preconditionFailure("message bodies do not use superEncoder") }
    mutating func superEncoder(forKey key: Key) -> any Encoder { preconditionFailure("message bodies do not use superEncoder") }
}

struct UnkeyedWriter: UnkeyedEncodingContainer {
    let frame: EncoderFrame
    var codingPath: [any CodingKey] { frame.codingPath }
    var count: Int { frame.count }

    mutating func encodeNil() throws { frame.next(); frame.out.w.writeNull() }
    mutating func encode<T: Encodable>(_ v: T) throws {
        let index = frame.count
        frame.next()
        try frame.out.encodeValue(v, path: codingPath + [IndexKey(index)])
    }
    mutating func nestedContainer<N: CodingKey>(keyedBy: N.Type) -> KeyedEncodingContainer<N> {
        preconditionFailure("message bodies do not use nested encoding containers")
    }
    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        preconditionFailure("message bodies do not use nested encoding containers")
    }
    mutating func superEncoder() -> any Encoder { preconditionFailure("message bodies do not use superEncoder") }
}

struct SingleWriter: SingleValueEncodingContainer {
    let frame: EncoderFrame
    var codingPath: [any CodingKey] { frame.codingPath }
    mutating func encodeNil() throws { frame.out.w.writeNull() }
    mutating func encode<T: Encodable>(_ v: T) throws { try frame.out.encodeValue(v, path: codingPath) }
}

/// An array position as a coding key (for paths in error messages).
struct IndexKey: CodingKey {
    var intValue: Int?
    var stringValue: String { "\(intValue ?? 0)" }
    init(_ i: Int) { intValue = i }
    init?(stringValue: String) { return nil }
    init?(intValue: Int) { self.intValue = intValue }
}
