// Anytime curves of several repeats summarised: median (and quartiles of) regret and best value
// against virtual time, final figures, the first time the median reaches a target, and the CSV of
// all curves. A repeat with no result at the maximum resource yet counts as infinite regret.
// Leaves out plotting.

/// Summary statistics over repeats of one simulated study.
public struct AnytimeSummary: Sendable {
    /// The repeats.
    public let results: [SimulationResult]
    /// Which way values are better (for the median best value).
    public let direction: ObjectiveDirection

    /// Summarises `results`.
    public init(_ results: [SimulationResult], direction: ObjectiveDirection) {
        self.results = results
        self.direction = direction
    }

    /// The q-quantile (0…1, nearest-rank on the sorted values, averaging the two middles for the
    /// median of an even count) of `values`; +∞ entries sort last.
    public static func quantile(_ values: [Double], _ q: Double) -> Double {
        precondition(!values.isEmpty, "quantile of no values")
        let sorted = values.sorted()
        let position = q * Double(sorted.count - 1)
        let lo = Int(position.rounded(.down)), hi = Int(position.rounded(.up))
        if lo == hi || sorted[lo] == sorted[hi] { return sorted[lo] }
        if sorted[hi].isInfinite { return sorted[hi] }
        return sorted[lo] + (position - Double(lo)) * (sorted[hi] - sorted[lo])
    }

    /// Each repeat's regret at virtual time `time` (+∞ before its first result at the maximum
    /// resource, or when the benchmark's optimum is unknown).
    public func regrets(at time: Double) -> [Double] {
        results.map { $0.incumbent(at: time)?.regret ?? .infinity }
    }

    /// The median regret over repeats at `time`.
    public func medianRegret(at time: Double) -> Double { Self.quantile(regrets(at: time), 0.5) }

    /// The q-quantile of regret over repeats at `time`.
    public func regretQuantile(_ q: Double, at time: Double) -> Double { Self.quantile(regrets(at: time), q) }

    /// The median best value at `time`, or nil while fewer than half the repeats have one.
    public func medianBest(at time: Double) -> Double? {
        let worst = direction == .minimize ? Double.infinity : -.infinity
        let values = results.map { $0.incumbent(at: time)?.best ?? worst }
        let m = Self.quantile(values, 0.5)
        return m.isInfinite ? nil : m
    }

    /// The median of each repeat's final regret.
    public var finalMedianRegret: Double { medianRegret(at: .infinity) }

    /// The median makespan.
    public var medianMakespan: Double { Self.quantile(results.map(\.makespan), 0.5) }

    /// The longest makespan.
    public var maxMakespan: Double { results.map(\.makespan).max() ?? 0 }

    /// The median worker utilisation.
    public var medianUtilisation: Double { Self.quantile(results.map(\.utilisation), 0.5) }

    /// The median resource used.
    public var medianResource: Double { Self.quantile(results.map(\.resourceUsed), 0.5) }

    /// The earliest virtual time at which the median regret is at most `target`, or nil if never.
    public func firstTime(medianRegretAtMost target: Double) -> Double? {
        // The median only changes at improvement times, so those are the only candidates.
        let times = Set(results.flatMap { $0.anytime.map(\.time) }).sorted()
        return times.first { medianRegret(at: $0) <= target }
    }

    /// `count` evenly spaced times from maxMakespan/count to maxMakespan.
    public func grid(_ count: Int) -> [Double] {
        let end = maxMakespan
        return (1...max(count, 1)).map { end * Double($0) / Double(max(count, 1)) }
    }

    /// All repeats' anytime curves as CSV text with a header line.
    public var csv: String {
        let names = Set(results.flatMap(\.parameterNames)).sorted()
        return ([SimulationResult.csvHeader(parameters: names)] + results.flatMap { $0.csvRows(parameters: names) })
            .joined(separator: "\n") + "\n"
    }
}
