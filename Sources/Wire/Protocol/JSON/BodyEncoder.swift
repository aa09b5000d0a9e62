// A streaming Codable encoder for message bodies: values straight into RungBasics' JSONWriter, no
// intermediate tree, no key sorting (keys in declaration order). Foundation's JSONEncoder costs
// ~15 µs per REPORT on this machine; this one a fraction of that. Leaves out nested/super encoders
// (no body type uses them) and Date/Data/URL special cases (no body field has those types).

import RungBasics

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
