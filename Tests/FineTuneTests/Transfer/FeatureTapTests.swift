// Probes on intermediate layers: each backbone's taps agree with its own features where they
// should, the tap features have the width they claim, the standardiser centres and scales the
// training features, the head's L2 penalty shrinks the head, a tapped probe resumes bit for bit,
// and bad tap settings are refused with the accepted range.
import Foundation
import Testing
import Tensors
@testable import FineTune

private func input(_ shape: [Int], seed: UInt64) -> Tensor {
    var g = SplitMix64(seed: seed)
    return Tensor(shape: shape, scalars: (0..<shape.reduce(1, *)).map { _ in Float(g.unitDouble()) })
}

private func close(_ a: [Float], _ b: [Float], _ tolerance: Float = 1e-5) -> Bool {
    a.count == b.count && zip(a, b).allSatisfy { abs($0 - $1) <= tolerance * max(1, abs($1)) }
}

@Test func lastTapsReproduceEachBackbonesOwnFeatures() {
    var g = SplitMix64(seed: 3)
    let lite = EfficientNetLite(classes: 10, generator: &g)
    lite.eval()
    #expect(lite.tapChannels == [16, 24, 40, 80, 112, 192, 320, 1280])
    let x = input([2, 3, 64, 64], seed: 1)
    let maps = lite.tapMaps(x, through: 8)
    #expect(maps.map(\.shape) == [[2, 16, 32, 32], [2, 24, 16, 16], [2, 40, 8, 8], [2, 80, 4, 4], [2, 112, 4, 4],
                                  [2, 192, 2, 2], [2, 320, 2, 2], [2, 1280, 2, 2]])
    #expect(close(Tensor.globalAvgPool2d(maps[7]).scalars, lite.features(x).scalars))
    #expect(lite.tapMaps(x, through: 3).count == 3)
    #expect(close(lite.tapMaps(x, through: 3)[2].scalars, maps[2].scalars))

    let cnn = SmallCNN(channels: 1, height: 28, width: 28, classes: 10, generator: &g)
    let y = input([2, 1, 28, 28], seed: 2)
    #expect(cnn.tapChannels == [32, 64])
    let cnnBody = BackboneBody(cnn, taps: FeatureTaps(first: 2, last: 2, grid: 7))
    #expect(cnnBody.featureCount == cnn.featureCount)
    #expect(close(cnnBody(y).scalars, cnn.features(y).scalars))

    let resnet = SmallResNet(channels: 1, height: 28, width: 28, classes: 10, generator: &g)
    resnet.eval()
    #expect(resnet.tapChannels == [16, 16, 32, 64])
    #expect(close(BackboneBody(resnet, taps: FeatureTaps(first: 4, last: 4, grid: 1))(y).scalars, resnet.features(y).scalars))
}

@Test func tapFeaturesConcatenateThePooledMaps() {
    var g = SplitMix64(seed: 4)
    let lite = EfficientNetLite(classes: 10, generator: &g)
    lite.eval()
    let taps = FeatureTaps(first: 2, last: 4, grid: 3)
    let body = BackboneBody(lite, taps: taps)
    #expect(body.featureCount == (24 + 40 + 80) * 9)
    let x = input([2, 3, 48, 48], seed: 5)
    let f = body(x)
    #expect(f.shape == [2, body.featureCount])
    // Row 1's block of tap 3 (40 channels × 9 cells) is the 3×3 average pool of that map.
    let map = lite.tapMaps(x, through: 3)[2]
    let pooled = Tensor.adaptiveAvgPool2d(map, outputHeight: 3, outputWidth: 3).scalars
    let row = Array(f.scalars[body.featureCount...])
    #expect(close(Array(row[(24 * 9)..<(64 * 9)]), Array(pooled[(40 * 9)...])))
}

@Test func standardizerCentresAndScalesTheTrainingFeatures() {
    let s = FeatureStandardizer(count: 3)
    let x = Tensor(shape: [4, 3], scalars: [1, 10, 5, 2, 20, 5, 3, 30, 5, 4, 40, 5])
    #expect(s(x).scalars == x.scalars)   // the identity before fitting
    s.fit(x)
    let y = s(x).scalars
    for c in 0..<3 {
        let column = (0..<4).map { Double(y[$0 * 3 + c]) }
        let mean = column.reduce(0, +) / 4
        let sd = (column.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 3).squareRoot()
        #expect(abs(mean) < 1e-5)
        #expect(c == 2 ? sd == 0 : abs(sd - 1) < 1e-4, "column \(c): sd \(sd)")   // a constant feature stays 0
    }
}

/// A tapped probe on the small CNN over the quadrant images.
private func tappedConfig(epochs: Int = 3) -> ImageTrialConfig {
    var c = baseConfig(.linearProbe, epochs: epochs)
    c.featureTaps = "1-2"
    c.tapGrid = 2
    return c
}

