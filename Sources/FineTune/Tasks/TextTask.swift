// One text-classification trial: a pretrained BERT encoder, a linear head on its pooled output, the
// top `unfreezeLayers` layers trained with layer-wise learning rates, the layers below run once to
// cache their output (so a linear probe's epochs cost only the head). Resumable at any epoch, with
// early stopping on the validation loss; all randomness derives from (seed, purpose, epoch). The
// epochs run in EpochLoop.swift. Leaves out training the embeddings.
import Foundation
import Tensors

/// Train, validation and test texts of one trial.
public struct TextSplits: Sendable {
    public var train: TextDataset
    public var validation: TextDataset
    public var test: TextDataset
}

/// The text fine-tuning task: `(config, from epoch, to epoch, checkpoint?) → metrics + checkpoint`.
public enum TextTask {
    /// Reads the data and draws the stratified test, validation and training sets.
    public static func loadData(_ config: TextTrialConfig) throws(FineTuneError) -> TextSplits {
        let all = try TextData.load(URL(fileURLWithPath: config.data), textColumn: config.textColumn, labelColumn: config.labelColumn)
        let n = all.count
        let testCount = config.testSize ?? Int((Double(n) * config.testFraction).rounded())
        let trainCount = config.trainSize ?? (n - testCount)
        guard testCount > 0, trainCount > 1, testCount + trainCount <= n else {
            throw FineTuneError(.invalidOptions, "\(config.data) holds \(n) examples; train_size \(trainCount) + test_size \(testCount) must be positive and fit")
        }
        // Stratified draws: the test set, then the training pool out of the rest, then validation
        // out of the pool.
        let first = try StratifiedSplit.split(labels: all.labels, classNames: all.classNames, validationFraction: 0,
                                              testFraction: Double(testCount) / Double(n), seed: config.splitSeed, source: config.data)
        var pool = all.subset(first.train)
        if trainCount < pool.count {
            let second = try StratifiedSplit.split(labels: pool.labels, classNames: pool.classNames, validationFraction: 0,
                                                   testFraction: 1 - Double(trainCount) / Double(pool.count),
                                                   seed: config.splitSeed &+ 1, source: config.data)
            pool = pool.subset(second.train)
        }
        let third = try StratifiedSplit.split(labels: pool.labels, classNames: pool.classNames,
                                              validationFraction: config.validationFraction, testFraction: 0,
                                              seed: config.splitSeed &+ 2, source: config.data)
        return TextSplits(train: pool.subset(third.train), validation: pool.subset(third.validation),
                          test: all.subset(first.test))
    }

    /// Runs the trial from `fromEpoch` to `toEpoch` (default: all epochs), reading model and data.
    public static func run(config: TextTrialConfig, fromEpoch: Int = 0, toEpoch: Int? = nil,
                           checkpoint: TextCheckpoint? = nil,
                           onEpoch: (EpochMetrics) -> EpochDecision = { _ in .proceed }) throws(FineTuneError) -> TextTrialResult {
        let directory = URL(fileURLWithPath: config.model, isDirectory: true)
        let encoder = try BertEncoder.load(directory: directory)
        let tokenizer: WordPieceTokenizer
        do { tokenizer = try WordPieceTokenizer(vocabularyFile: directory.appendingPathComponent("vocab.txt")) } catch {
            throw FineTuneError(.unreadableFile, "\(error)")
        }
        return try run(config: config, encoder: encoder, tokenizer: tokenizer, splits: loadData(config),
                       fromEpoch: fromEpoch, toEpoch: toEpoch, checkpoint: checkpoint, onEpoch: onEpoch)
    }

