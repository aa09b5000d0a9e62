// Prometheus metrics of a study (`/metrics`), kept with swift-prometheus: trials by state, epoch
// reports (a counter and a rate), queue depth, workers by health with each worker's heartbeat age,
// and assignment latency (from a trial being ready — created, promoted or requeued — to the
// decision that started or resumed it on a worker). Fed by SnapshotFeed on each read.
import Foundation
import Prometheus
import Search
import Store
import StudyViews
import Synchronization

/// The metrics registry of one study, updated from what the dashboard reads.
public final class StudyMetrics: Sendable {
    /// The registry `/metrics` prints.
    public let registry = PrometheusCollectorRegistry()
    private let trials: [TrialStatus: Gauge]
    private let reports: Counter
    private let reportRate: Gauge
    private let queueDepth: Gauge
    private let byHealth: [WorkerHealth: Gauge]
    private let latency: ValueHistogram
    private let best: Gauge
    private let state = Mutex(State())

    struct State {
        var reportsSeen: Int?
        /// (time, reports) samples of the last ~10 s, for the rate.
        var samples: [(Double, Int)] = []
        var workerGauges: [String: (up: Gauge, age: Gauge)] = [:]
        var decisionsSeen = 0
        var ready: [TrialID: Double] = [:]
        var started: Set<TrialID> = []
    }

    /// Buckets of the assignment latency histogram, in seconds.
    public static let latencyBuckets: [Double] = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300]

    /// A registry with every metric declared.
    public init() {
        var t: [TrialStatus: Gauge] = [:]
        for s in TrialStatus.allCases {
            t[s] = registry.makeGauge(name: "rung_trials", labels: [("state", s.rawValue)], help: "Trials by state.")
        }
        trials = t
        reports = registry.makeCounter(name: "rung_reports_total", help: "Epoch reports the coordinator accepted.")
        reportRate = registry.makeGauge(name: "rung_reports_per_second", help: "Epoch reports per second over the last 10 s.")
        queueDepth = registry.makeGauge(name: "rung_queue_depth", help: "Trials waiting for a worker (queued or promoted, not yet leased).")
        var h: [WorkerHealth: Gauge] = [:]
        for k in [WorkerHealth.healthy, .late, .lost, .left] {
            h[k] = registry.makeGauge(name: "rung_workers", labels: [("health", k.rawValue)],
                                      help: "Workers by health (healthy: heartbeat within 10 s).")
        }
        byHealth = h
        latency = registry.makeValueHistogram(name: "rung_assignment_latency_seconds", buckets: Self.latencyBuckets,
                                              help: "Seconds from a trial being ready (created, promoted, requeued) to its start or resume on a worker.")
        best = registry.makeGauge(name: "rung_best_value", help: "The objective value of the best trial so far.")
    }

    /// Counts, reports, queue and workers from a summary read at `now`.
    public func update(summary: StudySummary, now: Double) {
        for (s, g) in trials { g.set(Double(summary.counts.filter { $0.state == s }.reduce(0) { $0 + $1.count })) }
        let waiting = summary.counts.filter { $0.state == .queued || $0.state == .promoted }.reduce(0) { $0 + $1.count }
        queueDepth.set(Double(waiting))
        if let b = summary.best?.value, b.isFinite { best.set(b) }
        var health: [WorkerHealth: Int] = [:]
        for w in summary.workers { health[WorkerHealth.of(w, now: now), default: 0] += 1 }
        for (k, g) in byHealth { g.set(Double(health[k] ?? 0)) }
        state.withLock { st in
            if let seen = st.reportsSeen, summary.reportCount > seen { reports.increment(by: Int64(summary.reportCount - seen)) }
            if st.reportsSeen == nil { reports.increment(by: Int64(summary.reportCount)) }
            st.reportsSeen = summary.reportCount
            st.samples.append((now, summary.reportCount))
            st.samples.removeAll { now - $0.0 > 10 }
            if let first = st.samples.first, now > first.0 {
                reportRate.set(Double(summary.reportCount - first.1) / (now - first.0))
            }
            for w in summary.workers {
                let gauges = st.workerGauges[w.name] ?? (
                    registry.makeGauge(name: "rung_worker_up", labels: [("worker", w.name)], help: "1 while the worker is active and heard from within 10 s."),
                    registry.makeGauge(name: "rung_worker_heartbeat_age_seconds", labels: [("worker", w.name)], help: "Seconds since the worker's last heartbeat."))
                st.workerGauges[w.name] = gauges
                gauges.up.set(WorkerHealth.of(w, now: now) == .healthy ? 1.0 : 0.0)
                gauges.age.set(max(0, now - w.lastHeartbeat))
            }
        }
    }

    /// Assignment latencies from the decisions the snapshot adds.
    public func update(snapshot: StudySnapshot) {
        let created = Dictionary(snapshot.trials.map { ($0.id, $0.created) }, uniquingKeysWith: { a, _ in a })
        state.withLock { st in
            guard snapshot.decisions.count > st.decisionsSeen else { return }
            for d in snapshot.decisions[st.decisionsSeen...] {
                guard let t = d.trial, let kind = d.decision else { continue }
                switch kind {
                case .promoted, .requeued, .lost:
                    st.ready[t] = d.time
                case .started, .resumed:
                    if let from = st.ready.removeValue(forKey: t) ?? (st.started.contains(t) ? nil : created[t]) {
                        latency.record(max(0, d.time - from))
                    }
                    st.started.insert(t)
                default:
                    break
                }
            }
            st.decisionsSeen = snapshot.decisions.count
        }
    }

    /// The text exposition format (version 0.0.4).
    public func text() -> String { registry.emitToString() }
}
