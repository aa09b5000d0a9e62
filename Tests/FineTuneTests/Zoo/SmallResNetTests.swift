// The small ResNet and its BasicBlock: torchvision's parameter names and shapes, the shortcut
// rule, the block as the composition of its layers, learning on one batch, and the Backbone split.

import Testing
import Tensors
@testable import FineTune

@Test func basicBlockProjectsOnlyWhenStrideOrWidthChanges() {
    var rng = SplitMix64(seed: 1)
    #expect(BasicBlock(inChannels: 8, outChannels: 8, generator: &rng).downsample == nil)
    #expect(BasicBlock(inChannels: 8, outChannels: 8, stride: 2, generator: &rng).downsample != nil)
    let widen = BasicBlock(inChannels: 8, outChannels: 16, generator: &rng)
    #expect(widen.namedParameters().map(\.name) == ["conv1.weight", "bn1.weight", "bn1.bias", "conv2.weight", "bn2.weight", "bn2.bias",
                                                    "downsample.0.weight", "downsample.1.weight", "downsample.1.bias"])
    #expect(widen.namedParameters().map(\.tensor.shape) == [[16, 8, 3, 3], [16], [16], [16, 16, 3, 3], [16], [16], [16, 8, 1, 1], [16], [16]])
}

@Test(arguments: [(4, 4, 1), (3, 5, 2)])
func basicBlockIsReluOfResidualPlusShortcut(_ inC: Int, _ outC: Int, _ stride: Int) {
    var rng = SplitMix64(seed: 2)
    let block = BasicBlock(inChannels: inC, outChannels: outC, stride: stride, generator: &rng)
    let x = Tensor.normal([2, inC, 7, 6], using: &rng)
    let y = block(x)
    // The same map written out with the core's ops (training-mode batch norm, recomputed here).
    func bn(_ t: Tensor) -> Tensor {
        let mean = t.mean(axes: [0, 2, 3], keepDims: true)
        let centred = t - mean
        return centred / ((centred * centred).mean(axes: [0, 2, 3], keepDims: true) + 1e-5).sqrt()
    }
    let pad1 = ConvWindow(kernel: (3, 3), stride: (stride, stride), padding: (1, 1, 1, 1))
    var r = bn(Tensor.conv2d(x, weight: block.conv1.weight, window: pad1)).relu()
    r = bn(Tensor.conv2d(r, weight: block.conv2.weight, window: ConvWindow(kernel: (3, 3), padding: (1, 1, 1, 1))))
    let shortcut = block.downsample.map { d in
        bn(Tensor.conv2d(x, weight: (d.layers[0] as! Conv2d).weight, window: ConvWindow(kernel: (1, 1), stride: (stride, stride))))
    } ?? x
    let want = (r + shortcut).relu()
    #expect(y.shape == [2, outC, (7 + stride - 1) / stride, (6 + stride - 1) / stride])
    for (a, b) in zip(y.scalars, want.scalars) { #expect(abs(a - b) <= 1e-5 * (1 + abs(b))) }
}

@Test func smallResNetShapesSplitAndLearning() {
    var rng = SplitMix64(seed: 5)
    let model = SmallResNet(classes: 4, generator: &rng)
    #expect(model.namedParameters().first?.name == "conv1.weight" && model.namedParameters().last?.name == "fc.bias")
    #expect(model.namedParameters().contains { $0.name == "layer2.0.downsample.0.weight" })
    #expect(!model.namedParameters().contains { $0.name == "layer1.0.downsample.0.weight" })
    #expect(model.featureCount == 64 && model.blocks.count == 4 && model.inputShape == [1, 28, 28])
    let x = Tensor.normal([8, 1, 28, 28], using: &rng)
    let labels = [0, 1, 2, 3, 0, 1, 2, 3]
    #expect(model(x).shape == [8, 4])
    var optimizer = Optimizer(settings: .adamW(), learningRate: 3e-3)
    let params = model.namedParameters()
    var last: Float = 0
    for _ in 0..<20 {
        for (_, t) in params { t.zeroGrad() }
        let loss = Tensor.crossEntropy(logits: model(x), labels: labels)
        last = loss.item
        loss.backward()
        optimizer.step(params)
    }
    #expect(last < 0.1, "loss after 20 AdamW steps on one batch: \(last)")
    let deeper = SmallResNet(channels: 3, height: 16, width: 16, classes: 2, blocksPerStage: 3, generator: &rng)
    #expect(deeper.blocks.count == 10)
    #expect(deeper(Tensor.normal([2, 3, 16, 16], using: &rng)).shape == [2, 2])
}
