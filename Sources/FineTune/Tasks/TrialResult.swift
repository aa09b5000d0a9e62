// What one call of a task's `run` returns, the same for every task: the epochs it ran, the whole
// history, whether the trial is over, the final test, the checkpoint to resume from and the model
// as trained. Leaves out how the epochs were run (EpochLoop.swift).

import Foundation

/// The outcome of one `TabularTask.run`, `ImageTask.run` or `TextTask.run` call.
public struct TrialResult<Extra: CheckpointExtra, Model: Module> {
    /// The epochs this call ran, in order.
    public var epochs: [EpochMetrics]
    /// Every epoch since the trial began, including those before the checkpoint it resumed from.
    public var history: [EpochMetrics]
    /// Epochs completed in total (the checkpoint's epoch).
    public var completedEpochs: Int
    /// True when early stopping ended the trial; the model, the test and the checkpoint's weights
    /// are then those of the best validation epoch.
    public var stoppedEarly: Bool
    /// True when the trial is over: its last epoch ran or early stopping ended it.
    public var finished: Bool
    /// Test-split metrics of the final model, when `finished` and the test split is not empty.
    public var test: ClassificationSummary?
    /// The full test report (per class, confusion matrix), alongside `test`.
    public var testReport: ClassificationReport?
    /// The state after the last epoch run: resume from it with `fromEpoch: completedEpochs`.
    public var checkpoint: TrialCheckpoint<Extra>
    /// The model as trained (for saving a backbone to the zoo, or predicting).
    public var model: Model
    /// Parameters of the model.
    public var parameterCount: Int
    /// Parameters that train (those the optimizer updated in the last epoch).
    public var trainableParameterCount: Int
    /// Class names; label k is `classNames[k]`.
    public var classNames: [String]
}

/// The outcome of one `TabularTask.run` call.
public typealias TabularTrialResult = TrialResult<TabularCheckpointExtra, MLP>
/// The outcome of one `ImageTask.run` call.
public typealias ImageTrialResult = TrialResult<ImageCheckpointExtra, ImageClassifier>
/// The outcome of one `TextTask.run` call.
public typealias TextTrialResult = TrialResult<TextCheckpointExtra, TextClassifier>

extension TrialResult where Extra == ImageCheckpointExtra {
    /// Cost of the trained model (when `measureCost` was asked for, or the trial's first attempt
    /// measured it).
    public var cost: ModelCost? { checkpoint.extra.cost }
}
