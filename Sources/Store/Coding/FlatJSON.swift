// Flat JSON objects of scalars ({"lr": 0.001, "opt": "adam"}): the store's encoding of
// configurations and metric maps. Doubles always carry a '.' or an exponent so that
// `.double(1.0)` reads back as a double, not an int; non-finite numbers are the strings
// "nan", "inf", "-inf". Leaves out nesting and arrays: these objects never hold them.
import Search

/// Encoding and decoding of flat JSON objects with exact, type-preserving round trips.
enum FlatJSON {
    /// `{"a":1.0,"b":"x"}` with keys sorted, so equal maps give equal text.
    static func encode(_ config: Configuration) -> String {
        var out = "{"
        for (i, key) in config.keys.sorted().enumerated() {
            if i > 0 { out += "," }
            appendString(key, to: &out)
            out += ":"
            switch config[key]! {
            case .double(let v): out += number(v)
            case .int(let v): out += String(v)
            case .bool(let v): out += v ? "true" : "false"
            case .string(let v): appendString(v, to: &out)
            }
        }
        return out + "}"
    }

    /// `{"loss":0.5,"acc":0.9}` with keys sorted. On the report hot path: one sort of the pairs,
    /// no second lookup, one buffer.
    static func encode(_ metrics: [String: Double]) -> String {
        var out = "{"
        out.reserveCapacity(2 + 28 * metrics.count)
        var first = true
        for (key, value) in metrics.sorted(by: { $0.key < $1.key }) {
            if !first { out += "," }
            first = false
            appendString(key, to: &out)
            out += ":"
            out += number(value)
        }
        out += "}"
        return out
    }

    /// A double as JSON text: shortest round-trip digits, always with '.' or 'e'; non-finite
    /// values as the strings "nan", "inf", "-inf".
    static func number(_ v: Double) -> String {
        if v.isNaN { return "\"nan\"" }
        if v.isInfinite { return v < 0 ? "\"-inf\"" : "\"inf\"" }
        return v.description  // Swift prints "1.0", "1e-05": shortest text that reads back exactly.
    }

