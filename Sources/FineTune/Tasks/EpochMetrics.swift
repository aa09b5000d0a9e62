// What one epoch of a trial reports (training loss, validation metrics, learning rate, time), the
// per-epoch decision a caller feeds back, and a tabular run's metrics.json. Values only, Codable.
// What a trial call returns is in TrialResult.swift; the final test's per-class table and
// confusion matrix are in `ClassificationReport`.

import Foundation

/// The figures of one finished epoch.
public struct EpochMetrics: Sendable, Hashable, Codable {
    /// 1-based epoch number.
    public var epoch: Int
    /// Mean training loss over the epoch's batches (with label smoothing when configured).
    public var trainLoss: Double
    /// Mean cross-entropy on the validation split (no smoothing).
    public var validationLoss: Double
    /// Validation accuracy.
    public var accuracy: Double
    /// Validation macro-averaged F1.
    public var macroF1: Double
    /// Validation support-weighted F1.
    public var weightedF1: Double
    /// Validation macro precision.
    public var macroPrecision: Double
    /// Validation macro recall.
    public var macroRecall: Double
    /// Validation ROC-AUC (binary, or one-vs-rest macro); nil when undefined.
    public var rocAUC: Double?
    /// Learning rate of the epoch's last step (base group).
    public var learningRate: Double
    /// Wall-clock seconds the epoch took (training and validation).
    public var seconds: Double
    /// Test-split accuracy after this epoch; nil unless the run was asked to test every epoch
    /// (`TabularTask.run(…, testEveryEpoch: true)`, `rung train --test-every-epoch`).
    public var testAccuracy: Double? = nil
    /// Test-split mean cross-entropy after this epoch; nil likewise.
    public var testLoss: Double? = nil

    /// The same figures with `seconds` set to 0, for comparing runs.
    public var withoutTiming: EpochMetrics {
        var m = self
        m.seconds = 0
        return m
    }
}

/// What the caller of a task's `run` answers after each epoch.
public enum EpochDecision: Sendable, Hashable {
    /// Go on to the next epoch.
    case proceed
    /// Stop after this epoch (the result still carries a checkpoint).
    case stop
}

/// The content of a run's `metrics.json`: configuration, per-epoch validation metrics and the
/// final test metrics.
public struct TabularRunReport: Sendable, Codable {
    /// The trial's configuration.
    public var config: TabularTrialConfig
    /// Class names; label k is `classNames[k]`.
    public var classNames: [String]
    /// Trainable parameters.
    public var parameterCount: Int
    /// Every epoch's validation metrics.
    public var epochs: [EpochMetrics]
    /// True when early stopping ended the run.
    public var stoppedEarly: Bool
    /// Test metrics of the final model (nil when the run is not finished or has no test split).
    public var test: ClassificationSummary?
    /// Per-class test figures and the confusion matrix.
    public var testReport: ClassificationReport?

    /// The report of a trial result.
    public init(_ result: TabularTrialResult, config: TabularTrialConfig) {
        self.config = config
        classNames = result.classNames
        parameterCount = result.parameterCount
        epochs = result.history
        stoppedEarly = result.stoppedEarly
        test = result.test
        testReport = result.testReport
    }

    /// Pretty-printed JSON with sorted keys (non-finite numbers as strings "nan", "inf").
    public func jsonData() -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        // Numbers, strings, arrays and enums with the strategy above: encoding cannot fail.
        return try! encoder.encode(self)
    }
}
