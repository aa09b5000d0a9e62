// One tabular trial: an MLP trained with mini-batches on prepared splits, validated each epoch,
// tested at the end (or, when asked, after every epoch), able to start from a checkpoint and to stop at any epoch. All randomness is
// derived from (seed, purpose, epoch), so a run resumed at epoch k repeats the uninterrupted one.
// Left out: class weights, k-fold averaging, restoring the best epoch's weights.

import Foundation
import Tensors

/// The tabular fine-tuning task: `(config, from epoch, to epoch, checkpoint?) → metrics + checkpoint`.
public enum TabularTask {
    /// Reads the configured data (the CSV file, or the built-in synthetic table) and prepares the
    /// stratified splits with preprocessing fitted on the training split.
    public static func loadData(_ config: TabularTrialConfig) throws(FineTuneError) -> TabularSplits {
        var options = TabularOptions(target: config.effectiveTarget, validationFraction: config.validationFraction,
                                     testFraction: config.testFraction, seed: config.splitSeed)
        options.refuseNonNumeric = config.refuseNonNumeric
        if let path = config.data {
            return try TabularData.load(URL(fileURLWithPath: path), options: options)
        }
        return try TabularData.prepare(SyntheticTabular.table(), options: options)
    }

    /// Runs a trial from `fromEpoch` (0, or the checkpoint's epoch) up to and including
    /// `toEpoch` (default: the configured epoch count), reading the data itself.
    ///
    /// - Parameters:
    ///   - config: the trial's hyperparameters (validated here).
    ///   - fromEpoch: epochs already done; must equal `checkpoint.epoch` when resuming, else 0.
    ///   - toEpoch: last epoch to run (1-based, ≤ `config.epochs`); nil runs to the end.
    ///   - checkpoint: state to resume from.
    ///   - testEveryEpoch: also evaluate the test split after every epoch (`EpochMetrics.testAccuracy`,
    ///     `testLoss`; for recording learning curves, outside the epoch's `seconds`). Training is
    ///     unchanged by it.
    ///   - onEpoch: called after every epoch; `.stop` ends the call after that epoch.
    public static func run(config: TabularTrialConfig, fromEpoch: Int = 0, toEpoch: Int? = nil,
                           checkpoint: TabularCheckpoint? = nil, testEveryEpoch: Bool = false,
                           onEpoch: (EpochMetrics) -> EpochDecision = { _ in .proceed }) throws(FineTuneError) -> TabularTrialResult {
        try config.validate()
        let splits = try loadData(config)
        // Said loudly, once per run: the trial's log (stderr) shows which cells were read as missing.
        for note in splits.notes { FileHandle.standardError.write(Data("note: \(note)\n".utf8)) }
        return try run(config: config, splits: splits, fromEpoch: fromEpoch, toEpoch: toEpoch,
                       checkpoint: checkpoint, testEveryEpoch: testEveryEpoch, onEpoch: onEpoch)
    }

