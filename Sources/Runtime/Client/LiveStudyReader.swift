// The live `StudyReading`: a CLI client's DEALER asks a running coordinator QUERY requests and reads
// the store's own read models back, so `rung status --connect` prints what `--dir` prints. Shows a
// one-line notice when a reply takes over a second and fails naming the endpoint after a timeout.
// Leaves out following logs as they arrive (LiveLogFollower.swift) and the printing (RungCLI).
import Foundation
import Search
import Store
import Wire

/// Reads a study from a running coordinator (`--connect tcp://HOST:5555`).
public final class LiveStudyReader: StudyReading, @unchecked Sendable {
    // @unchecked: the socket and the mutable fields are touched only while `lock` is held.
    /// The coordinator's ROUTER endpoint.
    public let endpoint: String
    /// Seconds to wait for a reply before giving up.
    public let timeout: Double
    /// CURVE: the coordinator's pinned key and this client's key pair (nil: plain TCP).
    public let curve: CurveClientSetup?
    private let context: ZMQContext
    private let socket: ZMQSocket
    private let lock = NSLock()
    private let notice: @Sendable (String) -> Void
    private var noticed = false
    private var publishBound: String?
    /// Replies may be larger than a worker's messages (export rows, long log pages).
    private static let limits = Envelope.Limits(maxBodyBytes: 1 << 30, maxBinaryBytes: 4 << 20)

    /// Connects (lazily, as ZeroMQ does) to the coordinator at `endpoint`. `notice` receives a line
    /// for a person when a reply is slow (standard error in the CLI). A non-loopback endpoint
    /// needs `curve` (the coordinator's key pinned) unless `insecure`.
    public init(endpoint: String, timeout: Double = 10, curve: CurveClientSetup? = nil, insecure: Bool = false,
                notice: @escaping @Sendable (String) -> Void = { FileHandle.standardError.write(Data("\($0)\n".utf8)) }) throws {
        self.endpoint = endpoint
        self.timeout = timeout
        self.curve = curve
        self.notice = notice
        if curve == nil, !insecure, !Endpoint.isLoopback(endpoint) {
            throw RuntimeError(.invalidArgument, Endpoint.needsCurve([endpoint], missing: "no coordinator public key was given (--server-key FILE, --key FILE)"))
        }
        do {
            context = try ZMQContext()
            socket = try ZMQSocket(context, .dealer, options: [.linger(milliseconds: 0), .reconnectInterval(milliseconds: 200),
                                                            .heartbeatInterval(milliseconds: 1000), .heartbeatTimeout(milliseconds: 5000),
                                                            .sendTimeout(milliseconds: Int(min(timeout, 600) * 1000))]
                                   + (curve?.socketOptions ?? []))
            try socket.connect(endpoint)
        } catch {
            throw RuntimeError(.invalidArgument, "cannot connect to \(endpoint): \(error); give an endpoint such as tcp://HOST:5555")
        }
    }

    deinit { socket.close() }

    /// Sends one QUERY and waits for its reply.
    public func ask(_ request: QueryRequest) throws -> QueryReply {
        try exchange(.query(request), what: "the \(request.query.rawValue) query") { message in
            guard case .queryReply(let reply) = message else { return nil }
            if let p = reply.publish { publishBound = p }
            return reply
        }
    }

    /// Asks the coordinator to lift the quarantine of worker `name` (WORKER_RELEASE).
    public func releaseWorker(_ name: String) throws -> WorkerReleaseReply {
        try exchange(.workerRelease(WorkerReleaseRequest(worker: name)), what: "WORKER_RELEASE") { message in
            guard case .workerReleaseReply(let reply) = message else { return nil }
            return reply
        }
    }

