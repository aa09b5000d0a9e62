// A Codable `Decoder` over `JSONTree`, for message bodies. Strict where the protocol is: an Int
// field takes only a JSON integer (so a config's 2.0 stays a Double), a Double field takes any
// number or "NaN"/"Infinity"/"-Infinity". Errors are Swift's `DecodingError`s with coding paths.
// Leaves out Date/Data/URL special cases and super decoders (no body type uses them).

import Foundation
import RungBasics

/// Decodes a `Decodable` body from JSON bytes.
struct BodyDecoder {
    static func decode<T: Decodable>(_ type: T.Type, from data: Data) throws -> T {
        try Scalar.decode(T.self, tree(data), [])
    }

    /// Parses JSON bytes; syntax errors come as `DecodingError.dataCorrupted` at the root.
    static func tree(_ data: Data) throws -> JSONTree {
        do throws(JSONSyntaxError) {
            return try JSONParser.parse(data)
        } catch {
            throw DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: error.description))
        }
    }
}

struct TreeDecoder: Decoder {
    let tree: JSONTree
    let codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    init(_ tree: JSONTree, path: [any CodingKey]) { self.tree = tree; self.codingPath = path }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        guard case .object(let members) = tree else {
            throw DecodingError.typeMismatch([String: Any].self, .init(codingPath: codingPath,
                debugDescription: "expected an object, found \(tree.kind)"))
        }
        return KeyedDecodingContainer(KeyedReader<Key>(members: members, codingPath: codingPath))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        guard case .array(let items) = tree else {
            throw DecodingError.typeMismatch([Any].self, .init(codingPath: codingPath,
                debugDescription: "expected an array, found \(tree.kind)"))
        }
        return UnkeyedReader(items: items, codingPath: codingPath)
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer { SingleReader(tree: tree, codingPath: codingPath) }
}

/// Reading one scalar from a tree node, shared by the three containers.
enum Scalar {
    static func mismatch(_ t: Any.Type, _ tree: JSONTree, _ path: [any CodingKey], _ what: String) -> DecodingError {
        if case .null = tree {
            return .valueNotFound(t, .init(codingPath: path, debugDescription: "expected \(what), found null"))
        }
        return .typeMismatch(t, .init(codingPath: path, debugDescription: "expected \(what), found \(tree.kind)"))
    }

    static func bool(_ tree: JSONTree, _ path: @autoclosure () -> [any CodingKey]) throws -> Bool {
        if case .bool(let v) = tree { return v }
        throw mismatch(Bool.self, tree, path(), "true or false")
    }

    static func string(_ tree: JSONTree, _ path: @autoclosure () -> [any CodingKey]) throws -> String {
        if case .string(let v) = tree { return v }
        throw mismatch(String.self, tree, path(), "a string")
    }

    static func double(_ tree: JSONTree, _ path: @autoclosure () -> [any CodingKey]) throws -> Double {
        switch tree {
        case .number(let d, _):
            // A literal beyond a Double's range (1e999) is refused: non-finite values are spelt out.
            guard d.isFinite else {
                throw DecodingError.dataCorrupted(.init(codingPath: path(),
                    debugDescription: "a number literal beyond ±1.8e308; write a non-finite value as \"Infinity\", \"-Infinity\" or \"NaN\""))
            }
            return d
        case .string("NaN"): return .nan
        case .string("Infinity"): return .infinity
        case .string("-Infinity"): return -.infinity
        default: throw mismatch(Double.self, tree, path(), "a number")
        }
    }

    static func integer<I: FixedWidthInteger>(_ tree: JSONTree, _ path: @autoclosure () -> [any CodingKey]) throws -> I {
        if case .number(_, let exact) = tree {
            if let exact, let v = I(exactly: exact) { return v }
            throw DecodingError.dataCorrupted(.init(codingPath: path(),
                debugDescription: "expected an integer that fits \(I.self), found a number with a fraction, exponent or too many digits"))
        }
        throw mismatch(I.self, tree, path(), "an integer")
    }

