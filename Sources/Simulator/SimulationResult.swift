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

    /// The header of `csvRows`.
    public static let csvHeader = "seed,time,best,regret,trial"

    /// The anytime curve as CSV rows (no header), numbers printed exactly (shortest round-trip).
    public var csvRows: [String] {
        anytime.map { p in
            "\(seed),\(p.time),\(p.best),\(p.regret.map { String($0) } ?? ""),\(p.trial)"
        }
    }
}
