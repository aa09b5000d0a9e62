// The `rung` command: one subcommand per file in this folder; this file lists them.
import ArgumentParser

@main
struct Rung: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rung",
        abstract: "Distributed hyperparameter search for fine-tuning (SHA, ASHA, Hyperband over ZeroMQ).",
        subcommands: [
            TrainCommand.self,
            BenchCommand.self,
            ZooCommand.self,
        ])
}
