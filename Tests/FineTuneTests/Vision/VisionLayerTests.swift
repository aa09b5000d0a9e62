// Conv2d, pooling, BatchNorm2d and ReLU6 against naive Double loops, element by element, and their
// gradients against central finite differences, on odd shapes (batch 2, 7×5 inputs, stride 2,
// padding, dilation 2, groups and depthwise).

import Testing
import Tensors
@testable import FineTune

struct ConvCase: Sendable, CustomStringConvertible {
    var n = 2, c = 3, h = 7, w = 5, o = 6, k = 3, stride = 2, padding = 1, dilation = 2, groups = 3, bias = true
    var description: String { "N\(n) C\(c) \(h)×\(w) O\(o) k\(k) s\(stride) p\(padding) d\(dilation) g\(groups)\(bias ? "" : " no bias")" }
}

let convCases: [ConvCase] = [
    ConvCase(),                                                         // groups 3, two outputs per group
    ConvCase(groups: 1),                                                // dense
    ConvCase(o: 3, groups: 3),                                          // depthwise
    ConvCase(n: 1, c: 4, h: 6, w: 9, o: 5, k: 2, stride: 1, padding: 0, dilation: 1, groups: 1, bias: false),
    ConvCase(n: 3, c: 2, h: 5, w: 5, o: 4, k: 1, stride: 1, padding: 0, dilation: 1, groups: 2),   // 1×1 grouped
    ConvCase(n: 2, c: 3, h: 7, w: 5, o: 6, k: 3, stride: 1, padding: 2, dilation: 2, groups: 3),   // stride 1: row gather
    ConvCase(n: 2, c: 2, h: 6, w: 7, o: 3, k: 3, stride: 1, padding: 1, dilation: 1, groups: 1),   // stride 1, dense
]

@Test(arguments: convCases)
func convMatchesNaiveLoopAndFiniteDifferences(_ cc: ConvCase) {
    var rng = SplitMix64(seed: 7)
    let conv = Conv2d(cc.c, cc.o, kernelSize: cc.k, stride: cc.stride, padding: cc.padding, dilation: cc.dilation,
                      groups: cc.groups, bias: cc.bias, generator: &rng)
    let xs = [cc.n, cc.c, cc.h, cc.w]
    let x = Tensor(shape: xs, scalars: randomValues(xs.reduce(1, *), seed: 3), requiresGrad: true)
    let y = conv(x)
    let ws = conv.weight.shape
    let (_, expectedShape) = naiveConv(x.scalars.map(Double.init), xs, conv.weight.scalars.map(Double.init), ws, [], window: conv.window, groups: cc.groups)
    #expect(y.shape == expectedShape)
    checkAgainstReference(inputs: [x, conv.weight] + (conv.bias.map { [$0] } ?? []), output: y) { v in
        naiveConv(v[0], xs, v[1], ws, cc.bias ? v[2] : [], window: conv.window, groups: cc.groups).values
    }
}

@Test func convOutputShapeFollowsPyTorchFormula() {
    var rng = SplitMix64(seed: 1)
    let conv = Conv2d(3, 6, kernelSize: 3, stride: 2, padding: 1, dilation: 2, groups: 3, generator: &rng)
    #expect(conv(Tensor.zeros([2, 3, 7, 5])).shape == [2, 6, 3, 2])
    #expect(conv.weight.shape == [6, 1, 3, 3])
    #expect(conv.namedParameters().map(\.name) == ["weight", "bias"])
    let bound = 1 / Float(9).squareRoot()
    #expect(conv.weight.scalars.allSatisfy { abs($0) <= bound })
}

@Test func sameWindowPadsAsTensorFlow() {
    // 224 input, 3×3 stride 2: output 112, total padding 1, all of it below and right.
    let w = Window2d.same(kernel: (3, 3), stride: (2, 2), inputH: 224, inputW: 224)
    #expect(w.padding == (0, 1, 0, 1))
    #expect(w.outputSize(h: 224, w: 224) == (112, 112))
    let w5 = Window2d.same(kernel: (5, 5), stride: (1, 1), inputH: 14, inputW: 14)
    #expect(w5.padding == (2, 2, 2, 2))
    // An asymmetric window still matches the naive loop.
    let x = Tensor(shape: [1, 2, 6, 7], scalars: randomValues(84, seed: 5), requiresGrad: true)
    let wt = Tensor(shape: [2, 1, 3, 3], scalars: randomValues(18, seed: 6), requiresGrad: true)
    let win = Window2d.same(kernel: (3, 3), stride: (2, 2), inputH: 6, inputW: 7)
    let y = Conv2d.convolve(x, weight: wt, bias: nil, window: win, groups: 2)
    checkAgainstReference(inputs: [x, wt], output: y) { v in naiveConv(v[0], [1, 2, 6, 7], v[1], [2, 1, 3, 3], [], window: win, groups: 2).values }
}