    /// As `run(config:fromEpoch:toEpoch:checkpoint:onEpoch:)` with model and data at hand.
    public static func run(config: TextTrialConfig, encoder: BertEncoder, tokenizer: WordPieceTokenizer, splits: TextSplits,
                           fromEpoch: Int = 0, toEpoch: Int? = nil, checkpoint: TextCheckpoint? = nil,
                           onEpoch: (EpochMetrics) -> EpochDecision = { _ in .proceed }) throws(FineTuneError) -> TextTrialResult {
        let layerCount = encoder.layers.count
        try config.validate(layers: layerCount)
        AllocatorTuning.keepFreedMemory()   // an encoder step frees and reallocates megabytes of buffers
        let last = try EpochLoop<TextCheckpointExtra, TextClassifier>.checkRange(
            fromEpoch: fromEpoch, toEpoch: toEpoch, epochs: config.epochs, checkpoint: checkpoint)
        let classCount = splits.train.classNames.count
        let model = TextClassifier(encoder: encoder, classes: classCount, trainedLayers: config.unfreezeLayers,
                                   pooling: config.pooling, dropout: Float(config.dropout), seed: SplitMix64.derivedSeed(config.seed, purpose: 1, index: 0))
        // [CLS] pieces [SEP], cut to maxLength keeping [SEP] last; padding is added per batch.
        func truncated(_ d: TextDataset) -> [[Int]] {
            d.texts.map { text in
                let t = tokenizer.ids(text)
                return t.count <= config.maxLength ? t : Array(t.prefix(config.maxLength - 1)) + [tokenizer.separatorID]
            }
        }
        let trainFeatures = model.frozenFeatures(truncated(splits.train))
        let validationFeatures = model.frozenFeatures(truncated(splits.validation))

        let stepsPerEpoch = (splits.train.count + config.batchSize - 1) / config.batchSize
        let total = stepsPerEpoch * config.epochs, warm = Int(Double(total) * config.warmupFraction)
        let main: LearningRateSchedule = switch config.schedule {
        case .constant: .constant
        case .linear: .linear(totalSteps: max(1, total - warm))
        case .cosine: .cosine(totalSteps: max(1, total - warm))
        }
        var groups = [ParameterGroup(name: "head", prefixes: ["head."])]
        for i in (layerCount - config.unfreezeLayers)..<layerCount {
            let depth = Double(layerCount - 1 - i)
            groups.append(ParameterGroup(name: "layer \(i)", prefixes: ["encoder.encoder.layer.\(i)."],
                                         learningRateMultiplier: config.encoderLearningRate / config.learningRate * pow(config.layerDecay, depth)))
        }
        groups.append(ParameterGroup(name: "frozen", frozen: true))
        let optimizer = Optimizer(settings: .adamW(weightDecay: config.weightDecay), learningRate: config.learningRate,
                                  schedule: warm > 0 ? .warmup(steps: warm, startFactor: 0.1, then: main) : main, groups: groups)
        let loop = EpochLoop<TextCheckpointExtra, TextClassifier>(
            model: model, epochs: config.epochs, patience: config.patience, classNames: splits.train.classNames,
            validationLabels: splits.validation.labels, testLabels: splits.test.labels,
            trainEpoch: { epoch, optimizer in
                model.trainEpoch(trainFeatures, labels: splits.train.labels, optimizer: &optimizer,
                                 batchSize: config.batchSize, labelSmoothing: Float(config.labelSmoothing),
                                 seed: SplitMix64.derivedSeed(config.seed, purpose: 2, index: UInt64(epoch)))
            },
            evaluateValidation: { model.evaluate(validationFeatures, labels: splits.validation.labels) },
            evaluateTest: { model.evaluate(model.frozenFeatures(truncated(splits.test)), labels: splits.test.labels) },
            weights: { model.weightData(trainableOnly: true) },
            loadWeights: { weights throws(FineTuneError) in try model.loadTrainable(weights.mapValues(\.floats)) })
        return try loop.run(optimizer: optimizer, fromEpoch: fromEpoch, last: last, checkpoint: checkpoint,
                            onEpoch: onEpoch) { TextCheckpointExtra(config: config) }
    }
}
