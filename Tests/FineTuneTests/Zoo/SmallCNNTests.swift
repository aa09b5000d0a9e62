// The small CNN: its parameter names and shapes as PyTorch's twin (scripts/bench/cnn_torch.py) has
// them, and that AdamW drives its loss on one fixed batch far below chance (it can learn).

import Testing
import Tensors
@testable import FineTune

@Test func smallCNNShapesAndLearning() {
    var rng = SplitMix64(seed: 4)
    let model = SmallCNN(generator: &rng)
    #expect(model.namedParameters().map(\.name) == ["conv1.weight", "conv1.bias", "conv2.weight", "conv2.bias", "fc.weight", "fc.bias"])
    #expect(model.namedParameters().map(\.tensor.shape) == [[32, 1, 3, 3], [32], [64, 32, 3, 3], [64], [10, 3136], [10]])
    #expect(model.parameterCount == 32 * 9 + 32 + 64 * 32 * 9 + 64 + 10 * 3136 + 10)
    let x = Tensor.normal([8, 1, 28, 28], using: &rng)
    let labels = [0, 1, 2, 3, 4, 5, 6, 7]
    var optimizer = Optimizer(settings: .adamW(), learningRate: 3e-3)
    let params = model.namedParameters()
    var first: Float = 0, last: Float = 0
    for step in 0..<15 {
        for (_, t) in params { t.zeroGrad() }
        let loss = Tensor.crossEntropy(logits: model(x), labels: labels)
        if step == 0 { first = loss.item }
        last = loss.item
        loss.backward()
        optimizer.step(params)
    }
    #expect(abs(first - 2.302585) < 0.5, "initial loss \(first) is near ln 10")
    #expect(last < 0.1, "loss after 15 AdamW steps on one batch: \(last)")
}

@Test func zooCatalogBuildsItsBackbones() throws {
    #expect(ZooCatalog.entries.map(\.name) == ["small-cnn", "small-resnet", "efficientnet-lite0"])
    let lite = try ZooCatalog.entry("efficientnet-lite0").make(1000, 0)
    #expect(lite.parameterCount == 4_652_008)
    let cnn = try ZooCatalog.entry("small-cnn").make(5, 0)
    #expect(cnn.namedParameters().last?.tensor.shape == [5])
    let resnet = try ZooCatalog.entry("small-resnet").make(3, 0)
    #expect(resnet.head.outFeatures == 3 && resnet.featureCount == 64)
    do { _ = try ZooCatalog.entry("resnet"); Issue.record("unknown name accepted") } catch {
        #expect(error.message == "unknown backbone \"resnet\"; known: small-cnn, small-resnet, efficientnet-lite0")
    }
}
