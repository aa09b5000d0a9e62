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
            let trials = try await reader.trials()
            guard let state else {
                print(StudyText.trials(trials, objective: objective), terminator: "")
                return
            }
            // `running` includes `leased` (assigned, its first report not in yet); `queued` includes
            // `promoted` (waiting for a slot to resume) — as `rung status --connect` counts them.
            var states: Set<TrialStatus> = [state]
            if state == .running { states.insert(.leased) }
            if state == .queued { states.insert(.promoted) }
            print(StudyText.trials(trials, states: states, asked: state.rawValue, objective: objective), terminator: "")
        }
    }
}

extension TrialStatus: ExpressibleByArgument {}