    /// Sends `request` and waits for the reply `match` accepts (other messages are late replies to
    /// abandoned requests, skipped); an ERROR reply is thrown.
    private func exchange<R>(_ request: Message, what: String, _ match: (Message) -> R?) throws -> R {
        try lock.withLock {
            do {
                try socket.send(request)
            } catch {
                throw RuntimeError(.io, "cannot send to the coordinator at \(endpoint): \(error)")
            }
            let start = Date()
            while true {
                let frames: [Data]?
                do { frames = try socket.receive(timeout: .milliseconds(200)) } catch {
                    throw RuntimeError(.io, "cannot receive from the coordinator at \(endpoint): \(error)")
                }
                if let frames {
                    let message: Message
                    do { message = try Envelope.decode(frames, limits: Self.limits) } catch {
                        throw RuntimeError(.protocolViolation, "the coordinator at \(endpoint) sent a message that does not decode: \(error)")
                    }
                    if let reply = match(message) { return reply }
                    if case .error(let e) = message {
                        throw RuntimeError(.protocolViolation, "the coordinator at \(endpoint) refused \(what): \(e.code.rawValue): \(e.message)")
                    }
                    continue  // not ours (a late reply to an earlier, abandoned request)
                }
                let waited = Date().timeIntervalSince(start)
                if waited >= timeout {
                    throw RuntimeError(.unreachable, "no reply from the coordinator at \(endpoint) within \(StudyTime.seconds(timeout)) s; is `rung coordinator` running there, with --bind on that port\(self.curve == nil ? "" : ", with the key pair whose public key --server-key names, and this client's public key in its allow-list")? (--timeout changes the wait)")
                }
                if waited >= 1, !noticed {
                    noticed = true
                    notice("waiting for the coordinator at \(endpoint) …")
                }
            }
        }
    }

    /// The endpoint the coordinator's PUB socket is bound to, as it said in its last reply.
    public var publishBinding: String? { lock.withLock { publishBound } }

    private func read<R: Decodable>(_ request: QueryRequest, as type: R.Type = R.self) throws -> R {
        let reply = try ask(request)
        do { return try reply.result(R.self) } catch {
            throw RuntimeError(.protocolViolation, "the coordinator at \(endpoint) answered the \(request.query.rawValue) query with a result that does not decode: \(error)")
        }
    }

    /// The study row (QUERY `info`).
    public func studyInfo() async throws -> StudyInfo { try read(QueryRequest(query: .info)) }
    /// Trials by state and rung, workers, best so far (QUERY `summary`).
    public func summary() async throws -> StudySummary { try read(QueryRequest(query: .summary)) }
    /// All trials by id (QUERY `trials`).
    public func trials() async throws -> [StoredTrial] { try read(QueryRequest(query: .trials)) }
    /// One trial, or nil (QUERY `trial`).
    public func trial(_ id: TrialID) async throws -> StoredTrial? { try read(QueryRequest(query: .trial, trial: id)) }
    /// The best `limit` trials (QUERY `leaderboard`).
    public func leaderboard(limit: Int) async throws -> [LeaderboardEntry] {
        try read(QueryRequest(query: .leaderboard, limit: limit))
    }
    /// A page of the journal (QUERY `journal`; the coordinator returns at most 5000 entries a page).
    public func logs(_ query: LogQuery) async throws -> LogPage {
        try read(QueryRequest(query: .journal, trial: query.trial, after: Int(query.after), limit: query.limit,
                              tail: query.tail, decisions: query.includeDecisions))
    }
    /// The per-class report of a trial (QUERY `report`); nil when it has none, or when the
    /// coordinator predates reports (it refuses the query as malformed).
    public func classReport(_ trial: TrialID) async throws -> StoredClassReport? {
        do {
            return try read(QueryRequest(query: .report, trial: trial))
        } catch let error as RuntimeError where error.message.contains("MALFORMED_BODY") {
            return nil
        }
    }
    /// Per-epoch rows for `rung export` (QUERY `export`).
    public func exportRows(allAttempts: Bool) async throws -> [ExportRow] {
        try read(QueryRequest(query: .export, allAttempts: allAttempts))
    }
}

/// Seconds as short text for messages (`10`, `1.5`).
enum StudyTime {
    static func seconds(_ s: Double) -> String { s == s.rounded() ? String(Int(s)) : String(format: "%.1f", s) }
}

/// Endpoint arithmetic for clients.
public enum ClientEndpoint {
    /// Where to connect a SUB for a coordinator whose ROUTER is at `router` and whose PUB is bound
    /// to `bound` (`tcp://*:5556`): the ROUTER's host with the bound port; without `bound`, the
    /// ROUTER's port + 1. Nil if `router` is not `tcp://HOST:PORT`.
    public static func publish(router: String, bound: String?) -> String? {
        guard let (host, port) = split(router) else { return nil }
        if let bound, let (_, p) = split(bound) { return "tcp://\(host):\(p)" }
        return "tcp://\(host):\(port + 1)"
    }

    private static func split(_ endpoint: String) -> (String, Int)? {
        guard endpoint.hasPrefix("tcp://"), let colon = endpoint.lastIndex(of: ":"),
              let port = Int(endpoint[endpoint.index(after: colon)...]) else { return nil }
        let host = String(endpoint[endpoint.index(endpoint.startIndex, offsetBy: 6)..<colon])
        return host.isEmpty ? nil : (host, port)
    }
}
