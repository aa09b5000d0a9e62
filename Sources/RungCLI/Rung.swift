// The `rung` command: one subcommand per file in this folder, and the lab's (RungLab) in a group of
// their own; this file lists them, and is the
// process edge where the environment is read for the pure layers (Tensors' settings).
import ArgumentParser
import Foundation
import RungLab
import Tensors

@main
struct Rung: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rung",
        abstract: "Distributed hyperparameter search for fine-tuning (SHA, ASHA, Hyperband over ZeroMQ).",
        version: rungVersion,
        subcommands: [
            DemoCommand.self,
            CoordinatorCommand.self,
            WorkerCommand.self, WorkerReleaseCommand.self,
            KeygenCommand.self,
            StatusCommand.self, TrialsCommand.self, BestCommand.self, LogsCommand.self, ExportCommand.self,
            PauseCommand.self, ResumeCommand.self, StopTrialCommand.self, EnqueueCommand.self, StopStudyCommand.self,
            DashboardCommand.self, ReportCommand.self,
            SimulateCommand.self,
            RunTrialCommand.self,
        ],
        groupedSubcommands: [CommandGroup(name: "lab", subcommands: Lab.commands)])

    /// Puts Tensors' settings from the environment in force (`TensorSettings(environment:)`), then
    /// parses the arguments and runs the subcommand.
    static func main() async {
        TensorSettings.use(TensorSettings(environment: ProcessInfo.processInfo.environment))
        await Self.main(nil)
    }
}