@Test func tappedProbeLearnsKeepsTheBackboneAndResumesBitForBit() throws {
    let splits = quadrantSplits()
    let before = initial(smallCNNBackbone())
    var c = tappedConfig(epochs: 4)
    c.headDropout = 0.2
    c.headL2 = 0.1
    let whole = try ImageTask.run(config: c, splits: splits, backbone: smallCNNBackbone())
    let after = snapshot(whole)
    for name in before.keys where name.hasPrefix("backbone.") { #expect(after[name] == before[name], "\(name) moved") }
    #expect(after["head.weight"]?.count == 4 * (32 + 64) * 4)
    #expect(after["standardizer.mean"]?.contains { $0 != 0 } == true)
    #expect(whole.test!.accuracy > 0.5)   // four classes: chance is 0.25

    let first = try ImageTask.run(config: c, splits: splits, backbone: smallCNNBackbone(), toEpoch: 2)
    let file = FileManager.default.temporaryDirectory.appendingPathComponent("rung-taps-\(UUID().uuidString).safetensors")
    defer { try? FileManager.default.removeItem(at: file) }
    try first.checkpoint.write(to: file)
    let second = try ImageTask.run(config: c, splits: splits, backbone: smallCNNBackbone(), fromEpoch: 2,
                                   checkpoint: try ImageCheckpoint(contentsOf: file))
    #expect(second.history.map(\.withoutTiming) == whole.history.map(\.withoutTiming))
    #expect(snapshot(second) == snapshot(whole))
    #expect(second.test == whole.test)
}

@Test func fineTuningThroughATapTrainsOnlyTheBlocksThatRunAndCountsOnlyThem() throws {
    let before = initial(smallCNNBackbone())
    var c = baseConfig(.full, epochs: 2)
    c.featureTaps = "1"
    c.tapGrid = 2
    var cost: ModelCost?
    let r = try ImageTask.run(config: c, splits: quadrantSplits(), backbone: smallCNNBackbone(), measureCost: true, onCost: { cost = $0 })
    let after = snapshot(r)
    #expect(after["backbone.conv1.weight"] != before["backbone.conv1.weight"])
    #expect(after["backbone.conv2.weight"] == before["backbone.conv2.weight"] && after["backbone.conv2.bias"] == before["backbone.conv2.bias"])
    let conv1 = 32 * 9 + 32, head = 4 * 32 * 4 + 4
    #expect(r.model.blockCount == 1)
    #expect(cost?.paramsTotal == conv1 + head && cost?.paramsTrainable == conv1 + head)
    #expect(cost?.memoryMB == Double((conv1 + head + 2 * 32 * 4) * 4) / 1_048_576)   // standardizer mean and scale

    // Gradual: the head alone first, then the tap's own block (conv1), never conv2.
    c.strategy = .gradual
    c.featureTaps = "1"
    let g = try ImageTask.run(config: c, splits: quadrantSplits(), backbone: smallCNNBackbone(), toEpoch: 1)
    #expect(snapshot(g)["backbone.conv1.weight"] == before["backbone.conv1.weight"])
    let g2 = try ImageTask.run(config: c, splits: quadrantSplits(), backbone: smallCNNBackbone())
    #expect(snapshot(g2)["backbone.conv1.weight"] != before["backbone.conv1.weight"])
    #expect(snapshot(g2)["backbone.conv2.weight"] == before["backbone.conv2.weight"])
}

@Test func headL2PenaltyShrinksTheHead() throws {
    func norm(_ l2: Double) throws -> Double {
        var c = tappedConfig(epochs: 5)
        c.headL2 = l2
        let w = snapshot(try ImageTask.run(config: c, splits: quadrantSplits(), backbone: smallCNNBackbone()))["head.weight"]!
        return w.reduce(0) { $0 + Double($1 * $1) }.squareRoot()
    }
    let free = try norm(0), penalised = try norm(5)
    #expect(penalised < 0.5 * free, "‖W‖ \(penalised) with λ = 5 against \(free) without")
}

@Test func badTapSettingsAreRefusedWithWhatIsAccepted() throws {
    var c = tappedConfig()
    c.featureTaps = "3-2"
    #expect(throws: FineTuneError.self) { try c.validate() }
    c.featureTaps = "2-x"
    #expect(throws: FineTuneError.self) { try c.validate() }
    c.featureTaps = "1-2"
    c.tapGrid = 0
    #expect(throws: FineTuneError.self) { try c.validate() }
    c = tappedConfig()
    c.featureTaps = "2-3"
    do {
        _ = try ImageTask.run(config: c, splits: quadrantSplits(), backbone: smallCNNBackbone())
        Issue.record("tap 3 of a two-tap backbone passed")
    } catch { #expect("\(error)".contains("taps 1…2")) }
    let decoded = try ImageTrialConfig.decode(json: Data(#"{"strategy": "linear_probe", "featureTaps": 3, "tapGrid": 4, "headL2": 0.5}"#.utf8), source: "t")
    #expect(decoded.taps == FeatureTaps(first: 3, last: 3, grid: 4) && decoded.headL2 == 0.5)
}
