// What an image checkpoint keeps beside the shared core (`TrialCheckpoint`, whose weights are every
// parameter and BatchNorm buffer of the classifier): the configuration and the model's measured
// cost. Leaves out the data (re-drawn from the split seed) and the cached linear-probe features
// (recomputed).
import Foundation

/// An image trial's state: weights, buffers, optimizer state, progress, config and cost.
public typealias ImageCheckpoint = TrialCheckpoint<ImageCheckpointExtra>

/// The image part of a checkpoint.
public struct ImageCheckpointExtra: CheckpointExtra {
    /// The trial's configuration.
    public var config: ImageTrialConfig
    /// The model's cost as measured by the attempt that started the trial; later attempts report it
    /// again instead of measuring the same model anew.
    public var cost: ModelCost?

    /// Creates the part from its fields.
    public init(config: ImageTrialConfig, cost: ModelCost?) {
        self.config = config
        self.cost = cost
    }

    /// `rung-image-checkpoint-1`.
    public static let format = "rung-image-checkpoint-1"
    /// "image".
    public static let kind = "image"

    /// The cost alone, as `rung.cost` holds it and earlier files' `rung.progress` did.
    struct CostField: Codable { var cost: ModelCost? }

    /// `rung.config` and `rung.cost`.
    public func metadata() -> [String: String] {
        ["rung.config": CheckpointFile.json(config, sortedKeys: false), "rung.cost": CheckpointFile.json(CostField(cost: cost))]
    }

    /// Reads `rung.config` and the cost (from `rung.cost`, or from `rung.progress` in earlier files).
    public init(file: CheckpointFile) throws(FineTuneError) {
        config = try file.decode(ImageTrialConfig.self, key: "rung.config")
        cost = try file.decode(CostField.self, key: file.metadata["rung.cost"] != nil ? "rung.cost" : "rung.progress").cost
    }
}
