// One image-classification trial: a backbone chosen by name (from scratch, ImageNet-pretrained
// EfficientNet-Lite0, or a zoo entry), dropout and a new linear head, trained under a fine-tuning
// strategy (linear probe on cached features, full, gradual unfreezing) with a discriminative
// backbone learning rate, label smoothing, augmentation, frozen BatchNorm and early stopping.
// Resumable at any epoch; all randomness derives from (seed, purpose, epoch). The epochs run in
// EpochLoop.swift. Leaves out the data and backbone readers (ImageSplits.swift, Backbone.swift).
import Foundation
import Tensors

/// The image fine-tuning task: `(config, from epoch, to epoch, checkpoint?) → metrics + checkpoint`.
public enum ImageTask {
    /// Reads the configured IDX data and draws the splits.
    public static func loadData(_ config: ImageTrialConfig) throws(FineTuneError) -> ImageSplits {
        let (train, test) = try ImageSplits.readIDX(config.data)
        return try ImageSplits.make(train: train, test: test, config: config)
    }

    /// Runs the trial from `fromEpoch` to `toEpoch` (default: all epochs), reading the data.
    public static func run(config: ImageTrialConfig, fromEpoch: Int = 0, toEpoch: Int? = nil, checkpoint: ImageCheckpoint? = nil,
                           measureCost: Bool = false, onCost: (ModelCost) -> Void = { _ in },
                           onTest: (ClassificationSummary) -> Void = { _ in },
                           onEpoch: (EpochMetrics) -> EpochDecision = { _ in .proceed }) throws(FineTuneError) -> ImageTrialResult {
        try config.validate()
        return try run(config: config, splits: loadData(config), fromEpoch: fromEpoch, toEpoch: toEpoch, checkpoint: checkpoint,
                       measureCost: measureCost, onCost: onCost, onTest: onTest, onEpoch: onEpoch)
    }

    /// As `run(config:fromEpoch:toEpoch:checkpoint:measureCost:onCost:onEpoch:)` with the splits at hand.
    /// With `measureCost`, the model's cost is measured before the first epoch (timings do not
    /// depend on the weights; trainable parameters are those of the last configured epoch) and
    /// handed to `onCost`. When the trial ends (last epoch, or early stopping) the test runs before
    /// that epoch's `onEpoch`, and `onTest` receives its summary.
    public static func run(config: ImageTrialConfig, splits raw: ImageSplits, fromEpoch: Int = 0, toEpoch: Int? = nil,
                           checkpoint: ImageCheckpoint? = nil, measureCost: Bool = false, onCost: (ModelCost) -> Void = { _ in },
                           onTest: (ClassificationSummary) -> Void = { _ in },
                           onEpoch: (EpochMetrics) -> EpochDecision = { _ in .proceed }) throws(FineTuneError) -> ImageTrialResult {
        try config.validate()
        guard raw.train.count > 0 else { throw FineTuneError(.invalidOptions, "the training set is empty") }
        let resolved = try BackboneFactory.resolve(config, dataShape: [raw.train.channels, raw.train.height, raw.train.width],
                                                   seed: SplitMix64.derivedSeed(config.seed, purpose: 1, index: 0))
        return try run(config: config, splits: raw, backbone: resolved, fromEpoch: fromEpoch, toEpoch: toEpoch, checkpoint: checkpoint,
                       measureCost: measureCost, onCost: onCost, onTest: onTest, onEpoch: onEpoch)
    }