    static func decode<T: Decodable>(_ type: T.Type, _ tree: JSONTree, _ path: @autoclosure () -> [any CodingKey]) throws -> T {
        // Fast paths for the scalars bodies are made of; everything else through its init(from:).
        if T.self == String.self { return try string(tree, path()) as! T }
        if T.self == Double.self { return try double(tree, path()) as! T }
        if T.self == Int.self { return try integer(tree, path()) as Int as! T }
        if T.self == Bool.self { return try bool(tree, path()) as! T }
        if let fast = T.self as? any FastBody.Type { return try fast.init(json: tree, path: path()) as! T }
        return try T(from: TreeDecoder(tree, path: path()))
    }
}

struct KeyedReader<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let members: [JSONMember]
    let codingPath: [any CodingKey]

    var allKeys: [Key] { members.compactMap { Key(stringValue: $0.key) } }

    func contains(_ key: Key) -> Bool { members.contains { $0.key == key.stringValue } }

    private func value(_ key: Key) throws -> JSONTree {
        let name = key.stringValue
        for m in members where m.key == name { return m.value }
        throw DecodingError.keyNotFound(key, .init(codingPath: codingPath, debugDescription: "no field `\(name)`"))
    }

    func decodeNil(forKey key: Key) throws -> Bool {
        if case .null = try value(key) { return true }
        return false
    }
    func decode(_ t: Bool.Type, forKey key: Key) throws -> Bool { try Scalar.bool(value(key), codingPath + [key]) }
    func decode(_ t: String.Type, forKey key: Key) throws -> String { try Scalar.string(value(key), codingPath + [key]) }
    func decode(_ t: Double.Type, forKey key: Key) throws -> Double { try Scalar.double(value(key), codingPath + [key]) }
    func decode(_ t: Float.Type, forKey key: Key) throws -> Float { Float(try Scalar.double(value(key), codingPath + [key])) }
    func decode(_ t: Int.Type, forKey key: Key) throws -> Int { try Scalar.integer(value(key), codingPath + [key]) }
    func decode(_ t: Int8.Type, forKey key: Key) throws -> Int8 { try Scalar.integer(value(key), codingPath + [key]) }
    func decode(_ t: Int16.Type, forKey key: Key) throws -> Int16 { try Scalar.integer(value(key), codingPath + [key]) }
    func decode(_ t: Int32.Type, forKey key: Key) throws -> Int32 { try Scalar.integer(value(key), codingPath + [key]) }
    func decode(_ t: Int64.Type, forKey key: Key) throws -> Int64 { try Scalar.integer(value(key), codingPath + [key]) }
    func decode(_ t: UInt.Type, forKey key: Key) throws -> UInt { try Scalar.integer(value(key), codingPath + [key]) }
    func decode(_ t: UInt8.Type, forKey key: Key) throws -> UInt8 { try Scalar.integer(value(key), codingPath + [key]) }
    func decode(_ t: UInt16.Type, forKey key: Key) throws -> UInt16 { try Scalar.integer(value(key), codingPath + [key]) }
    func decode(_ t: UInt32.Type, forKey key: Key) throws -> UInt32 { try Scalar.integer(value(key), codingPath + [key]) }
    func decode(_ t: UInt64.Type, forKey key: Key) throws -> UInt64 { try Scalar.integer(value(key), codingPath + [key]) }
    func decode<T: Decodable>(_ t: T.Type, forKey key: Key) throws -> T { try Scalar.decode(t, value(key), codingPath + [key]) }

    func decodeIfPresent<T: Decodable>(_ t: T.Type, forKey key: Key) throws -> T? {
        let name = key.stringValue
        guard let m = members.first(where: { $0.key == name }) else { return nil }
        if case .null = m.value { return nil }
        return try Scalar.decode(t, m.value, codingPath + [key])
    }

    func nestedContainer<N: CodingKey>(keyedBy type: N.Type, forKey key: Key) throws -> KeyedDecodingContainer<N> {
        try TreeDecoder(value(key), path: codingPath + [key]).container(keyedBy: type)
    }
    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        try TreeDecoder(value(key), path: codingPath + [key]).unkeyedContainer()
    }
    func superDecoder() throws -> any Decoder { TreeDecoder(.object(members), path: codingPath) }
    func superDecoder(forKey key: Key) throws -> any Decoder { TreeDecoder(try value(key), path: codingPath + [key]) }
}

