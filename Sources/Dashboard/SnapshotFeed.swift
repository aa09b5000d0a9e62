// The dashboard's view of the study, kept fresh: every interval it reads the study's summary, and
// when something changed (counts, reports, lines, workers' health) the whole snapshot, the
// importances and the panels, under a new version number that `/events` streams to browsers.
// Leaves out HTTP (DashboardServer) and metrics text (StudyMetrics).
import Foundation
import Search
import Store
import StudyViews

/// One published state of the study: what `/` renders and `/events` sends.
public struct PublishedSnapshot: Sendable {
    /// Increases by one with every change.
    public var version: Int
    /// The study as read.
    public var snapshot: StudySnapshot
    /// Importances for that snapshot.
    public var importance: ImportanceResult?
    /// When it was read (seconds since 1970).
    public var time: Double
    /// The Server-Sent Event carrying its panels (`event: snapshot`, one JSON line).
    public var event: String
}

/// Reads the study periodically and publishes a new snapshot when it changed.
public actor SnapshotFeed {
    /// Where the study is read from.
    public let reader: any StudyReading
    private var decisions = DecisionLog()
    private var fingerprint: Fingerprint?
    private var importanceKey: [Double] = []
    private var importance: ImportanceResult?
    /// The latest snapshot (nil before the first successful read).
    public private(set) var latest: PublishedSnapshot?
    /// The last read's error, for people (nil when the last read worked).
    public private(set) var problem: String?
    private let metrics: StudyMetrics?

    /// A feed reading from `reader`, updating `metrics` on every read.
    public init(reader: any StudyReading, metrics: StudyMetrics? = nil) {
        self.reader = reader
        self.metrics = metrics
    }

    /// What decides whether the study changed: the summary without heartbeat times, plus each
    /// worker's health (which changes with time alone).
    struct Fingerprint: Equatable {
        var summary: StudySummary
        var health: [WorkerHealth]
    }

    /// Reads the summary; reads and publishes a new snapshot if the study changed. Returns whether
    /// it published.
    @discardableResult
    public func refresh(now: Double = Date().timeIntervalSince1970) async throws -> Bool {
        let summary: StudySummary
        do {
            summary = try await reader.summary()
            problem = nil
        } catch {
            problem = "\(error)"
            throw error
        }
        metrics?.update(summary: summary, now: now)
        var bare = summary
        for i in bare.workers.indices { bare.workers[i].lastHeartbeat = 0 }
        let print = Fingerprint(summary: bare, health: summary.workers.map { WorkerHealth.of($0, now: now) })
        if print == fingerprint, latest != nil { return false }
        var log = decisions
        let snapshot = try await StudySnapshot.read(from: reader, decisions: &log, now: now)
        decisions = log
        fingerprint = print
        metrics?.update(snapshot: snapshot)
        // Importances change only when results do.
        let key = snapshot.trials.flatMap { t -> [Double] in [Double(t.id.rawValue), Double(t.rung ?? -1), t.value ?? -1] }
        if key != importanceKey || latest == nil {
            importanceKey = key
            importance = ForestImportance.of(snapshot)
        }
        let version = (latest?.version ?? 0) + 1
        let panels = StudyPage.panels(snapshot, importance: importance, now: now)
        latest = PublishedSnapshot(version: version, snapshot: snapshot, importance: importance, time: now,
                                   event: Self.event(version: version, time: now, panels: panels))
        return true
    }

    /// Refreshes every `interval` seconds until cancelled; a failed read is kept in `problem` and
    /// tried again next time.
    public func poll(every interval: Double) async {
        while !Task.isCancelled {
            _ = try? await refresh()
            try? await Task.sleep(for: .milliseconds(Int(interval * 1000)))
        }
    }

    /// `event: snapshot` with `{version, time, panels}` as one line of JSON.
    static func event(version: Int, time: Double, panels: [StudyPage.Panel]) -> String {
        struct Payload: Encodable { var version: Int; var time: String; var panels: [StudyPage.Panel] }
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "HH:mm:ss 'UTC'"
        let data = (try? JSONEncoder().encode(Payload(version: version, time: f.string(from: Date(timeIntervalSince1970: time)),
                                                       panels: panels))) ?? Data("{}".utf8)
        return "event: snapshot\nid: \(version)\ndata: \(String(decoding: data, as: UTF8.self))\n\n"
    }
}