    /// As above with the backbone at hand (built and loaded by the caller).
    public static func run(config: ImageTrialConfig, splits raw: ImageSplits, backbone resolved: ResolvedBackbone,
                           fromEpoch: Int = 0, toEpoch: Int? = nil,
                           checkpoint: ImageCheckpoint? = nil, measureCost: Bool = false, onCost: (ModelCost) -> Void = { _ in },
                           onTest: (ClassificationSummary) -> Void = { _ in },
                           onEpoch: (EpochMetrics) -> EpochDecision = { _ in .proceed }) throws(FineTuneError) -> ImageTrialResult {
        try config.validate()
        let last = try EpochLoop<ImageCheckpointExtra, ImageClassifier>.checkRange(
            fromEpoch: fromEpoch, toEpoch: toEpoch, epochs: config.epochs, checkpoint: checkpoint)
        guard raw.train.count > 0, raw.validation.count > 0 else {
            throw FineTuneError(.invalidOptions, "the training and validation sets must not be empty (train \(raw.train.count), validation \(raw.validation.count) images)")
        }
        let adapter = resolved.adapter, normalization = adapter.normalization
        let train = adapter.apply(raw.train), validation = adapter.apply(raw.validation)
        let taps = config.taps
        try taps?.check(resolved.network, name: config.backbone)
        let model = ImageClassifier(backbone: resolved.network, classes: train.classCount, dropout: Float(config.headDropout),
                                    seed: SplitMix64.derivedSeed(config.seed, purpose: 1, index: 1), taps: taps)
        model.freezeBatchNorm = config.freezeBn
        let blockCount = model.blockCount

        let stepsPerEpoch = (train.count + config.batchSize - 1) / config.batchSize
        let schedule: LearningRateSchedule = config.schedule == .cosine ? .cosine(totalSteps: max(1, stepsPerEpoch * config.epochs)) : .constant
        // Head at the base rate, each backbone block at backbone_lr_mult × it (discriminative rates).
        var groups = [ParameterGroup(name: "head", prefixes: ["head."])]
        for (i, names) in model.blockParameterNames().enumerated() where !names.isEmpty {
            groups.append(ParameterGroup(name: "block \(i)", prefixes: names,
                                         learningRateMultiplier: config.backboneLrMult))
        }
        var optimizer = Optimizer(settings: .adamW(weightDecay: config.weightDecay), learningRate: config.learningRate,
                                  schedule: schedule, groups: groups)
        optimizer.threads = BLAS.threads

        // A linear probe runs the frozen backbone once per image; its epochs cost only the head.
        let probe = config.strategy == .linearProbe
        var trainFeatures: Tensor?, validationFeatures: Tensor?
        var cost = checkpoint?.cost
        let loop = EpochLoop<ImageCheckpointExtra, ImageClassifier>(
            model: model, epochs: config.epochs, patience: config.patience, classNames: train.classNames,
            validationLabels: validation.labels, testLabels: raw.test.labels,
            trainEpoch: { epoch, optimizer in
                model.setTrainedBlocks(config.trainedBlocks(epoch: epoch, blockCount: blockCount))
                return trainEpoch(model, train, features: trainFeatures, normalization: normalization, optimizer: &optimizer,
                                  config: config, epoch: epoch)
            },
            evaluateValidation: { evaluate(model, validation, features: validationFeatures, normalization: normalization) },
            evaluateTest: { evaluate(model, adapter.apply(raw.test), features: nil, normalization: normalization) },
            weights: { model.weightData(buffers: true) },
            loadWeights: { weights throws(FineTuneError) in try model.loadWeights(weights) })
        func afterResume(_ resumed: Bool) {
            if probe { model.setTrainedBlocks(0) }
            trainFeatures = probe ? features(model, train, normalization: normalization) : nil
            validationFeatures = probe ? features(model, validation, normalization: normalization) : nil
            // Tap features are standardised with the training set's statistics under the starting
            // weights (a resumed trial has them from its checkpoint).
            if let standardizer = model.standardizer, !resumed {
                standardizer.fit(trainFeatures ?? features(model, train, normalization: normalization))
            }
            if let cost {
                onCost(cost)
            } else if measureCost {
                let finalBlocks = config.trainedBlocks(epoch: config.epochs, blockCount: blockCount)
                let trainable = model.trainedParameterCount(blocks: finalBlocks)
                let shape = adapter.shape
                var g = SplitMix64(seed: 7)
                let measured = ModelCost.measure(model, trainable: trainable, size: model.runningSize()) { n in
                    Tensor(shape: [n] + shape, scalars: (0..<(n * shape.reduce(1, *))).map { _ in Float(g.unitDouble()) })
                }
                cost = measured
                onCost(measured)
            }
        }
        return try loop.run(optimizer: optimizer, fromEpoch: fromEpoch, last: last, checkpoint: checkpoint,
                            afterResume: afterResume, onTest: onTest, onEpoch: onEpoch) { ImageCheckpointExtra(config: config, cost: cost) }
    }

