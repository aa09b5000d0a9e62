// The image transfer task on small synthetic images: what each strategy trains (frozen parameters
// stay bit-identical, gradual unfreezing thaws from the output side, the backbone's learning-rate
// multiplier reaches its updates, frozen BatchNorm keeps its statistics), resuming at an epoch
// repeats the uninterrupted run, and the cost figures add up.
import Foundation
import Testing
import Tensors
@testable import FineTune

/// `perClass` grey 8×8 images of 4 classes: class c lights quadrant c, plus seeded noise.
func quadrantImages(perClass: Int, seed: UInt64, channels: Int = 1) -> ImageDataset {
    var g = SplitMix64(seed: seed)
    var pixels: [Float] = [], labels: [Int] = []
    for i in 0..<(4 * perClass) {
        let c = i % 4
        for _ in 0..<channels {
            for y in 0..<8 {
                for x in 0..<8 {
                    let lit = (y < 4 ? 0 : 2) + (x < 4 ? 0 : 1) == c
                    pixels.append((lit ? 0.7 : 0.1) + Float(g.unitDouble()) * 0.3)
                }
            }
        }
        labels.append(c)
    }
    return ImageDataset(channels: channels, height: 8, width: 8, pixels: pixels, labels: labels, classNames: ["a", "b", "c", "d"])
}

func quadrantSplits(channels: Int = 1) -> ImageSplits {
    ImageSplits(train: quadrantImages(perClass: 6, seed: 1, channels: channels),
                validation: quadrantImages(perClass: 4, seed: 2, channels: channels),
                test: quadrantImages(perClass: 5, seed: 3, channels: channels))
}

/// A small CNN for 1×8×8 inputs (blocks conv1, conv2).
func smallCNNBackbone(seed: UInt64 = 5) -> ResolvedBackbone {
    var g = SplitMix64(seed: seed)
    return ResolvedBackbone(network: SmallCNN(channels: 1, height: 8, width: 8, classes: 10, generator: &g),
                            adapter: InputAdapter(shape: [1, 8, 8]), origin: "test", pretrained: false)
}

/// A tiny EfficientNet-Lite (stem, two MBConv blocks, head conv) for 3×8×8 inputs: BatchNorm in every block.
func tinyLiteBackbone(seed: UInt64 = 5) -> ResolvedBackbone {
    var g = SplitMix64(seed: seed)
    let net = EfficientNetLite(classes: 10, stages: [.init(repeats: 2, kernel: 3, stride: 1, expansion: 2, outChannels: 8)], generator: &g)
    return ResolvedBackbone(network: net, adapter: InputAdapter(shape: [3, 8, 8]), origin: "test", pretrained: false)
}

func baseConfig(_ strategy: FineTuneStrategy, epochs: Int = 2) -> ImageTrialConfig {
    var c = ImageTrialConfig()
    c.strategy = strategy
    c.epochs = epochs
    c.batchSize = 8
    c.learningRate = 0.01
    return c
}

/// Values of every parameter and buffer by name.
func snapshot(_ result: ImageTrialResult) -> [String: [Float]] {
    result.checkpoint.weights.mapValues(\.floats)
}

/// The classifier's values before training (the head seeded as `ImageTask` seeds it for `seed`).
func initial(_ backbone: ResolvedBackbone, classes: Int = 4, seed: UInt64 = 0) -> [String: [Float]] {
    let m = ImageClassifier(backbone: backbone.network, classes: classes, dropout: 0,
                            seed: SplitMix64.derivedSeed(seed, purpose: 1, index: 1))
    return Dictionary(uniqueKeysWithValues: (m.namedParameters() + m.namedBuffers()).map { ($0.name, $0.tensor.scalars) })
}

