// `rung trials --dir D | --connect E`: every trial with its state, rung, value, cost metrics,
// feasibility (when the objective has constraints), attempt, worker and configuration.
import ArgumentParser
import Search
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

    @Option(help: ArgumentHelp("Show this trial's curve: its metrics epoch by epoch, and a sparkline of the objective.",
                               valueName: "id"))
    var trial: Int?

    func validate() throws {
        if trial != nil, state != nil { throw ValidationError("--trial shows one trial's curve; --state filters the list: give one") }
    }

    func run() async throws {
        try await StudySourceOptions.reporting {
            let reader = try source.reader()
            let info = try await reader.studyInfo()
            let objective = info.fullObjective
            if let trial {
                guard let stored = try await reader.trial(TrialID(trial)) else {
                    throw StoreError(.unknownEntity, "trial \(trial) is not in \(source.place); `rung trials \(source.flag)` lists them")
                }
                let rows = try await reader.exportRows(allAttempts: false).filter { $0.trial == stored.id }
                print(StudyText.curve(stored, rows: rows, objective: info.objective), terminator: "")
                return
            }
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
