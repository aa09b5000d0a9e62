// The `rung` command: one subcommand per file in this folder; this file lists them.
import ArgumentParser

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
            TrainCommand.self,
            TrainTextCommand.self,
            TrainImageCommand.self,
            PretrainCommand.self,
            ZooCommand.self,
            BenchCommand.self,
            BenchWireCommand.self,
            BenchStoreCommand.self,
            BenchCoordinatorCommand.self,
            RunTrialCommand.self,
        ])
}
