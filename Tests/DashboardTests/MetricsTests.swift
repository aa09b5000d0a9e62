// `/metrics` text from a hand-made study: trials by state, queue depth, workers by health, the
// report counter and rate, and assignment latency from the journal's decisions.
import Foundation
import Search
@testable import Store
import Testing
@testable import StudyViews
@testable import Dashboard

@Suite struct MetricsTests {
    func line(_ text: String, _ prefix: String) -> Double? {
        text.split(separator: "\n").first { $0.hasPrefix(prefix + " ") }.flatMap { Double($0.split(separator: " ").last!) }
    }

    @Test func summaryAndDecisionsBecomePrometheusText() {
        var s = handMadeSnapshot(now: 1000)
        s.summary.counts.append(StateCount(state: .queued, rung: nil, count: 2))
        s.summary.counts.append(StateCount(state: .promoted, rung: 1, count: 1))
        let metrics = StudyMetrics()
        metrics.update(summary: s.summary, now: 1000)
        var later = s.summary
        later.reportCount += 20
        metrics.update(summary: later, now: 1004)

        // Trial 6 was created at 916, started at 920; promoted at 950 and resumed at 952.5.
        let t = TrialID(6)
        func decision(_ kind: DecisionKind, _ time: Double) -> JournalEntry {
            JournalEntry(cursor: Int64(time), time: time, trial: t, attempt: 1, worker: "w0", stream: nil, seq: nil, decision: kind, text: "")
        }
        s.decisions = [decision(.started, 920), decision(.paused, 930), decision(.promoted, 950), decision(.resumed, 952.5)]
        metrics.update(snapshot: s)
        metrics.update(snapshot: s)  // the same decisions again count once

        let text = metrics.text()
        #expect(line(text, "rung_trials{state=\"completed\"}") == 3)
        #expect(line(text, "rung_trials{state=\"stopped\"}") == 6)
        #expect(line(text, "rung_queue_depth") == 3)
        #expect(line(text, "rung_workers{health=\"healthy\"}") == 1)
        #expect(line(text, "rung_workers{health=\"lost\"}") == 1)
        #expect(line(text, "rung_worker_up{worker=\"w0\"}") == 1)
        #expect(line(text, "rung_worker_up{worker=\"w1\"}") == 0)
        #expect(line(text, "rung_worker_heartbeat_age_seconds{worker=\"w1\"}") == 54)
        #expect(line(text, "rung_reports_total") == Double(s.summary.reportCount + 20))
        #expect(line(text, "rung_reports_per_second") == 5)
        #expect(line(text, "rung_assignment_latency_seconds_count") == 2)
        #expect(line(text, "rung_assignment_latency_seconds_sum") == 6.5)
        #expect(line(text, "rung_assignment_latency_seconds_bucket{le=\"5.0\"}") == 2)
        #expect(line(text, "rung_assignment_latency_seconds_bucket{le=\"2.5\"}") == 1)
        #expect(text.contains("# TYPE rung_assignment_latency_seconds histogram"))
    }

    @Test func listenAddressesParse() {
        #expect(DashboardServer.parseListen("127.0.0.1:8080")! == ("127.0.0.1", 8080))
        #expect(DashboardServer.parseListen(":0")! == ("127.0.0.1", 0))
        #expect(DashboardServer.parseListen("[::1]:9000")! == ("::1", 9000))
        #expect(DashboardServer.parseListen("localhost") == nil)
        #expect(DashboardServer.parseListen("h:70000") == nil)
    }
}
