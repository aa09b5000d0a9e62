// `rung status --dir D | --connect E`: trials by state and rung, workers, best so far.
import ArgumentParser
import Store

struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show a study's trials by state and rung, its workers and the best trial so far.",
        discussion: """
            --dir reads the study directory directly (safe while the coordinator runs); --connect \
            asks a running coordinator from any machine. Both print the same.
            """)

    @OptionGroup var source: StudySourceOptions

    func run() async throws {
        try await StudySourceOptions.reporting {
            print(StudyText.status(try await source.reader().summary()), terminator: "")
        }
    }
}
