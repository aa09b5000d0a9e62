// Hand-written JSON for the bodies on the coordinator's hot path (REPORT, LOG, HEARTBEAT, READY):
// direct writes and direct field reads, no Codable containers. Same JSON and same errors (Swift
// `DecodingError`s with coding paths) as the Codable path, which nested uses still take.
// Leaves out every other body (Codable through BodyEncoder/BodyDecoder is fast enough there).

import RungBasics
import Search

/// A body with its own JSON writer and reader.
protocol FastBody {
    /// Writes the body as a JSON object.
    func writeJSON(_ out: inout JSONWriter)
    /// Reads the body from a parsed JSON value at `path` (for error messages).
    init(json: JSONTree, path: [any CodingKey]) throws
}

/// A field name as a coding key (for error paths).
struct FieldKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(_ s: String) { stringValue = s }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { return nil }
}

/// The members of one JSON object, read by name.
struct Fields {
    let members: [JSONMember]
    let path: [any CodingKey]

    init(_ tree: JSONTree, _ path: [any CodingKey]) throws {
        guard case .object(let m) = tree else {
            throw DecodingError.typeMismatch([String: Any].self, .init(codingPath: path,
                debugDescription: "expected an object, found \(tree.kind)"))
        }
        members = m
        self.path = path
    }

    func sub(_ key: String) -> [any CodingKey] { path + [FieldKey(key)] }

    func value(_ key: String) throws -> JSONTree {
        for m in members where m.key == key { return m.value }
        throw DecodingError.keyNotFound(FieldKey(key), .init(codingPath: path, debugDescription: "no field `\(key)`"))
    }
    func optional(_ key: String) -> JSONTree? {
        for m in members where m.key == key {
            if case .null = m.value { return nil }
            return m.value
        }
        return nil
    }
    func int(_ key: String) throws -> Int { try Scalar.integer(value(key), sub(key)) }
    func double(_ key: String) throws -> Double { try Scalar.double(value(key), sub(key)) }
    func string(_ key: String) throws -> String { try Scalar.string(value(key), sub(key)) }
    func bool(_ key: String) throws -> Bool { try Scalar.bool(value(key), sub(key)) }
    func optionalDouble(_ key: String) throws -> Double? {
        guard let v = optional(key) else { return nil }
        return try Scalar.double(v, sub(key))
    }
    func array(_ key: String) throws -> [JSONTree] {
        let v = try value(key)
        guard case .array(let items) = v else { throw Scalar.mismatch([Any].self, v, sub(key), "an array") }
        return items
    }
}

extension Report: FastBody {
    func writeJSON(_ out: inout JSONWriter) { out.write(self) }

    init(json: JSONTree, path: [any CodingKey]) throws {
        typealias K = EpochReport.Field
        let f = try Fields(json, path)
        let m = try Fields(try f.value(K.metrics.stringValue), f.sub(K.metrics.stringValue))
        var pairs: [(key: String, value: Double)] = []
        pairs.reserveCapacity(m.members.count)
        for member in m.members { pairs.append((key: member.key, value: try Scalar.double(member.value, m.sub(member.key)))) }
        let metrics = MetricValues(uniquing: pairs)
        self.init(trial: TrialID(try f.int(K.trial.stringValue)), attempt: try f.int(K.attempt.stringValue),
                  seq: try f.int(K.seq.stringValue), resource: try f.double(K.resource.stringValue), metrics: metrics,
                  atRung: try f.bool(K.atRung.stringValue), time: try f.optionalDouble(K.time.stringValue))
    }
}

extension LogLines: FastBody {
    func writeJSON(_ out: inout JSONWriter) {
        out.bytes.append(0x7B)
        out.key("trial", first: true); out.writeInt(trial.rawValue)
        out.key("attempt"); out.writeInt(attempt)
        out.key("seq"); out.writeInt(seq)
        out.key("stream"); out.writeString(stream.rawValue)
        out.key("lines"); out.bytes.append(0x5B)
        for (i, line) in lines.enumerated() {
            if i > 0 { out.bytes.append(0x2C) }
            out.writeString(line)
        }
        out.bytes.append(0x5D)
        if let time { out.key("time"); out.writeDouble(time) }
        out.bytes.append(0x7D)
    }

    init(json: JSONTree, path: [any CodingKey]) throws {
        let f = try Fields(json, path)
        let streamName = try f.string("stream")
        guard let stream = LogStream(rawValue: streamName) else {
            throw DecodingError.dataCorrupted(.init(codingPath: f.sub("stream"),
                debugDescription: "\"\(streamName)\" is no stream; known: stdout, stderr, rung"))
        }
        var lines: [String] = []
        for (i, item) in try f.array("lines").enumerated() {
            lines.append(try Scalar.string(item, f.sub("lines") + [IndexKey(i)]))
        }
        self.init(trial: TrialID(try f.int("trial")), attempt: try f.int("attempt"), seq: try f.int("seq"),
                  stream: stream, lines: lines, time: try f.optionalDouble("time"))
    }
}

extension TrialAttempt: FastBody {
    func writeJSON(_ out: inout JSONWriter) {
        out.bytes.append(0x7B)
        out.key("trial", first: true); out.writeInt(trial.rawValue)
        out.key("attempt"); out.writeInt(attempt)
        out.bytes.append(0x7D)
    }

    init(json: JSONTree, path: [any CodingKey]) throws {
        let f = try Fields(json, path)
        self.init(trial: TrialID(try f.int("trial")), attempt: try f.int("attempt"))
    }
}

extension Heartbeat: FastBody {
    func writeJSON(_ out: inout JSONWriter) {
        out.bytes.append(0x7B)
        out.key("running", first: true); out.bytes.append(0x5B)
        for (i, r) in running.enumerated() {
            if i > 0 { out.bytes.append(0x2C) }
            r.writeJSON(&out)
        }
        out.bytes.append(0x5D)
        out.key("freeSlots"); out.writeInt(freeSlots)
        out.bytes.append(0x7D)
    }

    init(json: JSONTree, path: [any CodingKey]) throws {
        let f = try Fields(json, path)
        var running: [TrialAttempt] = []
        for (i, item) in try f.array("running").enumerated() {
            running.append(try TrialAttempt(json: item, path: f.sub("running") + [IndexKey(i)]))
        }
        self.init(running: running, freeSlots: try f.int("freeSlots"))
    }
}

extension Ready: FastBody {
    func writeJSON(_ out: inout JSONWriter) {
        out.bytes.append(0x7B)
        out.key("freeSlots", first: true); out.writeInt(freeSlots)
        out.bytes.append(0x7D)
    }

    init(json: JSONTree, path: [any CodingKey]) throws {
        self.init(freeSlots: try Fields(json, path).int("freeSlots"))
    }
}