@Test(arguments: [(PoolKind.max, 3, 2, 1, 1), (.max, 2, 2, 0, 2), (.average, 3, 2, 1, 1), (.average, 2, 1, 0, 1),
                  (.max, 2, 2, 0, 1), (.average, 2, 2, 0, 1), (.max, 3, 3, 0, 1)])
func poolMatchesNaiveLoopAndFiniteDifferences(kind: PoolKind, kernel: Int, stride: Int, padding: Int, dilation: Int) {
    let pool = Pool2d(kind, kernelSize: kernel, stride: stride, padding: padding, dilation: dilation)
    let xs = [2, 3, 7, 5]
    let x = Tensor(shape: xs, scalars: randomValues(210, seed: 11), requiresGrad: true)
    let y = pool(x)
    #expect(y.shape == naivePool(x.scalars.map(Double.init), xs, kind: kind, window: pool.window).shape)
    checkAgainstReference(inputs: [x], output: y) { v in naivePool(v[0], xs, kind: kind, window: pool.window).values }
}

@Test func globalAveragePoolAndReLU6() {
    let x = Tensor(shape: [2, 3, 7, 5], scalars: randomValues(210, seed: 12), requiresGrad: true)
    let y = GlobalAveragePool2d()(x)
    #expect(y.shape == [2, 3])
    checkAgainstReference(inputs: [x], output: y) { v in
        (0..<6).map { plane in v[0][(plane * 35)..<(plane * 35 + 35)].reduce(0, +) / 35 }
    }
    let r = Tensor(shape: [6], scalars: [-2, 0.5, 3, 5.75, 6.5, 100], requiresGrad: true)
    let out = ReLU6()(r)
    #expect(out.scalars == [0, 0.5, 3, 5.75, 6, 6])
    out.sum().backward()
    #expect(r.grad?.scalars == [0, 1, 1, 1, 0, 0])
}

@Test func batchNormTrainingMatchesNaiveLoopAndFiniteDifferences() {
    let bn = BatchNorm2d(channels: 3, eps: 1e-3)
    bn.weight.assign([1.5, -0.5, 0.75])
    bn.bias.assign([0.1, 0.2, -0.3])
    let xs = [2, 3, 7, 5]
    let x = Tensor(shape: xs, scalars: randomValues(210, seed: 13), requiresGrad: true)
    let y = bn(x)
    checkAgainstReference(inputs: [x, bn.weight, bn.bias], output: y, gradTolerance: 5e-4) { v in
        naiveBatchNorm(v[0], xs, weight: v[1], bias: v[2], eps: 1e-3)
    }
    // Running statistics moved by momentum 0.1 towards the batch mean and unbiased variance.
    let xd = x.scalars.map(Double.init)
    for ch in 0..<3 {
        let vals = (0..<2).flatMap { b in (0..<35).map { xd[(b * 3 + ch) * 35 + $0] } }
        let mean = vals.reduce(0, +) / 70
        let unbiased = vals.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / 69
        #expect(abs(Double(bn.runningMean.scalars[ch]) - 0.1 * mean) < 1e-6)
        #expect(abs(Double(bn.runningVar.scalars[ch]) - (0.9 + 0.1 * unbiased)) < 1e-6)
    }
    #expect(bn.numBatchesTracked == 1)
    #expect(bn.namedBuffers().map(\.name) == ["running_mean", "running_var"])
}

@Test func batchNormEvaluationAndFrozenStatisticsUseRunningValues() {
    let bn = BatchNorm2d(channels: 2)
    bn.weight.assign([2, 0.5])
    bn.bias.assign([1, -1])
    bn.loadStatistics(mean: [0.25, -0.5], variance: [4, 0.09])
    let x = Tensor(shape: [1, 2, 1, 3], scalars: [1, 2, 3, -1, 0, 1], requiresGrad: true)
    func expected(_ v: Float, _ ch: Int) -> Float {
        let m: [Float] = [0.25, -0.5], s: [Float] = [4, 0.09], w: [Float] = [2, 0.5], b: [Float] = [1, -1]
        return (v - m[ch]) / (s[ch] + 1e-5).squareRoot() * w[ch] + b[ch]
    }
    let want = [Float(1), 2, 3].map { expected($0, 0) } + [Float(-1), 0, 1].map { expected($0, 1) }
    bn.eval()
    for (g, e) in zip(bn(x).scalars, want) { #expect(abs(g - e) < 1e-5) }
    bn.train()
    bn.freezeStatistics = true
    let y = bn(x)
    for (g, e) in zip(y.scalars, want) { #expect(abs(g - e) < 1e-5) }
    #expect(bn.runningMean.scalars == [0.25, -0.5] && bn.runningVar.scalars == [4, 0.09] && bn.numBatchesTracked == 0)
    // Gradients still reach weight and bias: d/dbias of Σ y is the count per channel.
    y.sum().backward()
    #expect(bn.bias.grad?.scalars == [3, 3])
    let xhat0 = [Float(1), 2, 3].map { ($0 - 0.25) / (4 + 1e-5).squareRoot() }.reduce(0, +)
    #expect(abs((bn.weight.grad?.scalars[0] ?? 0) - xhat0) < 1e-5)
}
