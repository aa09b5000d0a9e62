// `rung trials --dir D | --connect E`: every trial with its state, rung, value, attempt, worker and configuration.
import ArgumentParser
import Store

struct TrialsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trials",
        abstract: "List a study's trials: state, highest rung, value there, attempt, worker and configuration.",
        discussion: "Offline with --dir runs/NAME, or live with --connect tcp://HOST:5555 (same table).")

    @OptionGroup var source: StudySourceOptions

    @Option(help: ArgumentHelp("Only trials in this state.",
                               valueName: "state"))
    var state: TrialStatus?

    func run() async throws {
        try await StudySourceOptions.reporting {
            var trials = try await source.reader().trials()
            if let state { trials = trials.filter { $0.state == state } }
            print(StudyText.trials(trials), terminator: "")
        }
    }
}

extension TrialStatus: ExpressibleByArgument {}