    /// As `run(config:fromEpoch:toEpoch:checkpoint:testEveryEpoch:onEpoch:)` on splits already prepared.
    public static func run(config: TabularTrialConfig, splits: TabularSplits, fromEpoch: Int = 0, toEpoch: Int? = nil,
                           checkpoint: TabularCheckpoint? = nil, testEveryEpoch: Bool = false,
                           onEpoch: (EpochMetrics) -> EpochDecision = { _ in .proceed }) throws(FineTuneError) -> TabularTrialResult {
        try config.validate()
        let last = toEpoch ?? config.epochs
        guard fromEpoch >= 0, fromEpoch <= last, last <= config.epochs else {
            throw FineTuneError(.invalidOptions, "epoch range \(fromEpoch)→\(last) must satisfy 0 ≤ from ≤ to ≤ \(config.epochs) (the configured epochs)")
        }
        let train = splits.train, validation = splits.validation
        guard train.count > 0, validation.count > 0 else {
            throw FineTuneError(.invalidOptions, "the training and validation splits must not be empty (train \(train.count), validation \(validation.count) rows)")
        }
        let classCount = train.classCount
        var initRNG = SplitMix64(seed: SplitMix64.derivedSeed(config.seed, purpose: 1, index: 0))
        let model = MLP(inputs: train.featureCount, hidden: config.hidden, outputs: classCount,
                        activation: config.activation, dropout: Float(config.dropout), layerNorm: config.layerNorm,
                        generator: &initRNG)
        let stepsPerEpoch = (train.count + config.batchSize - 1) / config.batchSize
        var optimizer = Optimizer(settings: config.optimizerSettings, learningRate: config.learningRate,
                                  schedule: config.learningRateSchedule(stepsPerEpoch: stepsPerEpoch))
        optimizer.threads = BLAS.threads
        var stopper = config.earlyStoppingPatience.map { EarlyStopping(patience: $0, mode: .min) }
        var history: [EpochMetrics] = []

        try checkResumePoint(checkpointEpoch: checkpoint?.epoch, fromEpoch: fromEpoch)
        if let checkpoint {
            try model.loadStateDict(checkpoint.weights)
            try optimizer.restoreState(from: checkpoint.optimizerState, stepCount: checkpoint.stepCount)
            stopper = checkpoint.earlyStopping
            history = checkpoint.history
        }

        var ran: [EpochMetrics] = []
        var stoppedEarly = stopper?.shouldStop ?? false
        var epoch = fromEpoch
        while epoch < last && !stoppedEarly {
            epoch += 1
            let start = Date()
            let trainLoss = trainEpoch(model: model, optimizer: &optimizer, data: train, config: config, epoch: epoch)
            let (valLoss, probabilities) = evaluate(model: model, data: validation)
            let summary = try Metrics.summary(labels: validation.labels, probabilities: probabilities, classCount: classCount)
            var metrics = EpochMetrics(
                epoch: epoch, trainLoss: trainLoss, validationLoss: valLoss, accuracy: summary.accuracy,
                macroF1: summary.macroF1, weightedF1: summary.weightedF1, macroPrecision: summary.macroPrecision,
                macroRecall: summary.macroRecall, rocAUC: summary.rocAUC,
                learningRate: optimizer.baseLearningRate * optimizer.schedule.factor(at: max(optimizer.stepCount - 1, 0)),
                seconds: Date().timeIntervalSince(start))
            if testEveryEpoch && splits.test.count > 0 {
                let (testLoss, p) = evaluate(model: model, data: splits.test)
                metrics.testLoss = testLoss
                metrics.testAccuracy = try Metrics.accuracy(labels: splits.test.labels,
                                                            predictions: Metrics.argmax(probabilities: p, classCount: classCount))
            }
            ran.append(metrics)
            history.append(metrics)
            if stopper != nil {
                stopper!.record(valLoss)
                stoppedEarly = stopper!.shouldStop
            }
            if onEpoch(metrics) == .stop { break }
        }

        let finished = epoch == config.epochs || stoppedEarly
        var test: ClassificationSummary?
        var testReport: ClassificationReport?
        if finished && splits.test.count > 0 {
            let (_, probabilities) = evaluate(model: model, data: splits.test)
            test = try Metrics.summary(labels: splits.test.labels, probabilities: probabilities, classCount: classCount)
            testReport = try Metrics.report(labels: splits.test.labels,
                                            predictions: Metrics.argmax(probabilities: probabilities, classCount: classCount),
                                            classCount: classCount)
        }
        let named = model.namedParameters()
        let checkpointOut = TabularCheckpoint(
            epoch: epoch, stepCount: optimizer.stepCount,
            weights: Dictionary(uniqueKeysWithValues: named.map { ($0.name, $0.tensor.scalars) }),
            shapes: Dictionary(uniqueKeysWithValues: named.map { ($0.name, $0.tensor.shape) }),
            optimizerState: optimizer.stateArrays(), preprocessor: splits.preprocessor, config: config,
            earlyStopping: stopper, history: history)
        return TabularTrialResult(epochs: ran, history: history, completedEpochs: epoch, stoppedEarly: stoppedEarly,
                                  finished: finished, test: test, testReport: testReport, checkpoint: checkpointOut,
                                  parameterCount: model.parameterCount, classNames: train.classNames)
    }

    /// One pass over the shuffled training rows; returns the mean loss per example.
    static func trainEpoch(model: MLP, optimizer: inout Optimizer, data: TabularDataset,
                           config: TabularTrialConfig, epoch: Int) -> Double {
        model.train()
        model.reseedDropout(SplitMix64.derivedSeed(config.seed, purpose: 3, index: UInt64(epoch)))
        var order = Array(0..<data.count)
        var shuffler = SplitMix64(seed: SplitMix64.derivedSeed(config.seed, purpose: 2, index: UInt64(epoch)))
        shuffler.shuffle(&order)
        let params = model.namedParameters()
        var total = 0.0
        var start = 0
        while start < data.count {
            let rows = Array(order[start..<min(start + config.batchSize, data.count)])
            start += rows.count
            let (x, labels) = batch(data, rows: rows)
            for (_, t) in params { t.zeroGrad() }
            let loss = Tensor.crossEntropy(logits: model(x), labels: labels, labelSmoothing: Float(config.labelSmoothing))
            loss.backward()
            if let maxNorm = config.maxGradientNorm { clipGradientNorm(params, maxNorm: maxNorm) }
            optimizer.step(params)
            total += Double(loss.item) * Double(rows.count)
        }
        return total / Double(data.count)
    }

    /// Mean cross-entropy and softmax probabilities [count, classes] of the model on `data`,
    /// in evaluation mode, without recording a graph.
    public static func evaluate(model: any Module, data: TabularDataset, batchSize: Int = 1024) -> (loss: Double, probabilities: [Float]) {
        model.eval()
        defer { model.train() }
        return Autograd.withoutGrad {
            var probabilities: [Float] = []
            probabilities.reserveCapacity(data.count * data.classCount)
            var total = 0.0
            var start = 0
            while start < data.count {
                let rows = Array(start..<min(start + batchSize, data.count))
                start += rows.count
                let (x, labels) = batch(data, rows: rows)
                let logits = model(x)
                total += Double(Tensor.crossEntropy(logits: logits, labels: labels).item) * Double(rows.count)
                probabilities.append(contentsOf: logits.softmax(axis: -1).scalars)
            }
            return (total / Double(max(data.count, 1)), probabilities)
        }
    }

    /// The rows' features as a [rows, features] tensor, and their labels.
    static func batch(_ data: TabularDataset, rows: [Int]) -> (Tensor, [Int]) {
        let f = data.featureCount
        let x = Tensor.zeros([rows.count, f])
        x.withUnsafeMutableBufferPointer { dst in
            data.features.withUnsafeBufferPointer { src in
                for (r, i) in rows.enumerated() {
                    for j in 0..<f { dst[r * f + j] = src[i * f + j] }
                }
            }
        }
        return (x, rows.map { data.labels[$0] })
    }
}
