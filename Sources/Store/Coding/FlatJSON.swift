// Flat JSON objects of scalars ({"lr": 0.001, "opt": "adam"}): the store's encoding of
// configurations and metric maps, written with RungBasics' JSONWriter and read with its parser.
// Doubles always carry a '.' or an exponent so that `.double(1.0)` reads back as a double, not an
// int; non-finite numbers are the strings "nan", "inf", "-inf". Leaves out nesting and arrays:
// these objects never hold them, and a row that does is refused as corrupt.
import RungBasics
import Search

/// Encoding and decoding of flat JSON objects with exact, type-preserving round trips.
enum FlatJSON {
    /// `{"a":1.0,"b":"x"}` with keys sorted, so equal maps give equal text.
    static func encode(_ config: Configuration) -> String {
        var w = JSONWriter(nonFinite: .short)
        w.raw("{")
        for (i, key) in config.keys.sorted().enumerated() {
            w.key(key, first: i == 0)
            w.write(config[key]!)
        }
        w.raw("}")
        return w.text
    }

    /// `{"acc":0.9,"loss":0.5}` with keys sorted, so equal metrics give equal text.
    static func encode(_ metrics: MetricValues) -> String {
        var w = JSONWriter(nonFinite: .short)
        w.raw("{")
        for (i, p) in metrics.pairs.sorted(by: { $0.key < $1.key }).enumerated() {
            w.key(p.key, first: i == 0)
            w.writeDouble(p.value)
        }
        w.raw("}")
        return w.text
    }

    static func decodeConfiguration(_ text: String) throws -> Configuration {
        var config = Configuration()
        for member in try members(text) {
            switch member.value {
            case .number(_, let exact?): config[member.key] = .int(exact)
            case .number(let d, nil): config[member.key] = .double(d)
            case .string(let s): config[member.key] = .string(s)
            case .bool(let b): config[member.key] = .bool(b)
            case .null: throw StoreError(.corruptRecord, "null value for '\(member.key)' in configuration \(text)")
            case .array, .object:
                throw StoreError(.corruptRecord, "'\(member.key)' holds \(member.value.kind), not a scalar, in configuration \(text)")
            }
        }
        return config
    }

    /// The metrics `encode` wrote, in the row's order (a name written twice keeps its last value).
    static func decodeMetrics(_ text: String) throws -> MetricValues {
        let members = try members(text)
        var pairs: [(key: String, value: Double)] = []
        pairs.reserveCapacity(members.count)
        for member in members {
            let value: Double
            switch member.value {
            case .number(let d, _): value = d
            case .string(NonFiniteSpelling.short.nan): value = .nan
            case .string(NonFiniteSpelling.short.infinity): value = .infinity
            case .string(NonFiniteSpelling.short.negativeInfinity): value = -.infinity
            default: throw StoreError(.corruptRecord, "metric '\(member.key)' is not a number in \(text)")
            }
            pairs.append((key: member.key, value: value))
        }
        return MetricValues(uniquing: pairs)
    }

    /// The members of the object `text`, in order; throws `.corruptRecord` on anything else.
    private static func members(_ text: String) throws -> [JSONMember] {
        let tree: JSONTree
        do throws(JSONSyntaxError) {
            tree = try JSONParser.parse(text)
        } catch {
            throw StoreError(.corruptRecord, "malformed JSON object (\(error)): \(text)")
        }
        guard case .object(let members) = tree else {
            throw StoreError(.corruptRecord, "expected a JSON object, found \(tree.kind): \(text)")
        }
        return members
    }
}

extension JSONWriter {
    /// One configuration value: a double as `writeDouble` writes it (so it reads back as a double),
    /// an int, a bool or a string.
    mutating func write(_ value: ParameterValue) {
        switch value {
        case .double(let v): writeDouble(v)
        case .int(let v): writeInt(v)
        case .bool(let v): writeBool(v)
        case .string(let v): writeString(v)
        }
    }
}
