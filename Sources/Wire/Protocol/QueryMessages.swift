// QUERY and QUERY_REPLY: a client reads the coordinator's study store over the ROUTER, in the same
// shapes an offline reader gets from the study directory (status, trial table, leaderboard, log
// pages, export rows), so one renderer serves both. Leaves out the shapes themselves (the Store
// module's read models; Wire carries the result as an opaque JSON value) and the answering (Runtime).

import Foundation
import RungBasics
import Search

/// What a QUERY asks for.
public enum QueryKind: String, Hashable, Codable, Sendable, CaseIterable {
    /// The study row: name, objective, direction, state.
    case info
    /// Trials by state and rung, workers, best so far, record counts.
    case summary
    /// Every trial, by id.
    case trials
    /// One trial (`trial`), or null.
    case trial
    /// The best `limit` trials.
    case leaderboard
    /// A page of the journal (log lines and decisions) after `after`.
    case journal
    /// One row per trial per epoch.
    case export
    /// The per-class report of one trial (`trial`), or null (protocol 1, revision 2).
    case report
}

/// QUERY: one read of the study store.
public struct QueryRequest: Hashable, Codable, Sendable {
    /// What to read.
    public var query: QueryKind
    /// The trial (`trial`, `report`; `journal`: one trial's entries, nil for all).
    public var trial: TrialID?
    /// `journal`: entries after this cursor (0 first, then the reply's `cursor`).
    public var after: Int?
    /// `leaderboard`: how many trials; `journal`: at most this many entries.
    public var limit: Int?
    /// `journal`: only the last `tail` entries after `after`.
    public var tail: Int?
    /// `journal`: include the scheduler's decisions (default true).
    public var decisions: Bool?
    /// `export`: keep every attempt's row of an epoch run more than once (default false).
    public var allAttempts: Bool?
    /// Makes the value from its fields (the JSON fields of the same names).
    public init(query: QueryKind, trial: TrialID? = nil, after: Int? = nil, limit: Int? = nil, tail: Int? = nil,
                decisions: Bool? = nil, allAttempts: Bool? = nil) {
        self.query = query; self.trial = trial; self.after = after; self.limit = limit; self.tail = tail
        self.decisions = decisions; self.allAttempts = allAttempts
    }
}

/// QUERY_REPLY: `{"query": K, "publish": E, "result": …}`. `result` is kept as the JSON bytes of
/// the whole body and decoded on demand into the reader's own type (`result(_:)`).
public struct QueryReply: Hashable, Sendable {
    /// What was asked.
    public let query: QueryKind
    /// The endpoint the coordinator's PUB socket is bound to (e.g. `tcp://*:5556`).
    public let publish: String?
    /// The body as JSON bytes.
    let body: [UInt8]

    private struct Whole<R: Encodable>: Encodable {
        var query: QueryKind
        var publish: String?
        var result: R
    }

    private struct Head: Decodable {
        var query: QueryKind
        var publish: String?
    }

    private struct Tail<R: Decodable>: Decodable {
        var result: R
    }

    /// A reply carrying `result` (any Codable value; nil becomes JSON null).
    public init<R: Encodable>(query: QueryKind, publish: String?, result: R) throws {
        self.query = query
        self.publish = publish
        body = try BodyEncoder.encode(Whole(query: query, publish: publish, result: result))
    }

    /// Reads a reply body (checks `query` and `result` are there; the result is decoded later).
    init(body data: Data) throws {
        let tree = try BodyDecoder.tree(data)
        let head = try Scalar.decode(Head.self, tree, [])
        _ = try Fields(tree, []).value("result")
        query = head.query
        publish = head.publish
        body = [UInt8](data)
    }

    /// The result as `R` (a `DecodingError` naming the field if it does not fit).
    public func result<R: Decodable>(_ type: R.Type) throws -> R {
        try BodyDecoder.decode(Tail<R>.self, from: Data(body)).result
    }
}

extension QueryReply: Encodable, FastBody {
    /// Writes the stored body.
    func writeJSON(_ out: inout JSONWriter) { out.bytes.append(contentsOf: body) }

    init(json: JSONTree, path: [any CodingKey]) throws {
        throw DecodingError.dataCorrupted(.init(codingPath: path, debugDescription: "QUERY_REPLY is read from its bytes"))
    }

    /// Not used: `BodyEncoder` takes the `FastBody` path.
    public func encode(to encoder: any Encoder) throws {
        throw EncodingError.invalidValue(self, .init(codingPath: encoder.codingPath, debugDescription: "QUERY_REPLY is written from its bytes"))
    }
}
