// A tiny stand-in for the search engine used by the simulator's own tests: every trial runs to
// the full budget (the `none` scheduler), lost trials are rerun from their last reported milestone.
// It lets the event loop be checked on hand-computable scenarios independent of the real engine.
import Search
@testable import Simulator

struct ScriptedEngine: SearchDriving {
    var trials: Int
    var maxResource: Double
    var milestones: [Double]
    var started = 0
    var running = Set<TrialID>()
    var finished = Set<TrialID>()
    var requeued: [TrialID] = []
    var checkpoint: [TrialID: Double] = [:]
    var lostEvents = 0
    var log: [String] = []

    init(trials: Int, maxResource: Double, milestones: [Double]? = nil) {
        self.trials = trials
        self.maxResource = maxResource
        self.milestones = milestones ?? [maxResource]
    }

    static func config(_ i: Int) -> Configuration { ["x": .double(Double(i) / 10)] }

    mutating func handle(_ event: SearchEvent, now: Double) -> [Decision] {
        switch event {
        case .slotFree:
            if let t = requeued.first {
                requeued.removeFirst()
                running.insert(t)
                let from = checkpoint[t] ?? 0
                log.append("\(now) resume \(t) from \(from)")
                return [.resume(Assignment(trial: t, config: Self.config(t.rawValue), fromResource: from,
                                           toResource: maxResource, reportAt: milestones.filter { $0 > from }))]
            }
            if started < trials {
                let t = TrialID(started)
                started += 1
                running.insert(t)
                log.append("\(now) start \(t)")
                return [.start(Assignment(trial: t, config: Self.config(t.rawValue), fromResource: 0,
                                          toResource: maxResource, reportAt: milestones))]
            }
            return running.isEmpty ? [.complete] : [.wait]
        case .reported(let t, let resource, let value, _):
            log.append("\(now) report \(t) at \(resource) = \(value)")
            checkpoint[t] = resource
            if resource >= maxResource { running.remove(t); finished.insert(t) }
            return []
        case .lost(let t), .requeued(let t):
            log.append("\(now) lost \(t)")
            lostEvents += 1
            running.remove(t)
            requeued.append(t)
            return []
        case .failed(let t, _):
            running.remove(t)
            return []
        case .tick, .enqueued, .stopRequested, .seeded:
            return []
        }
    }
}

/// A benchmark with a fixed cost per unit of resource and value = x + 1/resource.
struct FixedCostBenchmark: Benchmark {
    let name = "fixed"
    let direction = ObjectiveDirection.minimize
    let optimum: Double? = 0
    var secondsPerUnit: Double

    func value(trial: TrialID, config: Configuration, resource: Double) -> Double {
        (config["x"]?.numeric ?? 0) + 1 / resource
    }
    func trueFinalValue(trial: TrialID, config: Configuration) -> Double { config["x"]?.numeric ?? 0 }
    func cost(trial: TrialID, config: Configuration, fromResource: Double, toResource: Double) -> Double {
        secondsPerUnit * (toResource - fromResource)
    }
}
