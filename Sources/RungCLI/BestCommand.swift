// `rung best --dir D | --connect E [--json] [--top N] [--pareto [--against METRIC[:min|max]]]`: the
// leaderboard — feasible results first (the objective's constraints), then highest rung, then the
// objective — with cost columns and the best trial's per-class report; or the Pareto front.
import ArgumentParser
import Search
import Store

struct BestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "best",
        abstract: "Show the best trials so far (feasible first, then highest rung reached, then the objective).",
        discussion: """
            Trials that break a constraint of the objective (`objective.constraints`, e.g. \
            latency_ms <= 5) rank behind every feasible one and are never the best. Cost columns \
            (params, latency ms, images/s, memory MB) appear when trials report them; the best \
            trial's per-class precision / recall / F1 / support and confusion matrix follow when it \
            printed a report line.

            --pareto shows the Pareto front of the objective against a second metric over finished, \
            feasible trials, sorted along the front: the metric of --against, else the study's \
            `objective.secondary`, else latency_ms (less is better).

            With --json, prints one JSON object: the study, its objective, direction and constraints, \
            the best trial with its configuration and metrics, and its per-class report (or, with \
            --pareto, the front). Offline with --dir runs/NAME, or live with --connect \
            tcp://HOST:5555 (same output).
            """)

    @OptionGroup var source: StudySourceOptions

    @Flag(help: "Print JSON (for scripts).")
    var json = false

    @Option(help: "How many trials the table shows.")
    var top = 10

    @Flag(help: "Show the Pareto front of the objective against a second metric instead of the leaderboard.")
    var pareto = false

    @Option(help: ArgumentHelp("With --pareto: the metric to trade against the objective, and whether less (min, the default) or more (max) of it is better.",
                               valueName: "metric[:min|max]"))
    var against: String?

    func validate() throws {
        guard top >= 1 else { throw ValidationError("--top is \(top), but must be ≥ 1") }
        if against != nil, !pareto { throw ValidationError("--against chooses the metric of --pareto; add --pareto") }
        if let against { _ = try Self.parseAgainst(against) }
    }

    /// `latency_ms`, `latency_ms:min`, `images_per_s:max`.
    static func parseAgainst(_ text: String) throws -> SecondaryObjective {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        guard (1...2).contains(parts.count), !parts[0].isEmpty else {
            throw ValidationError("--against is '\(text)'; give a metric name with an optional :min or :max, e.g. latency_ms:min or images_per_s:max")
        }
        guard parts.count == 2 else { return SecondaryObjective(metric: parts[0], direction: .minimize) }
        switch parts[1] {
        case "min", "minimize": return SecondaryObjective(metric: parts[0], direction: .minimize)
        case "max", "maximize": return SecondaryObjective(metric: parts[0], direction: .maximize)
        default:
            throw ValidationError("--against is '\(text)'; after the colon give min or max (less or more of \(parts[0]) is better)")
        }
    }

    func run() async throws {
        try await StudySourceOptions.reporting {
            let reader = try source.reader()
            let info = try await reader.studyInfo()
            if pareto {
                let view = try await reader.paretoFront(against: try against.map(Self.parseAgainst))
                print(json ? try StudyText.paretoJSON(view, info: info) : StudyText.pareto(view, info: info), terminator: "")
                return
            }
            let entries = try await reader.leaderboard(limit: json ? 1 : top)
            let best = entries.first.flatMap { $0.feasible ? $0 : nil }
            let report = try await best.asyncMap { try await reader.classReport($0.trial) } ?? nil
            print(json ? try StudyText.bestJSON(best, info: info, report: report)
                       : StudyText.leaderboard(entries, info: info, report: report),
                  terminator: "")
        }
    }
}

extension Optional {
    /// `map` with an async transform.
    func asyncMap<T>(_ transform: (Wrapped) async throws -> T) async rethrows -> T? {
        guard let self else { return nil }
        return try await transform(self)
    }
}
