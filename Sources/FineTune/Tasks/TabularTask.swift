// One tabular trial: an MLP trained with mini-batches on prepared splits, validated each epoch,
// tested at the end (or, when asked, after every epoch), able to start from a checkpoint and to stop at any epoch. All randomness is
// derived from (seed, purpose, epoch), so a run resumed at epoch k repeats the uninterrupted one.
// The epochs themselves run in EpochLoop.swift. Left out: class weights, k-fold averaging.

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
        let last = try EpochLoop<TabularCheckpointExtra, MLP>.checkRange(fromEpoch: fromEpoch, toEpoch: toEpoch, epochs: config.epochs,
                                                                          checkpoint: checkpoint)
        let train = splits.train, validation = splits.validation
        guard train.count > 0, validation.count > 0 else {
            throw FineTuneError(.invalidOptions, "the training and validation splits must not be empty (train \(train.count), validation \(validation.count) rows)")
        }
        var initRNG = SplitMix64(seed: SplitMix64.derivedSeed(config.seed, purpose: 1, index: 0))
        let model = MLP(inputs: train.featureCount, hidden: config.hidden, outputs: train.classCount,
                        activation: config.activation, dropout: Float(config.dropout), layerNorm: config.layerNorm,
                        generator: &initRNG)
        let stepsPerEpoch = (train.count + config.batchSize - 1) / config.batchSize
        var optimizer = Optimizer(settings: config.optimizerSettings, learningRate: config.learningRate,
                                  schedule: config.learningRateSchedule(stepsPerEpoch: stepsPerEpoch))
        optimizer.threads = BLAS.threads
        let loop = EpochLoop<TabularCheckpointExtra, MLP>(
            model: model, epochs: config.epochs, patience: config.earlyStoppingPatience, classNames: train.classNames,
            validationLabels: validation.labels, testLabels: splits.test.labels,
            trainEpoch: { epoch, optimizer in trainEpoch(model: model, optimizer: &optimizer, data: train, config: config, epoch: epoch) },
            evaluateValidation: { evaluate(model: model, data: validation) },
            evaluateTest: { evaluate(model: model, data: splits.test) },
            weights: { model.weightData() },
            loadWeights: { weights throws(FineTuneError) in try model.loadStateDict(weights.mapValues(\.floats)) })
        return try loop.run(optimizer: optimizer, fromEpoch: fromEpoch, last: last, checkpoint: checkpoint,
                            testEveryEpoch: testEveryEpoch, onEpoch: onEpoch) {
            TabularCheckpointExtra(preprocessor: splits.preprocessor, config: config)
        }
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
