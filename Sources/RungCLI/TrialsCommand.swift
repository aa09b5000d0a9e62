// `rung trials --dir D | --connect E`: every trial with its state, rung, value, cost metrics,
// feasibility (when the objective has constraints), attempt, worker and configuration.
import ArgumentParser
import Store

struct TrialsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trials",
        abstract: "List a study's trials: state, highest rung, value there, cost metrics, feasibility, attempt, worker and configuration.",
        discussion: "Offline with --dir runs/NAME, or live with --connect tcp://HOST:5555 (same table).")

    @OptionGroup var source: StudySourceOptions

    @Option(help: ArgumentHelp("Only trials in this state.",
                               valueName: "state"))
    var state: TrialStatus?

    func run() async throws {
        try await StudySourceOptions.reporting {
            let reader = try source.reader()
            let objective = try await reader.studyInfo().fullObjective
            var trials = try await reader.trials()
            if let state { trials = trials.filter { $0.state == state } }
            print(StudyText.trials(trials, objective: objective), terminator: "")
        }
    }
}

extension TrialStatus: ExpressibleByArgument {}