@Test func linearProbeLeavesTheBackboneBitIdenticalAndTrainsTheHead() throws {
    let backbone = smallCNNBackbone()
    let before = initial(backbone)
    let r = try ImageTask.run(config: baseConfig(.linearProbe, epochs: 3), splits: quadrantSplits(), backbone: backbone)
    let after = snapshot(r)
    for name in before.keys where name.hasPrefix("backbone.") { #expect(after[name] == before[name], "\(name) moved") }
    #expect(after["head.weight"] != nil)
    #expect(r.history.count == 3)
    #expect(r.test != nil && r.testReport != nil)
}

@Test func gradualUnfreezingThawsBlocksFromTheOutputSide() throws {
    var c = baseConfig(.gradual, epochs: 5)
    c.unfreezeEvery = 2
    #expect((1...7).map { c.trainedBlocks(epoch: $0, blockCount: 2) } == [0, 0, 1, 1, 2, 2, 2])
    c.unfreezeEvery = 1
    c.unfreezeBlocks = 2
    #expect((1...4).map { c.trainedBlocks(epoch: $0, blockCount: 3) } == [0, 2, 3, 3])
    #expect(baseConfig(.full).trainedBlocks(epoch: 1, blockCount: 4) == 4)
    #expect(baseConfig(.linearProbe).trainedBlocks(epoch: 9, blockCount: 4) == 0)

    // Epoch 1: head only; epoch 2: conv2 (the last block) too; conv1 never within 2 epochs.
    c = baseConfig(.gradual, epochs: 3)
    let backbone = smallCNNBackbone()
    let before = initial(backbone)
    let splits = quadrantSplits()
    let one = snapshot(try ImageTask.run(config: c, splits: splits, backbone: backbone, toEpoch: 1))
    #expect(one["backbone.conv1.weight"] == before["backbone.conv1.weight"])
    #expect(one["backbone.conv2.weight"] == before["backbone.conv2.weight"])
    #expect(one["head.weight"] != before["head.weight"])
    let two = snapshot(try ImageTask.run(config: c, splits: splits, backbone: smallCNNBackbone(), toEpoch: 2))
    #expect(two["backbone.conv1.weight"] == before["backbone.conv1.weight"])
    #expect(two["backbone.conv2.weight"] != before["backbone.conv2.weight"])
    let three = snapshot(try ImageTask.run(config: c, splits: splits, backbone: smallCNNBackbone(), toEpoch: 3))
    #expect(three["backbone.conv1.weight"] != before["backbone.conv1.weight"])
}

@Test func backboneLearningRateMultiplierScalesTheBackboneUpdates() throws {
    // One AdamW step (batch holds all 24 images, no weight decay, constant rate): Adam's first
    // step moves each element by lr·multiplier·|g| / (|g| + ε).
    var c = baseConfig(.full, epochs: 1)
    c.batchSize = 64
    c.weightDecay = 0
    c.schedule = .constant
    c.learningRate = 0.01
    c.backboneLrMult = 0.1
    let backbone = smallCNNBackbone()
    let before = initial(backbone)
    let after = snapshot(try ImageTask.run(config: c, splits: quadrantSplits(), backbone: backbone))
    func steps(_ name: String) -> [Float] {
        zip(after[name]!, before[name]!).map { abs($0 - $1) }.filter { $0 > 1e-7 }
    }
    let head = steps("head.weight"), conv = steps("backbone.conv2.weight"), conv1 = steps("backbone.conv1.bias")
    #expect(!head.isEmpty && !conv.isEmpty && !conv1.isEmpty)
    // |Δ| = lr·|g| / (|g| + ε) ≤ lr, equal to lr but for gradients near ε.
    #expect(abs(head.max()! - 0.01) < 1e-6 && head.allSatisfy { $0 <= 0.01 * (1 + 1e-4) })
    for d in [conv, conv1] { #expect(abs(d.max()! - 0.001) < 1e-7 && d.allSatisfy { $0 <= 0.001 * (1 + 1e-4) }) }
    #expect(conv.filter { abs($0 - 0.001) < 1e-5 }.count > conv.count / 2)
}

@Test func frozenBatchNormKeepsItsRunningStatistics() throws {
    let splits = quadrantSplits(channels: 3)
    let bnNames = initial(tinyLiteBackbone()).keys.filter { $0.hasSuffix("running_mean") || $0.hasSuffix("running_var") }
    #expect(bnNames.count == 2 * 8)   // stem, 2 × (expand, depthwise, project), head
    let before = initial(tinyLiteBackbone())

    var c = baseConfig(.full, epochs: 1)
    c.freezeBn = true
    let frozen = snapshot(try ImageTask.run(config: c, splits: splits, backbone: tinyLiteBackbone()))
    for name in bnNames { #expect(frozen[name] == before[name], "\(name) moved with freeze_bn") }
    #expect(frozen["backbone._bn0.weight"] != before["backbone._bn0.weight"])   // its affine parameters still train

    c.freezeBn = false
    let live = snapshot(try ImageTask.run(config: c, splits: splits, backbone: tinyLiteBackbone()))
    for name in bnNames { #expect(live[name] != before[name], "\(name) did not move without freeze_bn") }

    // Gradual, epoch 1: every block is frozen, so no statistics move either.
    let gradual = snapshot(try ImageTask.run(config: baseConfig(.gradual, epochs: 1), splits: splits, backbone: tinyLiteBackbone()))
    for name in bnNames { #expect(gradual[name] == before[name]) }
}

@Test func resumingAtAnEpochRepeatsTheUninterruptedRun() throws {
    var c = baseConfig(.gradual, epochs: 4)
    c.headDropout = 0.3
    c.augment = 0.8
    c.labelSmoothing = 0.1
    c.backboneLrMult = 0.5
    c.patience = 10
    let splits = quadrantSplits(channels: 3)
    let whole = try ImageTask.run(config: c, splits: splits, backbone: tinyLiteBackbone())
    let first = try ImageTask.run(config: c, splits: splits, backbone: tinyLiteBackbone(), toEpoch: 2)
    let file = FileManager.default.temporaryDirectory.appendingPathComponent("rung-image-\(UUID().uuidString).safetensors")
    defer { try? FileManager.default.removeItem(at: file) }
    try first.checkpoint.write(to: file)
    let read = try ImageCheckpoint(contentsOf: file)
    #expect(read.config == c && read.epoch == 2)
    let second = try ImageTask.run(config: c, splits: splits, backbone: tinyLiteBackbone(), fromEpoch: 2, checkpoint: read)
    #expect(second.history.map(\.withoutTiming) == whole.history.map(\.withoutTiming))
    #expect(snapshot(second) == snapshot(whole))
    #expect(second.checkpoint.optimizerState == whole.checkpoint.optimizerState)
    #expect(second.test == whole.test)
}

@Test func earlyStoppingEndsTheTrialAndTestsIt() throws {
    var c = baseConfig(.full, epochs: 30)
    c.learningRate = 0.05
    c.patience = 1
    var tested = 0
    let r = try ImageTask.run(config: c, splits: quadrantSplits(), backbone: smallCNNBackbone(), onTest: { _ in tested += 1 })
    #expect(r.stoppedEarly && r.completedEpochs < 30 && tested == 1 && r.test != nil)
}

@Test func costFiguresAddUp() throws {
    let backbone = smallCNNBackbone()
    var cost: ModelCost?
    let r = try ImageTask.run(config: baseConfig(.linearProbe, epochs: 1), splits: quadrantSplits(), backbone: backbone,
                              measureCost: true, onCost: { cost = $0 })
    let m = r.model
    let head = 4 * 256 + 4, conv = 32 * 9 + 32 + 64 * 32 * 9 + 64
    #expect(m.backbone.featureCount == 256)
    #expect(cost == r.cost)
    let c = try #require(cost)
    #expect(c.paramsTotal == conv + head)             // the backbone's own 10-class classifier is left out
    #expect(c.paramsTrainable == head)
    #expect(c.memoryMB == Double((conv + head) * 4) / 1_048_576)
    #expect(c.latencyMs > 0 && c.latencyMs.isFinite && c.imagesPerSecond > 0 && c.imagesPerSecond.isFinite)
    #expect(Set(c.fields.keys) == ["params_total", "params_trainable", "latency_ms", "images_per_s", "memory_mb"])

    var full: ModelCost?
    _ = try ImageTask.run(config: baseConfig(.full, epochs: 1), splits: quadrantSplits(), backbone: smallCNNBackbone(),
                          measureCost: true, onCost: { full = $0 })
    #expect(full?.paramsTrainable == conv + head)
    #expect(ModelCost.median([3, 1, 2]) == 2 && ModelCost.median([4, 1, 2, 3]) == 2.5)
}

@Test func configDecodingRefusesUnknownKeysAndChecksRanges() throws {
    let c = try ImageTrialConfig.decode(json: Data(#"{"strategy": "linear_probe", "shots": 20, "classes": [5, 6], "freezeBn": 1}"#.utf8), source: "t")
    #expect(c.strategy == .linearProbe && c.shots == 20 && c.classes == [5, 6] && c.freezeBn)
    #expect(throws: FineTuneError.self) { try ImageTrialConfig.decode(json: Data(#"{"strategi": "full"}"#.utf8), source: "t") }
    var bad = ImageTrialConfig()
    bad.augment = 2
    #expect(throws: FineTuneError.self) { try bad.validate() }
}

@Test func splitsDrawDisjointFewShotAndValidationSets() throws {
    var c = ImageTrialConfig()
    c.classes = [3, 1]
    c.shots = 2
    c.validationPerClass = 3
    let all = quadrantImages(perClass: 10, seed: 9)
    let s = try ImageSplits.make(train: all, test: quadrantImages(perClass: 4, seed: 4), config: c)
    #expect(s.train.classNames == ["d", "b"] && s.train.classCounts == [2, 2] && s.validation.classCounts == [3, 3])
    #expect(s.test.classCounts == [4, 4])
    let trainImages = Set((0..<s.train.count).map { Array(s.train.image($0)) })
    #expect((0..<s.validation.count).allSatisfy { !trainImages.contains(Array(s.validation.image($0))) })
    c.validationPerClass = 9
    #expect(throws: FineTuneError.self) { try ImageSplits.make(train: all, test: all, config: c) }
}

@Test func pretrainedBackbonesRoundTripThroughTheZoo() throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rung-zoo-\(UUID().uuidString)").path
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let r = try ImageTask.run(config: baseConfig(.full, epochs: 1), splits: quadrantSplits(), backbone: smallCNNBackbone())
    let info = PretrainedBackboneInfo(name: "quad", architecture: "smallcnn", inputShape: [1, 8, 8], featureCount: 256,
                                      parameters: r.model.body.parameterCount, sourceTask: "quadrants", data: "-", classes: [0, 1, 2, 3],
                                      classNames: ["a", "b", "c", "d"], date: "2026-01-01T00:00:00Z", accuracy: 1, epochs: 1)
    try PretrainedZoo.save(r.model, info: info, to: dir)
    #expect(PretrainedZoo.list(dir) == [info])
    var c = ImageTrialConfig()
    c.backbone = "quad"
    c.zoo = dir
    let resolved = try BackboneFactory.resolve(c, dataShape: [1, 8, 8], seed: 99)
    #expect(resolved.pretrained)
    let loaded = BackboneBody(resolved.network).stateDict()
    #expect(loaded == r.model.body.stateDict())
    c.backbone = "nope"
    #expect(throws: FineTuneError.self) { try BackboneFactory.resolve(c, dataShape: [1, 8, 8], seed: 0) }
}

@Test func inputAdapterReplicatesAndResizes() {
    let d = ImageDataset(channels: 1, height: 2, width: 2, pixels: [0, 1, 1, 0], labels: [0], classNames: ["x"])
    #expect(InputAdapter(shape: [1, 2, 2]).apply(d) == d)
    let same = InputAdapter(shape: [3, 2, 2]).apply(d)
    #expect(same.pixels == [0, 1, 1, 0, 0, 1, 1, 0, 0, 1, 1, 0])
    let up = InputAdapter(shape: [3, 4, 4]).apply(d)
    #expect(up.channels == 3 && up.height == 4 && up.width == 4 && up.pixels.count == 48)
    #expect(up.pixels[0] == 0 && up.pixels[3] == 1)
}