    /// Backbone features of every image [count, F] (before the standardizer), in evaluation mode.
    static func features(_ model: ImageClassifier, _ data: ImageDataset, normalization: ImageNormalization, batchSize: Int = 256) -> Tensor {
        model.eval()
        defer { model.train() }
        return Autograd.withoutGrad {
            var out: [Float] = []
            var start = 0
            while start < data.count {
                let rows = Array(start..<min(start + batchSize, data.count))
                start += rows.count
                out += model.body(normalization.apply(to: data.batch(rows).images)).scalars
            }
            return Tensor(shape: [data.count, model.body.featureCount], scalars: out)
        }
    }

    /// One shuffled pass; returns the mean training loss.
    static func trainEpoch(_ model: ImageClassifier, _ data: ImageDataset, features: Tensor?, normalization: ImageNormalization,
                           optimizer: inout Optimizer, config: ImageTrialConfig, epoch: Int) -> Double {
        model.trainMode()
        model.dropout.generator = SplitMix64(seed: SplitMix64.derivedSeed(config.seed, purpose: 3, index: UInt64(epoch)))
        var order = Array(0..<data.count)
        var shuffler = SplitMix64(seed: SplitMix64.derivedSeed(config.seed, purpose: 2, index: UInt64(epoch)))
        shuffler.shuffle(&order)
        let augmentation = ImageAugmentation(strength: config.augment)
        var batchIndex = 0
        let params = model.trainableParameters()
        var total = 0.0, start = 0
        while start < order.count {
            let rows = Array(order[start..<min(start + config.batchSize, order.count)])
            start += rows.count
            for (_, t) in params { t.zeroGrad() }
            let logits: Tensor
            if let features {
                logits = model.headLogits(features: features.gather(rows: rows))
            } else {
                let seed = ImageAugmentation.batchSeed(runSeed: config.seed, epoch: epoch, batch: batchIndex)
                logits = model(data.batch(rows, augmentation: augmentation, seed: seed, normalization: normalization).images)
            }
            batchIndex += 1
            let crossEntropy = Tensor.crossEntropy(logits: logits, labels: rows.map { data.labels[$0] }, labelSmoothing: Float(config.labelSmoothing))
            let loss = config.headL2 > 0 ? crossEntropy + (model.head.weight * model.head.weight).sum() * Float(config.headL2 / 2) : crossEntropy
            loss.backward()
            optimizer.step(params)
            total += Double(crossEntropy.item) * Double(rows.count)
        }
        return total / Double(max(1, data.count))
    }

    /// Mean cross-entropy and softmax probabilities [count × classes], in evaluation mode.
    static func evaluate(_ model: ImageClassifier, _ data: ImageDataset, features: Tensor?, normalization: ImageNormalization,
                         batchSize: Int = 256) -> (loss: Double, probabilities: [Float]) {
        model.eval()
        defer { model.train() }
        return Autograd.withoutGrad {
            var probabilities: [Float] = [], total = 0.0, start = 0
            while start < data.count {
                let rows = Array(start..<min(start + batchSize, data.count))
                start += rows.count
                let z = features.map { model.headLogits(features: $0.gather(rows: rows)) } ?? model(normalization.apply(to: data.batch(rows).images))
                total += Double(Tensor.crossEntropy(logits: z, labels: rows.map { data.labels[$0] }).item) * Double(rows.count)
                probabilities += z.softmax(axis: -1).scalars
            }
            return (total / Double(max(1, data.count)), probabilities)
        }
    }
}
