// `rung dashboard` and `rung coordinator --http`: a Hummingbird HTTP server on the study's
// snapshots. `/` the dashboard, `/trial/ID` a trial's page, `/events` Server-Sent Events (a fresh
// set of panels whenever the study changes), `/metrics` Prometheus text, `/report` the
// self-contained report. Only this module links SwiftNIO; the pages come from StudyViews.
import Foundation
import Hummingbird
import Logging
import Search
import Store
import StudyViews

/// The dashboard's HTTP server.
public struct DashboardServer: Sendable {
    /// Where the study is read from (a study directory or a live coordinator).
    public let reader: any StudyReading
    /// Address to listen on (`127.0.0.1`).
    public let host: String
    /// Port (0 lets the system choose; `onListening` says which).
    public let port: Int
    /// Seconds between reads of the study.
    public let interval: Double
    /// The feed the pages are drawn from.
    public let feed: SnapshotFeed
    /// The Prometheus registry.
    public let metrics: StudyMetrics

    /// A server for `reader` at `host:port`.
    public init(reader: any StudyReading, host: String = "127.0.0.1", port: Int = 8080, interval: Double = 1) {
        self.reader = reader; self.host = host; self.port = port; self.interval = interval
        metrics = StudyMetrics()
        feed = SnapshotFeed(reader: reader, metrics: metrics)
    }

    /// Parses `HOST:PORT` (`127.0.0.1:8080`, `[::1]:8080`, or `:8080` for 127.0.0.1).
    public static func parseListen(_ text: String) -> (host: String, port: Int)? {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]),
              (0...65535).contains(port) else { return nil }
        var host = String(text[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        return (host.isEmpty ? "127.0.0.1" : host, port)
    }

    /// Serves until the task is cancelled. The study is read once before listening, so a study
    /// that cannot be read fails here with its error. `onListening` receives the address, such as
    /// `http://127.0.0.1:8080/`.
    public func run(onListening: @escaping @Sendable (String) -> Void = { _ in }) async throws {
        try await feed.refresh()
        var logger = Logger(label: "rung.dashboard")
        logger.logLevel = .critical  // cancellation at shutdown is logged as an error otherwise
        let host = host
        let app = Application(router: makeRouter(),
                              configuration: .init(address: .hostname(host, port: port), serverName: "rung-dashboard"),
                              onServerRunning: { channel in
                                  let p = channel.localAddress?.port ?? 0
                                  onListening("http://\(host.contains(":") ? "[\(host)]" : host):\(p)/")
                              },
                              logger: logger)
        let feed = feed, interval = interval
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await feed.poll(every: interval) }
            group.addTask { try await app.run() }
            // The server ending (cancellation) ends the poller too.
            _ = try await group.next()
            group.cancelAll()
        }
    }

    /// The routes.
    func makeRouter() -> Router<BasicRequestContext> {
        let router = Router()
        let feed = feed, reader = reader, metrics = metrics
        router.get("/") { _, _ -> Response in
            guard let p = await feed.latest else { return Self.text("the study has not been read yet", status: .serviceUnavailable) }
            return Self.html(StudyPage.dashboard(p.snapshot, importance: p.importance, now: Date().timeIntervalSince1970, version: p.version))
        }
        router.get("/trial/:id") { _, context -> Response in
            guard let id = context.parameters.get("id", as: Int.self) else {
                return Self.text("a trial is a number: /trial/3", status: .badRequest)
            }
            guard let p = await feed.latest else { return Self.text("the study has not been read yet", status: .serviceUnavailable) }
            guard let detail = try await TrialDetail.read(TrialID(id), from: reader) else {
                return Self.text("study '\(p.snapshot.info.name)' has no trial \(id)", status: .notFound)
            }
            return Self.html(StudyPage.trialPage(detail, p.snapshot))
        }
        router.get("/report") { _, _ -> Response in
            guard let p = await feed.latest else { return Self.text("the study has not been read yet", status: .serviceUnavailable) }
            let details = try await StudyPage.reportDetails(p.snapshot, reader: reader)
            return Self.html(StudyPage.report(p.snapshot, importance: p.importance, details: details, now: Date().timeIntervalSince1970))
        }
        router.get("/metrics") { _, _ -> Response in
            // A scrape sees the study as it is now, not as of the last poll (up to `interval` old).
            _ = try? await feed.refresh()
            return Self.text(metrics.text(), contentType: "text/plain; version=0.0.4; charset=utf-8")
        }
        router.get("/events") { request, _ -> Response in
            // `?limit=N` ends the stream after N snapshots, `?seconds=S` after S seconds, with an
            // `end` event (for scripts and headless renders, whose network must fall idle).
            let limit = request.uri.queryParameters.get("limit", as: Int.self)
            let seconds = request.uri.queryParameters.get("seconds", as: Double.self)
            let headers: HTTPFields = [.contentType: "text/event-stream", .cacheControl: "no-cache"]
            return Response(status: .ok, headers: headers, body: ResponseBody { writer in
                try await writer.write(ByteBuffer(string: "retry: 2000\n\n"))
                var sent = 0, count = 0
                let start = ContinuousClock.now
                var quiet = start
                while !Task.isCancelled {
                    if let seconds, ContinuousClock.now - start >= .milliseconds(Int(seconds * 1000)) { break }
                    if let p = await feed.latest, p.version != sent {
                        try await writer.write(ByteBuffer(string: p.event))
                        sent = p.version
                        count += 1
                        quiet = .now
                        if let limit, count >= limit { break }
                    } else if ContinuousClock.now - quiet > .seconds(15) {
                        try await writer.write(ByteBuffer(string: ": still here\n\n"))
                        quiet = .now
                    }
                    try await Task.sleep(for: .milliseconds(200))
                }
                if limit != nil || seconds != nil { try await writer.write(ByteBuffer(string: "event: end\ndata: {}\n\n")) }
                try await writer.finish(nil)
            })
        }
        return router
    }

    static func html(_ s: String) -> Response {
        Response(status: .ok, headers: [.contentType: "text/html; charset=utf-8"], body: ResponseBody(byteBuffer: ByteBuffer(string: s)))
    }

    static func text(_ s: String, status: HTTPResponse.Status = .ok, contentType: String = "text/plain; charset=utf-8") -> Response {
        Response(status: status, headers: [.contentType: contentType], body: ResponseBody(byteBuffer: ByteBuffer(string: s)))
    }
}
