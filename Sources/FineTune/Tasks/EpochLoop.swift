// The epoch loop every built-in task runs: the epoch range and resume-point checks, resuming from a
// checkpoint (weights, optimizer state, early stopping, history, best weights), the epochs with
// their timing and validation metrics, early stopping (which restores the best validation epoch's
// weights), the per-epoch callback, the final test, and the checkpoint and result.
// Leaves out what differs between tasks: data, model, one training epoch, evaluation, optimizer.

import Foundation

/// What a task hands the epoch loop: its model and the few operations that differ between tasks.
/// `run` does the rest, identically for every task.
struct EpochLoop<Extra: CheckpointExtra, Model: Module> {
    /// The model being trained.
    var model: Model
    /// The configured epoch count (the trial is over after it).
    var epochs: Int
    /// Early-stopping patience on the validation loss; nil trains every epoch.
    var patience: Int?
    /// Class names; label k is `classNames[k]`.
    var classNames: [String]
    /// Labels of the validation and test splits (an empty test split skips the test).
    var validationLabels: [Int]
    var testLabels: [Int]
    /// One training epoch (1-based number) with the optimizer; returns the mean training loss.
    var trainEpoch: (_ epoch: Int, _ optimizer: inout Optimizer) -> Double
    /// Mean cross-entropy and softmax probabilities [count × classes] on the validation split.
    var evaluateValidation: () -> (loss: Double, probabilities: [Float])
    /// The same on the test split.
    var evaluateTest: () -> (loss: Double, probabilities: [Float])
    /// The weights a checkpoint keeps (and early stopping copies), by name.
    var weights: () -> [String: TensorData]
    /// Loads weights returned by `weights`.
    var loadWeights: ([String: TensorData]) throws(FineTuneError) -> Void

    /// Checks an attempt's epoch range and resume point before any work: `0 ≤ from ≤ to ≤ epochs`,
    /// and a checkpoint saved at exactly `fromEpoch` when it is not 0 (none otherwise) — or saved
    /// earlier by a trial that early stopping ended (its later epochs were never run; the attempt
    /// then only tests). Returns the last epoch to run (`toEpoch`, or `epochs` when nil).
    static func checkRange(fromEpoch: Int, toEpoch: Int?, epochs: Int, checkpoint: TrialCheckpoint<Extra>?) throws(FineTuneError) -> Int {
        let last = toEpoch ?? epochs
        guard fromEpoch >= 0, fromEpoch <= last, last <= epochs else {
            throw FineTuneError(.invalidOptions, "epoch range \(fromEpoch)→\(last) must satisfy 0 ≤ from ≤ to ≤ \(epochs) (the configured epochs)")
        }
        if let checkpoint {
            let stopped = checkpoint.earlyStopping?.shouldStop ?? false
            guard checkpoint.epoch == fromEpoch || (stopped && checkpoint.epoch < fromEpoch) else {
                throw FineTuneError(.invalidOptions, "the checkpoint is at epoch \(checkpoint.epoch), but the run starts from epoch \(fromEpoch)")
            }
        } else if fromEpoch != 0 {
            throw FineTuneError(.invalidOptions, "starting from epoch \(fromEpoch) needs a checkpoint of that epoch")
        }
        return last
    }

