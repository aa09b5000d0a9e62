// Everything needed to resume a tabular trial exactly where it paused, or to use the model:
// weights, optimizer state, step count, early-stopping state, the fitted preprocessing, the
// configuration and the history. A value; files are written by the checkpoint I/O extension.

import Foundation

/// The state of a tabular trial after a finished epoch.
public struct TabularCheckpoint: Sendable {
    /// Epochs completed.
    public var epoch: Int
    /// Optimizer steps taken (the schedule's position).
    public var stepCount: Int
    /// Model parameters by PyTorch-style name (`layers.0.weight`).
    public var weights: [String: [Float]]
    /// The shape of each parameter.
    public var shapes: [String: [Int]]
    /// Optimizer state arrays (`optimizer.<parameter>.exp_avg`, `….step`, …).
    public var optimizerState: [String: [Float]]
    /// The preprocessing fitted on the training split.
    public var preprocessor: TabularPreprocessor
    /// The trial's configuration.
    public var config: TabularTrialConfig
    /// Early-stopping monitor state, when early stopping is on.
    public var earlyStopping: EarlyStopping?
    /// Metrics of every completed epoch.
    public var history: [EpochMetrics]

    /// Creates a checkpoint from its parts.
    public init(epoch: Int, stepCount: Int, weights: [String: [Float]], shapes: [String: [Int]],
                optimizerState: [String: [Float]], preprocessor: TabularPreprocessor,
                config: TabularTrialConfig, earlyStopping: EarlyStopping?, history: [EpochMetrics]) {
        self.epoch = epoch
        self.stepCount = stepCount
        self.weights = weights
        self.shapes = shapes
        self.optimizerState = optimizerState
        self.preprocessor = preprocessor
        self.config = config
        self.earlyStopping = earlyStopping
        self.history = history
    }

    /// The small scalar state kept as JSON in the checkpoint's metadata.
    struct Progress: Codable {
        var epoch: Int
        var stepCount: Int
        var earlyStopping: EarlyStopping?
        var history: [EpochMetrics]
    }
}
