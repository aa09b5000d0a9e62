// Convolution + batch norm (+ ReLU / ReLU6) as one call: in evaluation without gradients the batch
// norm is folded into the convolution and must equal the two-layer path within float rounding, the
// folded weights must follow every write to either layer's tensors, and training (or evaluation
// with gradients) must be exactly the two-layer path, gradients and running statistics included.

import Testing
import Tensors
@testable import FineTune

/// Gives every batch norm in `module` random running statistics, weight and bias.
private func randomiseBatchNorms(_ module: any Module, seed: UInt64) {
    var s = seed
    for case let bn as BatchNorm2d in module.modules() {
        s += 4
        let c = bn.channels
        bn.loadStatistics(mean: randomValues(c, seed: s).map { $0 * 0.5 }, variance: randomValues(c, seed: s + 1).map { 0.5 + abs($0) })
        bn.weight.assign(randomValues(c, seed: s + 2).map { 1 + 0.5 * $0 })
        bn.bias.assign(randomValues(c, seed: s + 3).map { 0.3 * $0 })
    }
}

private func expectClose(_ got: Tensor, _ want: Tensor, tolerance: Float = 1e-4, _ what: String,
                         sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(got.shape == want.shape, "\(what): shape \(got.shape) vs \(want.shape)", sourceLocation: sourceLocation)
    for (i, (a, b)) in zip(got.scalars, want.scalars).enumerated() where abs(a - b) > tolerance * (1 + abs(b)) {
        Issue.record("\(what) element \(i): fused \(a) vs two-step \(b)", sourceLocation: sourceLocation)
        return
    }
}

/// A convolution and its batch norm, in evaluation mode with random statistics.
private func pair(_ c: Int, _ o: Int, kernel: Int, stride: Int = 1, groups: Int = 1, bias: Bool, same: Bool = false,
                  seed: UInt64) -> (Conv2d, BatchNorm2d) {
    var rng = SplitMix64(seed: seed)
    let conv = Conv2d(c, o, kernelSize: kernel, stride: stride, padding: same ? 0 : kernel / 2, groups: groups, bias: bias, generator: &rng)
    conv.tfSamePadding = same
    let bn = BatchNorm2d(channels: o, eps: 1e-3)
    randomiseBatchNorms(bn, seed: seed)
    conv.eval()
    bn.eval()
    return (conv, bn)
}

@Test(arguments: [(nil, false), (0...Float.infinity, true), (0...6, false)] as [(ClosedRange<Float>?, Bool)])
func foldedEvaluationMatchesConvolutionThenBatchNorm(_ range: ClosedRange<Float>?, _ bias: Bool) {
    let x = Tensor(shape: [3, 4, 9, 8], scalars: randomValues(3 * 4 * 9 * 8, seed: 11).map { $0 * 3 })
    let layers = [pair(4, 6, kernel: 3, bias: bias, seed: 1),                               // dense 3×3
                  pair(4, 8, kernel: 1, bias: bias, seed: 2),                               // pointwise
                  pair(4, 4, kernel: 5, stride: 2, groups: 4, bias: bias, same: true, seed: 3), // depthwise, TF "same"
                  pair(4, 6, kernel: 3, stride: 2, groups: 2, bias: bias, seed: 4)]         // grouped, stride 2
    for (i, (conv, bn)) in layers.enumerated() {
        let fused = Autograd.withoutGrad { conv(x, normalisedBy: bn, clampedTo: range) }
        #expect(conv.foldCache != nil, "layer \(i): the folded path was not taken")
        let twoStep = Autograd.withoutGrad { range.map { bn(conv(x), clampedTo: $0) } ?? bn(conv(x)) }
        expectClose(fused, twoStep, "layer \(i)")
    }
}

