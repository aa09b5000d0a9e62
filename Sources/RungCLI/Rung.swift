// The `rung` command: one subcommand per file in this folder; this file lists them.
import ArgumentParser

@main
struct Rung: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rung",
        abstract: "Distributed hyperparameter search for fine-tuning (SHA, ASHA, Hyperband over ZeroMQ).",
        subcommands: [
            SimulateCommand.self,
            BenchWireCommand.self,
            StatusCommand.self, TrialsCommand.self, BestCommand.self, LogsCommand.self, ExportCommand.self,
            BenchStoreCommand.self,
            TrainCommand.self,
            TrainTextCommand.self,
            CoordinatorCommand.self,
            WorkerCommand.self,
            RunTrialCommand.self,
            DemoCommand.self,
            BenchCoordinatorCommand.self,
            BenchCommand.self,
            ZooCommand.self,
        ])
}
