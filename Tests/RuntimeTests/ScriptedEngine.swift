// A tiny deterministic engine for the coordinator tests: `count` trials, one rung at resource 1 and
// the maximum at 3; a trial whose value at rung 1 is ≥ 0.5 is promoted, otherwise stopped. Lost
// trials are resumed from their last rung. It records every event it sees.
import Runtime
import Search

struct ScriptedEngine: SearchDriving {
    var count: Int
    var events: [SearchEvent] = []
    var started = 0
    var running: Set<TrialID> = []
    var lastRung: [TrialID: Double] = [:]
    var promotable: [TrialID] = []
    var requeued: [TrialID] = []
    var finished: Set<TrialID> = []
    var configs: [TrialID: Configuration] = [:]

    init(count: Int) { self.count = count }

    mutating func handle(_ event: SearchEvent, now: Double) -> [Decision] {
        events.append(event)
        switch event {
        case .slotFree:
            if !requeued.isEmpty {
                let t = requeued.removeFirst()
                let from = lastRung[t] ?? 0
                let to: Double = from >= 1 ? 3 : 1
                running.insert(t)
                return [.resume(Assignment(trial: t, config: configs[t]!, fromResource: from, toResource: to,
                                           reportAt: [to]))]
            }
            if !promotable.isEmpty {
                let t = promotable.removeFirst()
                running.insert(t)
                return [.resume(Assignment(trial: t, config: configs[t]!, fromResource: 1, toResource: 3, reportAt: [3]))]
            }
            if started < count {
                let t = TrialID(started)
                started += 1
                running.insert(t)
                configs[t] = ["lr": .double(Double(t.rawValue) / 10)]
                return [.start(Assignment(trial: t, config: configs[t]!, fromResource: 0, toResource: 1, reportAt: [1]))]
            }
            return running.isEmpty && promotable.isEmpty ? [.complete] : [.wait]
        case .reported(let t, let r, let v, _):
            running.remove(t)
            lastRung[t] = r
            if r >= 3 { finished.insert(t); return [] }
            if v >= 0.5 { promotable.append(t); return [] }
            finished.insert(t)
            return [.stop(t)]
        case .failed(let t, _):
            running.remove(t); finished.insert(t)
            return []
        case .lost(let t), .requeued(let t):
            running.remove(t); requeued.append(t)
            return []
        case .tick, .enqueued, .stopRequested, .seeded:
            return []
        }
    }
}