@Test func foldedWeightsFollowEveryWrite() {
    let (conv, bn) = pair(3, 5, kernel: 3, bias: true, seed: 5)
    let x = Tensor(shape: [2, 3, 6, 7], scalars: randomValues(2 * 3 * 6 * 7, seed: 12))
    func check(_ what: String) {
        let fused = Autograd.withoutGrad { conv(x, normalisedBy: bn, clampedTo: 0...Float.infinity) }
        let twoStep = Autograd.withoutGrad { bn(conv(x), clampedTo: 0...Float.infinity) }
        expectClose(fused, twoStep, what)
    }
    check("first call")
    let cached = conv.foldCache
    check("second call")
    #expect(conv.foldCache === cached, "an unchanged pair folded again")
    conv.weight.assign(randomValues(conv.weight.count, seed: 13))
    check("after assigning the convolution's weight")
    conv.bias!.withUnsafeMutableBufferPointer { b in for i in b.indices { b[i] += 0.25 } }
    check("after an in-place write to the convolution's bias")
    bn.loadStatistics(mean: randomValues(5, seed: 14), variance: randomValues(5, seed: 15).map { 1 + abs($0) })
    check("after loading running statistics")
    bn.weight.withUnsafeMutableBufferPointer { w in for i in w.indices { w[i] *= -2 } }
    check("after an in-place write to the batch norm's weight")
    bn.bias.assign(randomValues(5, seed: 16))
    check("after assigning the batch norm's bias")
}

@Test func trainingAndGradientsTakeTheTwoLayerPathExactly() {
    for training in [true, false] {
        let (convA, bnA) = pair(3, 4, kernel: 3, bias: true, seed: 6)
        let (convB, bnB) = pair(3, 4, kernel: 3, bias: true, seed: 6)
        for m in [convA, bnA, convB, bnB] as [any Module] { m.isTraining = training }
        let xa = Tensor(shape: [2, 3, 5, 6], scalars: randomValues(60 * 3, seed: 17), requiresGrad: true)
        let xb = Tensor(shape: [2, 3, 5, 6], scalars: xa.scalars, requiresGrad: true)
        let ya = convA(xa, normalisedBy: bnA, clampedTo: 0...Float.infinity)
        let yb = bnB(convB(xb), clampedTo: 0...Float.infinity)
        #expect(ya.scalars == yb.scalars, "training \(training): output")
        ya.sum().backward()
        yb.sum().backward()
        #expect(xa.grad?.scalars == xb.grad?.scalars, "training \(training): input gradient")
        #expect(convA.weight.grad?.scalars == convB.weight.grad?.scalars && convA.bias?.grad?.scalars == convB.bias?.grad?.scalars,
                "training \(training): convolution gradients")
        #expect(bnA.weight.grad?.scalars == bnB.weight.grad?.scalars && bnA.bias.grad?.scalars == bnB.bias.grad?.scalars,
                "training \(training): batch norm gradients")
        #expect(bnA.runningMean.scalars == bnB.runningMean.scalars && bnA.runningVar.scalars == bnB.runningVar.scalars
                && bnA.numBatchesTracked == bnB.numBatchesTracked, "training \(training): running statistics")
        #expect(convA.foldCache == nil, "training \(training): folded although gradients were wanted")
    }
}

@Test func foldedNetworksMatchTheirTwoLayerPath() {
    var rng = SplitMix64(seed: 8)
    let resnet = SmallResNet(channels: 3, height: 12, width: 12, generator: &rng)
    let lite = EfficientNetLite(classes: 10, generator: &rng)
    for (name, net, shape) in [("SmallResNet", resnet as any Module, [2, 3, 12, 12]), ("EfficientNetLite", lite, [1, 3, 40, 40])] {
        randomiseBatchNorms(net, seed: 100)
        net.eval()
        let x = Tensor(shape: shape, scalars: randomValues(shape.reduce(1, *), seed: 18))
        let twoStep = (net as! any Backbone).features(x)                               // parameters want gradients: no folding
        let fused = Autograd.withoutGrad { (net as! any Backbone).features(x) }
        expectClose(fused, twoStep, tolerance: 1e-3, name)
    }
}