struct UnkeyedReader: UnkeyedDecodingContainer {
    let items: [JSONTree]
    let codingPath: [any CodingKey]
    var currentIndex = 0
    var count: Int? { items.count }
    var isAtEnd: Bool { currentIndex >= items.count }

    init(items: [JSONTree], codingPath: [any CodingKey]) { self.items = items; self.codingPath = codingPath }

    private mutating func next<T>(_ t: T.Type) throws -> (JSONTree, [any CodingKey]) {
        let path = codingPath + [IndexKey(currentIndex)]
        guard !isAtEnd else {
            throw DecodingError.valueNotFound(t, .init(codingPath: path, debugDescription: "the array has only \(items.count) items"))
        }
        defer { currentIndex += 1 }
        return (items[currentIndex], path)
    }

    mutating func decodeNil() throws -> Bool {
        guard !isAtEnd else { return false }
        if case .null = items[currentIndex] { currentIndex += 1; return true }
        return false
    }
    mutating func decode<T: Decodable>(_ t: T.Type) throws -> T {
        let (v, path) = try next(t)
        return try Scalar.decode(t, v, path)
    }
    mutating func nestedContainer<N: CodingKey>(keyedBy type: N.Type) throws -> KeyedDecodingContainer<N> {
        let (v, path) = try next([String: Any].self)
        return try TreeDecoder(v, path: path).container(keyedBy: type)
    }
    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
        let (v, path) = try next([Any].self)
        return try TreeDecoder(v, path: path).unkeyedContainer()
    }
    mutating func superDecoder() throws -> any Decoder {
        let (v, path) = try next(Any.self)
        return TreeDecoder(v, path: path)
    }
}

struct SingleReader: SingleValueDecodingContainer {
    let tree: JSONTree
    let codingPath: [any CodingKey]
    func decodeNil() -> Bool { if case .null = tree { return true }; return false }
    func decode(_ t: Bool.Type) throws -> Bool { try Scalar.bool(tree, codingPath) }
    func decode(_ t: String.Type) throws -> String { try Scalar.string(tree, codingPath) }
    func decode(_ t: Double.Type) throws -> Double { try Scalar.double(tree, codingPath) }
    func decode(_ t: Float.Type) throws -> Float { Float(try Scalar.double(tree, codingPath)) }
    func decode(_ t: Int.Type) throws -> Int { try Scalar.integer(tree, codingPath) }
    func decode(_ t: Int8.Type) throws -> Int8 { try Scalar.integer(tree, codingPath) }
    func decode(_ t: Int16.Type) throws -> Int16 { try Scalar.integer(tree, codingPath) }
    func decode(_ t: Int32.Type) throws -> Int32 { try Scalar.integer(tree, codingPath) }
    func decode(_ t: Int64.Type) throws -> Int64 { try Scalar.integer(tree, codingPath) }
    func decode(_ t: UInt.Type) throws -> UInt { try Scalar.integer(tree, codingPath) }
    func decode(_ t: UInt8.Type) throws -> UInt8 { try Scalar.integer(tree, codingPath) }
    func decode(_ t: UInt16.Type) throws -> UInt16 { try Scalar.integer(tree, codingPath) }
    func decode(_ t: UInt32.Type) throws -> UInt32 { try Scalar.integer(tree, codingPath) }
    func decode(_ t: UInt64.Type) throws -> UInt64 { try Scalar.integer(tree, codingPath) }
    func decode<T: Decodable>(_ t: T.Type) throws -> T { try Scalar.decode(t, tree, codingPath) }
}
