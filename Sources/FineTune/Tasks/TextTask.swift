// One text-classification trial: a pretrained BERT encoder, a linear head on its pooled output, the
// top `unfreezeLayers` layers trained with layer-wise learning rates, the layers below run once to
// cache their output (so a linear probe's epochs cost only the head). Resumable at any epoch; all
// randomness derives from (seed, purpose, epoch). Leaves out training the embeddings.
import Foundation
import Tensors

/// Train, validation and test texts of one trial.
public struct TextSplits: Sendable {
    public var train: TextDataset
    public var validation: TextDataset
    public var test: TextDataset
}

/// What a text trial produced.
public struct TextTrialResult: Sendable {
    /// Metrics of the epochs run in this call.
    public var epochs: [EpochMetrics]
    /// Metrics of every epoch so far (checkpoint history included).
    public var history: [EpochMetrics]
    /// Epochs done in all.
    public var completedEpochs: Int
    /// Test metrics, when the configured epochs are done.
    public var test: ClassificationSummary?
    public var testReport: ClassificationReport?
    /// State to resume from.
    public var checkpoint: TextCheckpoint
    /// Parameters of encoder and head, and how many of them train.
    public var parameterCount: Int
    public var trainableParameterCount: Int
    public var classNames: [String]
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
        let last = toEpoch ?? config.epochs
        guard fromEpoch >= 0, fromEpoch <= last, last <= config.epochs else {
            throw FineTuneError(.invalidOptions, "epoch range \(fromEpoch)→\(last) must satisfy 0 ≤ from ≤ to ≤ \(config.epochs)")
        }
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
        var optimizer = Optimizer(settings: .adamW(weightDecay: config.weightDecay), learningRate: config.learningRate,
                                  schedule: warm > 0 ? .warmup(steps: warm, startFactor: 0.1, then: main) : main, groups: groups)
        var history: [EpochMetrics] = []
        try checkResumePoint(checkpointEpoch: checkpoint?.epoch, fromEpoch: fromEpoch)
        if let checkpoint {
            try model.loadTrainable(checkpoint.weights)
            try optimizer.restoreState(from: checkpoint.optimizerState, stepCount: checkpoint.stepCount)
            history = checkpoint.history
        }

        var ran: [EpochMetrics] = []
        var epoch = fromEpoch
        while epoch < last {
            epoch += 1
            let start = Date()
            let trainLoss = model.trainEpoch(trainFeatures, labels: splits.train.labels, optimizer: &optimizer,
                                             batchSize: config.batchSize, labelSmoothing: Float(config.labelSmoothing),
                                             seed: SplitMix64.derivedSeed(config.seed, purpose: 2, index: UInt64(epoch)))
            let (valLoss, probabilities) = model.evaluate(validationFeatures, labels: splits.validation.labels)
            let s = try Metrics.summary(labels: splits.validation.labels, probabilities: probabilities, classCount: classCount)
            let m = EpochMetrics(epoch: epoch, trainLoss: trainLoss, validationLoss: valLoss, accuracy: s.accuracy,
                                 macroF1: s.macroF1, weightedF1: s.weightedF1, macroPrecision: s.macroPrecision,
                                 macroRecall: s.macroRecall, rocAUC: s.rocAUC,
                                 learningRate: optimizer.baseLearningRate * optimizer.schedule.factor(at: max(optimizer.stepCount - 1, 0)),
                                 seconds: Date().timeIntervalSince(start))
            ran.append(m)
            history.append(m)
            if onEpoch(m) == .stop { break }
        }
        var test: ClassificationSummary?, testReport: ClassificationReport?
        if epoch == config.epochs && splits.test.count > 0 {
            let (_, p) = model.evaluate(model.frozenFeatures(truncated(splits.test)), labels: splits.test.labels)
            test = try Metrics.summary(labels: splits.test.labels, probabilities: p, classCount: classCount)
            testReport = try Metrics.report(labels: splits.test.labels, predictions: Metrics.argmax(probabilities: p, classCount: classCount),
                                            classCount: classCount)
        }
        let trainable = model.trainableParameters()
        return TextTrialResult(
            epochs: ran, history: history, completedEpochs: epoch, test: test, testReport: testReport,
            checkpoint: TextCheckpoint(epoch: epoch, stepCount: optimizer.stepCount,
                                       weights: Dictionary(uniqueKeysWithValues: trainable.map { ($0.name, $0.tensor.scalars) }),
                                       shapes: Dictionary(uniqueKeysWithValues: trainable.map { ($0.name, $0.tensor.shape) }),
                                       optimizerState: optimizer.stateArrays(), config: config, history: history),
            parameterCount: model.parameterCount, trainableParameterCount: trainable.reduce(0) { $0 + $1.tensor.count },
            classNames: splits.train.classNames)
    }
}
