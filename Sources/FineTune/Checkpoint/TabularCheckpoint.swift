// What a tabular checkpoint keeps beside the shared core (`TrialCheckpoint`): the configuration
// and the preprocessing fitted on the training split, as JSON strings in the metadata. Loading
// the weights in PyTorch needs only the tensors outside `optimizer.…` and `best.…`.

import Foundation

/// The state of a tabular trial after a finished epoch.
public typealias TabularCheckpoint = TrialCheckpoint<TabularCheckpointExtra>

/// The tabular part of a checkpoint.
public struct TabularCheckpointExtra: CheckpointExtra {
    /// The preprocessing fitted on the training split.
    public var preprocessor: TabularPreprocessor
    /// The trial's configuration.
    public var config: TabularTrialConfig

    /// Creates the part from its fields.
    public init(preprocessor: TabularPreprocessor, config: TabularTrialConfig) {
        self.preprocessor = preprocessor
        self.config = config
    }

    /// `rung-tabular-checkpoint-1`.
    public static let format = "rung-tabular-checkpoint-1"
    /// "tabular".
    public static let kind = "tabular"

    /// `rung.config` and `rung.preprocessing`.
    public func metadata() -> [String: String] {
        ["rung.config": String(decoding: config.jsonData(), as: UTF8.self), "rung.preprocessing": preprocessor.jsonString()]
    }

    /// Reads `rung.config` and `rung.preprocessing`.
    public init(file: CheckpointFile) throws(FineTuneError) {
        config = try TabularTrialConfig.decode(json: Data(try file.field("rung.config").utf8), source: "\(file.source) rung.config")
        preprocessor = try TabularPreprocessor(jsonString: try file.field("rung.preprocessing"))
    }
}
