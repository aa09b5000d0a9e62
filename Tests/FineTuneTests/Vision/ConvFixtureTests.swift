// A Conv2d + BatchNorm2d + ReLU6 + pooling chain with weights from a PyTorch fixture
// (scripts/fixtures/conv.py) must give PyTorch's outputs in training mode, the running statistics
// it leaves, the gradients of a weighted sum, and PyTorch's outputs in evaluation mode.

import Foundation
import Testing
import Tensors
@testable import FineTune

private struct ConvFixture: Decodable {
    struct Output: Decodable { var shape: [Int]; var values: [Float] }
    var input_shape: [Int]
    var input: [Float]
    var initial: [String: [Float]]
    var train: [String: Output]
    var weights_r: [Float]
    var grads: [String: [Float]]
    var running_after: [String: [Float]]
    var eval: [String: Output]
}

private func expectClose(_ got: Tensor, _ want: ConvFixture.Output, _ what: String, tol: Float = 2e-5,
                         sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(got.shape == want.shape, "\(what) shape", sourceLocation: sourceLocation)
    expectClose(got.scalars, want.values, what, tol: tol, sourceLocation: sourceLocation)
}

private func expectClose(_ got: [Float], _ want: [Float], _ what: String, tol: Float = 2e-5,
                         sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(got.count == want.count, "\(what) count", sourceLocation: sourceLocation)
    for (i, (g, w)) in zip(got, want).enumerated() where abs(g - w) > tol * (1 + abs(w)) {
        Issue.record("\(what)[\(i)]: \(g), PyTorch \(w)", sourceLocation: sourceLocation)
        return
    }
}

@Test func convBatchNormPoolChainMatchesPyTorch() throws {
    let f = try JSONDecoder().decode(ConvFixture.self, from: trainingFixtureData("conv.json"))
    var rng = SplitMix64(seed: 0)
    let conv1 = Conv2d(3, 6, kernelSize: 3, stride: 2, padding: 1, dilation: 2, groups: 3, generator: &rng)
    let bn1 = BatchNorm2d(channels: 6)
    let conv2 = Conv2d(6, 6, kernelSize: 3, padding: 1, groups: 6, bias: false, generator: &rng)
    let bn2 = BatchNorm2d(channels: 6, eps: 1e-3, momentum: 0.2)
    let maxpool = Pool2d(.max, kernelSize: 3, stride: 2, padding: 1)
    let avgpool = Pool2d(.average, kernelSize: 2, stride: 1)
    let model = Sequential([conv1, bn1, ReLU6(), conv2, bn2])
    let v = f.initial
    conv1.weight.assign(try #require(v["conv1.weight"]))
    conv1.bias?.assign(try #require(v["conv1.bias"]))
    conv2.weight.assign(try #require(v["conv2.weight"]))
    for (name, bn) in [("bn1", bn1), ("bn2", bn2)] {
        bn.weight.assign(try #require(v[name + ".weight"]))
        bn.bias.assign(try #require(v[name + ".bias"]))
        bn.loadStatistics(mean: try #require(v[name + ".running_mean"]), variance: try #require(v[name + ".running_var"]))
    }

    let x = Tensor(shape: f.input_shape, scalars: f.input, requiresGrad: true)
    let a = conv1(x)
    expectClose(a, try #require(f.train["conv1"]), "train conv1")
    let block = model(x)
    expectClose(block, try #require(f.train["block"]), "train block", tol: 1e-4)
    let m = maxpool(block), avg = avgpool(block)
    expectClose(m, try #require(f.train["maxpool"]), "train maxpool", tol: 1e-4)
    expectClose(avg, try #require(f.train["avgpool"]), "train avgpool", tol: 1e-4)
    expectClose(GlobalAveragePool2d()(block), try #require(f.train["global"]), "train global", tol: 1e-4)

    let loss = (m * Tensor(shape: m.shape, scalars: f.weights_r)).sum() + avg.sum() * 0.5
    loss.backward()
    expectClose(try #require(x.grad).scalars, try #require(f.grads["input"]), "grad input", tol: 1e-4)
    expectClose(try #require(conv1.weight.grad).scalars, try #require(f.grads["conv1.weight"]), "grad conv1.weight", tol: 1e-4)
    expectClose(try #require(conv2.weight.grad).scalars, try #require(f.grads["conv2.weight"]), "grad conv2.weight", tol: 1e-4)
    expectClose(try #require(bn1.weight.grad).scalars, try #require(f.grads["bn1.weight"]), "grad bn1.weight", tol: 1e-4)
    expectClose(try #require(bn2.bias.grad).scalars, try #require(f.grads["bn2.bias"]), "grad bn2.bias", tol: 1e-4)

    // The batch norms ran once in training mode (conv1 alone touches no statistics), as in PyTorch.
    for (name, bn) in [("bn1", bn1), ("bn2", bn2)] {
        expectClose(bn.runningMean.scalars, try #require(f.running_after[name + ".running_mean"]), name + ".running_mean")
        expectClose(bn.runningVar.scalars, try #require(f.running_after[name + ".running_var"]), name + ".running_var", tol: 1e-4)
    }

    model.eval()
    let e = Autograd.withoutGrad { model(x) }
    expectClose(e, try #require(f.eval["block"]), "eval block", tol: 1e-4)
    expectClose(maxpool(e), try #require(f.eval["maxpool"]), "eval maxpool", tol: 1e-4)
    expectClose(avgpool(e), try #require(f.eval["avgpool"]), "eval avgpool", tol: 1e-4)
}