    /// Runs epochs `fromEpoch + 1 … last` (checked by `checkRange`), resuming from `checkpoint`.
    ///
    /// When the trial is over (its configured last epoch ran, or early stopping ended it) the test
    /// split is evaluated before that epoch's `onEpoch`, and `onTest` receives the summary. When
    /// early stopping ends it, the best validation epoch's weights are loaded first, so the test,
    /// the model and the checkpoint are those of the best epoch. `testEveryEpoch` also tests after
    /// every epoch (outside the epoch's `seconds`; training is unchanged). `onEpoch` answering
    /// `.stop` ends the call after that epoch. `afterResume` runs after resuming and before the
    /// first epoch (caching features, measuring cost; its argument says whether a checkpoint was
    /// loaded). `extra` makes the checkpoint's task part at the end.
    func run(optimizer start: Optimizer, fromEpoch: Int, last: Int, checkpoint: TrialCheckpoint<Extra>?,
             testEveryEpoch: Bool = false, afterResume: (_ resumed: Bool) throws(FineTuneError) -> Void = { _ in },
             onTest: (ClassificationSummary) -> Void = { _ in },
             onEpoch: (EpochMetrics) -> EpochDecision, extra: () -> Extra) throws(FineTuneError) -> TrialResult<Extra, Model> {
        let classCount = classNames.count
        var optimizer = start
        var stopper = patience.map { EarlyStopping(patience: $0, mode: .min) }
        var history: [EpochMetrics] = []
        var best: [String: TensorData]?
        if let checkpoint {
            try loadWeights(checkpoint.weights)
            try optimizer.restoreState(from: checkpoint.optimizerState, stepCount: checkpoint.stepCount)
            stopper = checkpoint.earlyStopping
            history = checkpoint.history
            best = checkpoint.bestWeights
        }
        try afterResume(checkpoint != nil)

        var ran: [EpochMetrics] = []
        var stoppedEarly = stopper?.shouldStop ?? false
        var test: ClassificationSummary?, testReport: ClassificationReport?, tested = false
        // The trial is over: back to the best epoch when early stopping ended it, then the test.
        func finish() throws(FineTuneError) {
            tested = true
            if stoppedEarly, let best { try loadWeights(best) }
            guard !testLabels.isEmpty else { return }
            let (_, p) = evaluateTest()
            test = try Metrics.summary(labels: testLabels, probabilities: p, classCount: classCount)
            testReport = try Metrics.report(labels: testLabels, predictions: Metrics.argmax(probabilities: p, classCount: classCount),
                                            classCount: classCount)
            onTest(test!)
        }

        // A checkpoint of a trial early stopping ended may be older than `fromEpoch`.
        var epoch = checkpoint?.epoch ?? fromEpoch
        while epoch < last && !stoppedEarly {
            epoch += 1
            let started = Date()
            let trainLoss = trainEpoch(epoch, &optimizer)
            let (validationLoss, probabilities) = evaluateValidation()
            let s = try Metrics.summary(labels: validationLabels, probabilities: probabilities, classCount: classCount)
            var metrics = EpochMetrics(
                epoch: epoch, trainLoss: trainLoss, validationLoss: validationLoss, accuracy: s.accuracy,
                macroF1: s.macroF1, weightedF1: s.weightedF1, macroPrecision: s.macroPrecision, macroRecall: s.macroRecall,
                rocAUC: s.rocAUC,
                learningRate: optimizer.baseLearningRate * optimizer.schedule.factor(at: max(optimizer.stepCount - 1, 0)),
                seconds: Date().timeIntervalSince(started))
            if testEveryEpoch && !testLabels.isEmpty {
                let (testLoss, p) = evaluateTest()
                metrics.testLoss = testLoss
                metrics.testAccuracy = try Metrics.accuracy(labels: testLabels, predictions: Metrics.argmax(probabilities: p, classCount: classCount))
            }
            ran.append(metrics)
            history.append(metrics)
            if stopper != nil {
                if stopper!.record(validationLoss) { best = weights() }
                stoppedEarly = stopper!.shouldStop
            }
            if epoch == epochs || stoppedEarly { try finish() }
            if onEpoch(metrics) == .stop { break }
        }
        // Resumed at the end (or after early stopping): no epoch ran, the trial is over all the same.
        if !tested && (epoch == epochs || stoppedEarly) { try finish() }

        let trainable = model.namedParameters().filter { $0.tensor.requiresGrad }
        let checkpointOut = TrialCheckpoint(epoch: epoch, stepCount: optimizer.stepCount, weights: weights(),
                                            optimizerState: optimizer.stateArrays(), earlyStopping: stopper, history: history,
                                            bestWeights: stopper == nil ? nil : best, extra: extra())
        return TrialResult(epochs: ran, history: history, completedEpochs: epoch, stoppedEarly: stoppedEarly,
                           finished: epoch == epochs || stoppedEarly, test: test, testReport: testReport,
                           checkpoint: checkpointOut, model: model, parameterCount: model.parameterCount,
                           trainableParameterCount: trainable.reduce(0) { $0 + $1.tensor.count }, classNames: classNames)
    }
}

extension Module {
    /// Parameters (and, with `buffers`, BatchNorm buffers) as named tensors, copied.
    func weightData(buffers: Bool = false, trainableOnly: Bool = false) -> [String: TensorData] {
        var out: [String: TensorData] = [:]
        for (name, t) in namedParameters() + (buffers ? namedBuffers() : []) where !trainableOnly || t.requiresGrad {
            out[name] = TensorData(shape: t.shape, floats: t.scalars)
        }
        return out
    }
}
