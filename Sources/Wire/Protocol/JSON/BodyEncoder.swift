// A streaming JSON encoder for message bodies: Codable values straight into bytes, no intermediate
// tree, no key sorting (keys in declaration order). Foundation's JSONEncoder costs ~15 µs per
// REPORT on this machine; this one a fraction of that. Leaves out nested/super encoders (no body
// type uses them) and Date/Data/URL special cases (no body field has those types).

/// Encodes an `Encodable` body as compact JSON (UTF-8). Non-finite numbers become the strings
/// "NaN", "Infinity", "-Infinity".
struct BodyEncoder {
    static func encode<T: Encodable>(_ value: T) throws -> [UInt8] {
        let out = JSONOutput()
        out.bytes.reserveCapacity(256)
        try out.encodeValue(value, path: [])
        return out.bytes
    }
}

/// The output buffer shared by every container of one encode call.
final class JSONOutput {
    var bytes: [UInt8] = []

    /// Encodes one value, closing whatever container it opened (or writing `{}` if none).
    func encodeValue<T: Encodable>(_ value: T, path: [any CodingKey]) throws {
        switch value {
        case let v as String: writeString(v); return
        case let v as Double: writeDouble(v); return
        case let v as Int: writeInt(v); return
        case let v as Bool: bytes.append(contentsOf: v ? trueBytes : falseBytes); return
        default: break
        }
        let frame = EncoderFrame(out: self, codingPath: path)
        try value.encode(to: frame)
        switch frame.opened {
        case .none: bytes.append(contentsOf: [0x7B, 0x7D])
        case .keyed: bytes.append(0x7D)
        case .unkeyed: bytes.append(0x5D)
        case .single: break
        }
    }

    func writeInt<I: BinaryInteger>(_ v: I) { bytes.append(contentsOf: String(v).utf8) }

    func writeDouble(_ v: Double) {
        if v.isNaN { writeString("NaN") }
        else if v == .infinity { writeString("Infinity") }
        else if v == -.infinity { writeString("-Infinity") }
        else { bytes.append(contentsOf: v.description.utf8) }  // shortest form that reads back exactly
    }

    func writeString(_ s: String) {
        bytes.append(0x22)
        for b in s.utf8 {
            switch b {
            case 0x22: bytes.append(contentsOf: [0x5C, 0x22])
            case 0x5C: bytes.append(contentsOf: [0x5C, 0x5C])
            case 0x0A: bytes.append(contentsOf: [0x5C, 0x6E])
            case 0x0D: bytes.append(contentsOf: [0x5C, 0x72])
            case 0x09: bytes.append(contentsOf: [0x5C, 0x74])
            case 0..<0x20:
                let hex: [UInt8] = Array("0123456789abcdef".utf8)
                bytes.append(contentsOf: [0x5C, 0x75, 0x30, 0x30, hex[Int(b >> 4)], hex[Int(b & 15)]])
            default: bytes.append(b)
            }
        }
        bytes.append(0x22)
    }
}

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
            if kind == .keyed { out.bytes.append(0x7B) }
            if kind == .unkeyed { out.bytes.append(0x5B) }
        }
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        open(.keyed)
        return KeyedEncodingContainer(KeyedWriter<Key>(frame: self))
    }
    func unkeyedContainer() -> any UnkeyedEncodingContainer { open(.unkeyed); return UnkeyedWriter(frame: self) }
    func singleValueContainer() -> any SingleValueEncodingContainer { open(.single); return SingleWriter(frame: self) }

    /// Writes the separator before the next member or element.
    func next() { if count > 0 { out.bytes.append(0x2C) }; count += 1 }
}

struct KeyedWriter<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let frame: EncoderFrame
    var codingPath: [any CodingKey] { frame.codingPath }

    private func key(_ k: Key) { frame.next(); frame.out.writeString(k.stringValue); frame.out.bytes.append(0x3A) }

    mutating func encodeNil(forKey k: Key) throws { key(k); frame.out.bytes.append(contentsOf: nullBytes) }
    mutating func encode(_ v: Bool, forKey k: Key) throws { key(k); frame.out.bytes.append(contentsOf: v ? trueBytes : falseBytes) }
    mutating func encode(_ v: String, forKey k: Key) throws { key(k); frame.out.writeString(v) }
    mutating func encode(_ v: Double, forKey k: Key) throws { key(k); frame.out.writeDouble(v) }
    mutating func encode(_ v: Float, forKey k: Key) throws { key(k); frame.out.writeDouble(Double(v)) }
    mutating func encode(_ v: Int, forKey k: Key) throws { key(k); frame.out.writeInt(v) }
    mutating func encode(_ v: Int8, forKey k: Key) throws { key(k); frame.out.writeInt(v) }
    mutating func encode(_ v: Int16, forKey k: Key) throws { key(k); frame.out.writeInt(v) }
    mutating func encode(_ v: Int32, forKey k: Key) throws { key(k); frame.out.writeInt(v) }
    mutating func encode(_ v: Int64, forKey k: Key) throws { key(k); frame.out.writeInt(v) }
    mutating func encode(_ v: UInt, forKey k: Key) throws { key(k); frame.out.writeInt(v) }
    mutating func encode(_ v: UInt8, forKey k: Key) throws { key(k); frame.out.writeInt(v) }
    mutating func encode(_ v: UInt16, forKey k: Key) throws { key(k); frame.out.writeInt(v) }
    mutating func encode(_ v: UInt32, forKey k: Key) throws { key(k); frame.out.writeInt(v) }
    mutating func encode(_ v: UInt64, forKey k: Key) throws { key(k); frame.out.writeInt(v) }
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

    mutating func encodeNil() throws { frame.next(); frame.out.bytes.append(contentsOf: nullBytes) }
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
    mutating func encodeNil() throws { frame.out.bytes.append(contentsOf: nullBytes) }
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
