// The one checkpoint shape of every built-in task: the state the epoch loop needs to resume
// (epoch, optimizer steps and state, weights, early stopping, history, the best epoch's weights)
// plus a task-specific extra (configuration, fitted preprocessing, measured cost). Written in
// `CheckpointFile`'s layout; what the extra stores in the metadata is the extra's business.
// Leaves out the data and anything recomputed from the seed.

import Foundation

/// What a task keeps in its checkpoint beside the shared core, and how it reads and writes it.
public protocol CheckpointExtra: Sendable {
    /// The format tag (`rung.format`) of this task's checkpoint files.
    static var format: String { get }
    /// The task's name in messages ("tabular", "image", "text").
    static var kind: String { get }
    /// The metadata strings this extra adds to the file (keys `rung.…`).
    func metadata() -> [String: String]
    /// Reads the extra back from a checkpoint file.
    init(file: CheckpointFile) throws(FineTuneError)
}

/// A trial's state after a finished epoch: the shared core and the task's `extra`. The extra's
/// fields read as if they were the checkpoint's own (`checkpoint.config`).
@dynamicMemberLookup
public struct TrialCheckpoint<Extra: CheckpointExtra>: Sendable {
    /// Epochs completed.
    public var epoch: Int
    /// Optimizer steps taken (the schedule's position).
    public var stepCount: Int
    /// The weights the task saves (all parameters, with buffers, or only the trained ones), by
    /// PyTorch-style name.
    public var weights: [String: TensorData]
    /// Optimizer state arrays (`optimizer.<parameter>.exp_avg`, `….step`, …).
    public var optimizerState: [String: [Float]]
    /// Early-stopping monitor state, when early stopping is on.
    public var earlyStopping: EarlyStopping?
    /// Metrics of every completed epoch.
    public var history: [EpochMetrics]
    /// The weights of the best validation epoch so far, kept when early stopping is on (written
    /// as `best.<name>` tensors; nil in checkpoints from before they were kept).
    public var bestWeights: [String: TensorData]?
    /// The task-specific part.
    public var extra: Extra

    /// Creates a checkpoint from its parts.
    public init(epoch: Int, stepCount: Int, weights: [String: TensorData], optimizerState: [String: [Float]],
                earlyStopping: EarlyStopping?, history: [EpochMetrics], bestWeights: [String: TensorData]? = nil, extra: Extra) {
        self.epoch = epoch
        self.stepCount = stepCount
        self.weights = weights
        self.optimizerState = optimizerState
        self.earlyStopping = earlyStopping
        self.history = history
        self.bestWeights = bestWeights
        self.extra = extra
    }

    /// The shape of each saved weight.
    public var shapes: [String: [Int]] { weights.mapValues(\.shape) }

    /// A field of the task's extra (`config`, `preprocessor`, `cost`).
    public subscript<T>(dynamicMember path: WritableKeyPath<Extra, T>) -> T {
        get { extra[keyPath: path] }
        set { extra[keyPath: path] = newValue }
    }

    /// The metadata key of the format tag, and this task's tag.
    public static var formatKey: String { CheckpointFile.formatKey }
    /// This task's format tag.
    public static var formatValue: String { Extra.format }

    /// The small scalar state kept as JSON in the metadata (`rung.progress`).
    struct Progress: Codable {
        var epoch: Int
        var stepCount: Int
        var earlyStopping: EarlyStopping?
        var history: [EpochMetrics]
    }

    /// Writes one safetensors file (replacing it atomically): weights under their names, the best
    /// weights under `best.…`, optimizer state under `optimizer.…` shaped like its parameter (a
    /// step count as a scalar), progress and the extra's strings in the metadata.
    public func write(to url: URL) throws(FineTuneError) {
        var tensors = weights
        for (name, values) in optimizerState {
            tensors[name] = TensorData(shape: optimizerShape(name, count: values.count), floats: values)
        }
        for (name, tensor) in bestWeights ?? [:] { tensors[CheckpointFile.bestPrefix + name] = tensor }
        var metadata = extra.metadata()
        metadata["rung.progress"] = CheckpointFile.json(Progress(epoch: epoch, stepCount: stepCount,
                                                                 earlyStopping: earlyStopping, history: history))
        try CheckpointFile.write(tensors, format: Extra.format, metadata: metadata, to: url)
    }

    /// Reads a file written by `write(to:)` (or by an earlier version of it); throws naming what
    /// is missing or malformed.
    public init(contentsOf url: URL) throws(FineTuneError) {
        let file = try CheckpointFile(contentsOf: url, format: Extra.format, kind: Extra.kind)
        let extra = try Extra(file: file)
        let progress = try file.decode(Progress.self, key: "rung.progress")
        self.init(epoch: progress.epoch, stepCount: progress.stepCount, weights: file.weights,
                  optimizerState: file.optimizerState, earlyStopping: progress.earlyStopping, history: progress.history,
                  bestWeights: file.bestWeights, extra: extra)
    }

    /// The shape an optimizer array is stored with: its parameter's shape when the sizes agree
    /// (`optimizer.layers.0.weight.exp_avg` → `layers.0.weight`), a scalar for a step count, else flat.
    private func optimizerShape(_ name: String, count: Int) -> [Int] {
        if name.hasSuffix(".step") && count == 1 { return [] }
        guard name.hasPrefix(CheckpointFile.optimizerPrefix), let dot = name.lastIndex(of: ".") else { return [count] }
        let parameter = String(name[name.index(name.startIndex, offsetBy: CheckpointFile.optimizerPrefix.count)..<dot])
        guard let shape = weights[parameter]?.shape, shape.reduce(1, *) == count else { return [count] }
        return shape
    }
}
