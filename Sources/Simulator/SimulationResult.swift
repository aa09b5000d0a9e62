// What one simulated study produced: the anytime curve (best objective at the maximum resource
// against virtual time, with regret), resource used, worker utilisation and decision counts, and
// the CSV form of the anytime curve. Leaves out aggregation over repeats (see AnytimeSummary).
import Search

/// One improvement of the incumbent: at virtual time `time`, trial `trial` reported `best` at the
/// maximum resource, better than anything before it.
public struct AnytimePoint: Sendable, Hashable, Codable {
    /// Virtual seconds since the study started.
    public var time: Double
    /// The best value reported at the maximum resource so far.
    public var best: Double
    /// The benchmark's noise-free final value of that trial minus its optimum (direction-adjusted),
    /// when the optimum is known.
    public var regret: Double?
    /// The incumbent trial.
    public var trial: TrialID
    /// Resource units run (reported) over the whole study up to this improvement.
    public var resource: Double = 0
    /// The recorded run the incumbent replays (replay benchmarks only).
    public var recorded: String? = nil
    /// The incumbent's configuration.
    public var config: Configuration = [:]
}

/// What one simulated trial did, for the per-trial dump (`rung simulate --trials-out`).
public struct TrialTrace: Sendable, Hashable, Codable {
    /// The trial.
    public var trial: TrialID
    /// Its configuration.
    public var config: Configuration
    /// The recorded run it replays (replay benchmarks only).
    public var recorded: String?
    /// Resource units it ran (reported), over all its assignments.
    public var resource: Double = 0
    /// The highest resource it reported at.
    public var reached: Double = 0
    /// Its last reported objective value.
    public var lastValue: Double?
    /// Its reported value at the maximum resource, if it got there.
    public var finalValue: Double?
    /// Virtual seconds workers spent on it (work lost to faults included).
    public var seconds: Double = 0
    /// Virtual time of its first start and of the end of its last assignment.
    public var started: Double = 0
    /// Virtual time its last assignment ended (finished, stopped or lost).
    public var ended: Double = 0
    /// Whether the engine stopped it while running or paused.
    public var stopped = false
}

/// How many decisions of each kind the engine answered.
public struct DecisionCounts: Sendable, Hashable, Codable {
    /// `.start` decisions (new trials).
    public var starts = 0
    /// `.resume` decisions (promotions and restarts after a loss).
    public var resumes = 0
    /// `.stop` decisions.
    public var stops = 0
    /// `.wait` decisions.
    public var waits = 0
    /// `.complete` decisions.
    public var completes = 0

    /// All decisions.
    public var total: Int { starts + resumes + stops + waits + completes }

    /// Counts of nothing.
    public init() {}
}

/// The outcome of one simulated study.
public struct SimulationResult: Sendable, Hashable {
    /// The seed the simulation ran with.
    public var seed: UInt64
    /// Number of virtual workers.
    public var workers: Int
    /// Improvements of the incumbent in time order.
    public var anytime: [AnytimePoint]
    /// Virtual seconds from start until the engine declared the study complete.
    public var makespan: Double
    /// Virtual seconds workers spent running assignments (work later lost to a fault included).
    public var busySeconds: Double
    /// Resource units run up to a report (each report adds the resource since the previous one).
    public var resourceUsed: Double
    /// Resource units run but lost when a worker died before the next report (linear estimate).
    public var resourceLost: Double
    /// Decisions by kind.
    public var decisions: DecisionCounts
    /// Events handed to the engine (slot offers, reports, losses, ticks).
    public var events: Int
    /// Reports handed to the engine.
    public var reports: Int
    /// Worker deaths injected.
    public var deaths: Int
    /// `.lost` events sent (deaths that hit a running trial).
    public var lostTrials: Int
    /// Wall-clock seconds spent inside the engine's `handle`.
    public var engineSeconds: Double
    /// Every trial's trace in id order, when `SimulationSettings.traceTrials` is on.
    public var trials: [TrialTrace] = []

    /// busy time / (workers × makespan), in [0, 1].
    public var utilisation: Double {
        makespan > 0 && workers > 0 ? busySeconds / (Double(workers) * makespan) : 0
    }

    /// The last incumbent, if any trial reached the maximum resource.
    public var final: AnytimePoint? { anytime.last }

    /// The incumbent at virtual time `time` (the last improvement at or before it).
    public func incumbent(at time: Double) -> AnytimePoint? {
        var lo = 0, hi = anytime.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if anytime[mid].time <= time { lo = mid + 1 } else { hi = mid }
        }
        return lo == 0 ? nil : anytime[lo - 1]
    }

    /// The header of `csvRows(parameters:)`: seed, virtual time, resource run so far, best value,
    /// regret, incumbent trial, the recorded run it replays, then one `param.<name>` column each.
    public static func csvHeader(parameters: [String]) -> String {
        (["seed", "time", "resource", "best", "regret", "trial", "recorded"] + parameters.map { "param." + $0 })
            .joined(separator: ",")
    }

    /// The anytime curve as CSV rows (no header), numbers printed exactly (shortest round-trip),
    /// with the incumbent's value of each of `parameters` (empty where absent).
    public func csvRows(parameters: [String]) -> [String] {
        anytime.map { p in
            ([String(seed), String(p.time), String(p.resource), String(p.best), p.regret.map { String($0) } ?? "",
              p.trial.description, csvField(p.recorded ?? "")] + parameters.map { csvField(p.config[$0]?.description ?? "") })
                .joined(separator: ",")
        }
    }

    /// The parameter names of every incumbent, sorted.
    public var parameterNames: [String] { Set(anytime.flatMap { $0.config.keys }).sorted() }

    /// The header of `traceRows(parameters:)`.
    public static func traceHeader(parameters: [String]) -> String {
        (["seed", "trial", "recorded", "resource", "reached", "last_value", "final_value", "seconds", "started", "ended", "stopped"]
            + parameters.map { "param." + $0 }).joined(separator: ",")
    }

    /// The per-trial traces as CSV rows (no header).
    public func traceRows(parameters: [String]) -> [String] {
        trials.map { t in
            ([String(seed), t.trial.description, csvField(t.recorded ?? ""), String(t.resource), String(t.reached),
              t.lastValue.map { String($0) } ?? "", t.finalValue.map { String($0) } ?? "", String(t.seconds),
              String(t.started), String(t.ended), String(t.stopped)]
             + parameters.map { csvField(t.config[$0]?.description ?? "") }).joined(separator: ",")
        }
    }
}

/// A CSV field, quoted when it holds a comma, a quote or a line break.
func csvField(_ text: String) -> String {
    guard text.contains(where: { $0 == "," || $0 == "\"" || $0.isNewline }) else { return text }
    return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
}
