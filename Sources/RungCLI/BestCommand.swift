// `rung best --dir D | --connect E [--json] [--top N]`: the leaderboard — highest rung reached first, then the
// objective in the study's direction.
import ArgumentParser
import Store

struct BestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "best",
        abstract: "Show the best trials so far (highest rung reached first, then the objective).",
        discussion: "With --json, prints one JSON object: the study, its objective and direction, and the best trial with its configuration and metrics. Offline with --dir runs/NAME, or live with --connect tcp://HOST:5555 (same output).")

    @OptionGroup var source: StudySourceOptions

    @Flag(help: "Print the best trial as JSON (for scripts).")
    var json = false

    @Option(help: "How many trials the table shows.")
    var top = 10

    func validate() throws {
        guard top >= 1 else { throw ValidationError("--top is \(top), but must be ≥ 1") }
    }

    func run() async throws {
        try await StudySourceOptions.reporting {
            let reader = try source.reader()
            let info = try await reader.studyInfo()
            let entries = try await reader.leaderboard(limit: json ? 1 : top)
            print(json ? try StudyText.bestJSON(entries.first, info: info) : StudyText.leaderboard(entries, info: info),
                  terminator: "")
        }
    }
}
