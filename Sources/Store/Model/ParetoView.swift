// `rung best --pareto`: the Pareto front of the study's objective against a second metric (the
// study's `objective.secondary`, or one chosen on the fly such as `latency_ms`) over finished,
// feasible trials. Built from the leaderboard any `StudyReading` gives, so it reads the same
// offline and live. Leaves out the sweep itself (Search's `ParetoFront`) and the printing (RungCLI).
import Search

/// The Pareto front of a study's finished trials: objective × one more metric.
public struct ParetoView: Codable, Sendable, Equatable {
    /// The objective (metric, direction, constraints).
    public var objective: Objective
    /// The metric traded against the objective, and whether less or more of it is better.
    public var against: SecondaryObjective
    /// Finished (completed), feasible trials reporting a number for both: the points considered.
    public var candidates: Int
    /// The non-dominated trials, sorted along the front (best objective first; among equal
    /// objective values, best second metric first).
    public var front: [LeaderboardEntry]

    /// The front of `entries` (any order) against `against`.
    public init(entries: [LeaderboardEntry], objective: Objective, against: SecondaryObjective) {
        self.objective = objective
        self.against = against
        let eligible = entries.filter { e in
            e.state == .completed && e.feasible && !e.value.isNaN && !(e.metrics[against.metric]?.isNaN ?? true)
        }
        candidates = eligible.count
        let points = eligible.map { e in
            (objective.loss(e.value), ParetoFront.loss(e.metrics[against.metric]!, against.direction))
        }
        front = ParetoFront.indices(points).map { eligible[$0] }
    }

    /// The metric compared when neither `--against` nor the study's `objective.secondary` names one.
    public static let defaultAgainst = SecondaryObjective(metric: "latency_ms", direction: .minimize)
}

extension StudyReading {
    /// The Pareto front of the finished, feasible trials: the objective against `against`, or the
    /// study's second objective, or `latency_ms` (less is better).
    public func paretoFront(against: SecondaryObjective? = nil) async throws -> ParetoView {
        let objective = try await studyInfo().fullObjective
        let second = against ?? objective.secondary ?? ParetoView.defaultAgainst
        let entries = try await leaderboard(limit: 1_000_000_000)
        return ParetoView(entries: entries, objective: objective, against: second)
    }
}
