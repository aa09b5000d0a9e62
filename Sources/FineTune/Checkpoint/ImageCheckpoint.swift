// An image trial's state at an epoch boundary, as one safetensors file: every parameter and
// BatchNorm buffer of the classifier, the optimizer state under `optimizer.…`, and the config,
// progress, history and early-stopping state as JSON metadata. Leaves out the data (re-drawn
// from the split seed) and the cached linear-probe features (recomputed).
import Foundation

/// An image trial's state: weights, buffers, optimizer state and progress.
public struct ImageCheckpoint: Sendable {
    public var epoch: Int
    public var stepCount: Int
    /// Parameters and buffers by name.
    public var weights: [String: TensorData]
    public var optimizerState: [String: [Float]]
    public var config: ImageTrialConfig
    public var earlyStopping: EarlyStopping?
    public var history: [EpochMetrics]
    /// The model's cost as measured by the attempt that started the trial; later attempts report it
    /// again instead of measuring the same model anew.
    public var cost: ModelCost?

    public static let formatKey = "rung.format", formatValue = "rung-image-checkpoint-1"

    struct Progress: Codable { var epoch: Int; var stepCount: Int; var history: [EpochMetrics]; var earlyStopping: EarlyStopping?; var cost: ModelCost? }

    public init(epoch: Int, stepCount: Int, weights: [String: TensorData], optimizerState: [String: [Float]],
                config: ImageTrialConfig, earlyStopping: EarlyStopping?, history: [EpochMetrics], cost: ModelCost? = nil) {
        self.epoch = epoch; self.stepCount = stepCount; self.weights = weights; self.optimizerState = optimizerState
        self.config = config; self.earlyStopping = earlyStopping; self.history = history
        self.cost = cost
    }

    /// Writes one safetensors file (`CheckpointFile`'s layout).
    public func write(to url: URL) throws(FineTuneError) {
        let progress = Progress(epoch: epoch, stepCount: stepCount, history: history, earlyStopping: earlyStopping, cost: cost)
        try CheckpointFile.write(weights.merging(CheckpointFile.flat(optimizerState)) { $1 }, format: Self.formatValue, metadata: [
            "rung.config": CheckpointFile.json(config, sortedKeys: false),
            "rung.progress": CheckpointFile.json(progress, sortedKeys: false),
        ], to: url)
    }

    /// Reads a file written by `write(to:)`.
    public init(contentsOf url: URL) throws(FineTuneError) {
        let file = try CheckpointFile(contentsOf: url, format: Self.formatValue, kind: "image")
        config = try file.decode(ImageTrialConfig.self, key: "rung.config")
        let progress = try file.decode(Progress.self, key: "rung.progress")
        epoch = progress.epoch; stepCount = progress.stepCount; history = progress.history; earlyStopping = progress.earlyStopping
        cost = progress.cost
        weights = file.weights; optimizerState = file.optimizerState
    }
}