    static func appendString(_ s: String, to out: inout String) {
        out += "\""
        if !s.utf8.contains(where: { $0 < 0x20 || $0 == 0x22 || $0 == 0x5C }) {
            out += s
            out += "\""
            return
        }
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where u.value < 0x20:
                let hex = String(u.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(u)
            }
        }
        out += "\""
    }

    /// One scalar as written in the text.
    enum Scalar: Equatable {
        case number(String)
        case string(String)
        case bool(Bool)
        case null
    }

    static func decodeConfiguration(_ text: String) throws -> Configuration {
        var config = Configuration()
        for (key, scalar) in try parse(text) {
            switch scalar {
            case .number(let t):
                if t.contains(where: { $0 == "." || $0 == "e" || $0 == "E" }) {
                    config[key] = .double(try double(t, in: text))
                } else if let i = Int(t) {
                    config[key] = .int(i)
                } else {
                    config[key] = .double(try double(t, in: text))
                }
            case .string(let s): config[key] = .string(s)
            case .bool(let b): config[key] = .bool(b)
            case .null: throw StoreError(.corruptRecord, "null value for '\(key)' in configuration \(text)")
            }
        }
        return config
    }

    static func decodeMetrics(_ text: String) throws -> [String: Double] {
        var metrics: [String: Double] = [:]
        for (key, scalar) in try parse(text) {
            switch scalar {
            case .number(let t): metrics[key] = try double(t, in: text)
            case .string("nan"): metrics[key] = .nan
            case .string("inf"): metrics[key] = .infinity
            case .string("-inf"): metrics[key] = -.infinity
            default: throw StoreError(.corruptRecord, "metric '\(key)' is not a number in \(text)")
            }
        }
        return metrics
    }

    private static func double(_ t: String, in text: String) throws -> Double {
        guard let v = Double(t) else { throw StoreError(.corruptRecord, "bad number '\(t)' in \(text)") }
        return v
    }

    /// Parses `{ "key": scalar, ... }`; throws `.corruptRecord` on anything else.
    static func parse(_ text: String) throws -> [(String, Scalar)] {
        let bytes = Array(text.utf8)
        var i = 0
        func fail(_ what: String) -> StoreError {
            StoreError(.corruptRecord, "malformed JSON object (\(what) at byte \(i)): \(text)")
        }
        func skipSpace() { while i < bytes.count, bytes[i] == 0x20 || bytes[i] == 0x0A || bytes[i] == 0x0D || bytes[i] == 0x09 { i += 1 } }
        func expect(_ b: UInt8) throws {
            skipSpace()
            guard i < bytes.count, bytes[i] == b else { throw fail("expected '\(Character(Unicode.Scalar(b)))'") }
            i += 1
        }
        func hex4() throws -> UInt32 {
            guard i + 4 <= bytes.count, let v = UInt32(String(decoding: bytes[i..<i + 4], as: UTF8.self), radix: 16)
            else { throw fail("bad \\u escape") }
            i += 4
            return v
        }
        func string() throws -> String {
            try expect(0x22)
            var raw: [UInt8] = []
            while true {
                guard i < bytes.count else { throw fail("unterminated string") }
                let b = bytes[i]; i += 1
                if b == 0x22 { break }
                if b != 0x5C { raw.append(b); continue }
                guard i < bytes.count else { throw fail("unterminated escape") }
                let e = bytes[i]; i += 1
                switch e {
                case 0x22, 0x5C, 0x2F: raw.append(e)
                case 0x62: raw.append(0x08)
                case 0x66: raw.append(0x0C)
                case 0x6E: raw.append(0x0A)
                case 0x72: raw.append(0x0D)
                case 0x74: raw.append(0x09)
                case 0x75:
                    var v = try hex4()
                    if v >= 0xD800, v < 0xDC00, i + 6 <= bytes.count, bytes[i] == 0x5C, bytes[i + 1] == 0x75 {
                        i += 2
                        let lo = try hex4()
                        v = 0x10000 + ((v - 0xD800) << 10) + (lo - 0xDC00)
                    }
                    guard let scalar = Unicode.Scalar(v) else { throw fail("bad code point") }
                    raw.append(contentsOf: Array(String(Character(scalar)).utf8))
                default: throw fail("bad escape")
                }
            }
            return String(decoding: raw, as: UTF8.self)
        }
        var result: [(String, Scalar)] = []
        try expect(0x7B)
        skipSpace()
        if i < bytes.count, bytes[i] == 0x7D { i += 1; return result }
        while true {
            let key = try string()
            try expect(0x3A)
            skipSpace()
            guard i < bytes.count else { throw fail("missing value") }
            switch bytes[i] {
            case 0x22: result.append((key, .string(try string())))
            case 0x74 where bytes[i...].starts(with: Array("true".utf8)): i += 4; result.append((key, .bool(true)))
            case 0x66 where bytes[i...].starts(with: Array("false".utf8)): i += 5; result.append((key, .bool(false)))
            case 0x6E where bytes[i...].starts(with: Array("null".utf8)): i += 4; result.append((key, .null))
            default:
                let start = i
                while i < bytes.count, "+-.0123456789eE".utf8.contains(bytes[i]) { i += 1 }
                guard i > start else { throw fail("expected a value") }
                result.append((key, .number(String(decoding: bytes[start..<i], as: UTF8.self))))
            }
            skipSpace()
            guard i < bytes.count else { throw fail("unterminated object") }
            if bytes[i] == 0x2C { i += 1; continue }
            if bytes[i] == 0x7D { i += 1; break }
            throw fail("expected ',' or '}'")
        }
        skipSpace()
        guard i == bytes.count else { throw fail("trailing text") }
        return result
    }
}
