// The lab: subcommands for the people who build and measure Rung rather than run studies with it —
// benchmarks against PyTorch, Optuna and raw libzmq, single-trial training outside a study, the
// pretraining of zoo backbones and the zoo itself. The `rung` front door lists them in a group of
// their own; this target keeps their code (and the benchmarks that used to sit in Wire and Store)
// out of the front door's and the libraries'. Leaves out everything a study needs to run.
import ArgumentParser
import FineTune

/// The lab's subcommands, for the `rung` command to list under their own heading.
public enum Lab {
    /// Benchmarks, training outside a study, pretraining and the model zoo.
    public static let commands: [ParsableCommand.Type] = [
        TrainCommand.self,
        TrainTextAlias.self,
        TrainImageAlias.self,
        PretrainCommand.self,
        ZooCommand.self,
        BenchCommand.self,
        BenchWireCommand.self,
        BenchStoreCommand.self,
        BenchCoordinatorCommand.self,
    ]
}

extension Lab {
    /// Trains `config.backbone` from scratch with terminal progress and keeps it in the zoo as
    /// `name` (what `rung pretrain` does; the demo uses it for its source backbone).
    public static func pretrain(_ config: ImageTrialConfig, name: String, label: String) throws(FineTuneError) -> PretrainedBackboneInfo {
        try PretrainCommand.pretrain(config, name: name, label: label)
    }
}
