// The Backbone split of every zoo network: logits are the head applied to the features, and the
// blocks plus the head hold every parameter exactly once, in the network's own order.

import Testing
import Tensors
@testable import FineTune

/// Checks the split on one input: head(features(x)) equals model(x) element by element in
/// evaluation mode, and the blocks partition the backbone's parameters.
private func checkSplit(_ model: any Backbone, input: Tensor) {
    model.eval()
    let (logits, viaSplit, feats) = Autograd.withoutGrad { () -> (Tensor, Tensor, Tensor) in
        let f = model.features(input)
        return (model(input), model.head(f), f)
    }
    #expect(feats.shape == [input.shape[0], model.featureCount])
    #expect(logits.scalars == viaSplit.scalars)
    let all = model.parameters.map(ObjectIdentifier.init)
    let grouped = (model.blocks.flatMap(\.parameters) + model.headParameters).map(ObjectIdentifier.init)
    #expect(Set(all) == Set(grouped) && grouped.count == all.count, "blocks + head must hold each parameter once")
    #expect(model.parameters(ofLastBlocks: 0).isEmpty)
    #expect(model.parameters(ofLastBlocks: model.blocks.count).count == all.count - model.headParameters.count)
}

@Test func smallCNNSplitsIntoFeaturesHeadAndBlocks() {
    var rng = SplitMix64(seed: 3)
    let model = SmallCNN(classes: 5, generator: &rng)
    #expect(model.inputShape == [1, 28, 28] && model.featureCount == 64 * 7 * 7 && model.blocks.count == 2)
    checkSplit(model, input: Tensor.normal([2, 1, 28, 28], using: &rng))
}

@Test func efficientNetLiteSplitsIntoFeaturesHeadAndBlocks() {
    var rng = SplitMix64(seed: 4)
    let model = EfficientNetLite(classes: 7, generator: &rng)
    #expect(model.inputShape == [3, 224, 224] && model.featureCount == 1280 && model.blocks.count == 18)
    checkSplit(model, input: Tensor.normal([1, 3, 32, 32], using: &rng))
}

@Test func smallResNetSplitsIntoFeaturesHeadAndBlocks() {
    var rng = SplitMix64(seed: 6)
    let model = SmallResNet(channels: 3, height: 12, width: 12, classes: 3, blocksPerStage: 2, generator: &rng)
    #expect(model.inputShape == [3, 12, 12] && model.featureCount == 64 && model.blocks.count == 7)
    checkSplit(model, input: Tensor.normal([2, 3, 12, 12], using: &rng))
}
