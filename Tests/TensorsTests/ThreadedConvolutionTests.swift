// The convolution-side kernels spread over the worker threads: convolution (chunks of images,
// forward and backward, with a fused clamp), depthwise convolution, batch norm with batch
// statistics, the per-channel affine map, the clamp and the pools give bit-identical results at
// one and at two threads, and those results match Double loops written from the definitions.
// Shapes are large enough that every kernel really splits at two threads.

import Testing
@testable import Tensors

/// `body` at one thread, then at two (the pool's count is left at two, as ParallelTests leave it).
private func atOneAndTwoThreads<R>(_ body: () -> R) -> (one: R, two: R) {
    BLAS.setThreads(1)
    let one = body()
    BLAS.setThreads(2)
    return (one, body())
}

/// Output, and the gradients of Σ output ⊙ r for the inputs that require one.
private struct Run: Equatable {
    var out: [Float]
    var grads: [[Float]]
}

private func run(_ inputs: [Tensor], r: [Float], _ op: ([Tensor]) -> Tensor) -> Run {
    for t in inputs { t.clearGrad() }
    let y = op(inputs)
    (y * Tensor(shape: y.shape, scalars: r)).sum().backward()
    return Run(out: y.scalars, grads: inputs.filter(\.requiresGrad).map { $0.grad!.scalars })
}

/// Reference backward of conv2d: given the output gradient dy, dx and dw by the same index
/// arithmetic as `refConv` (and db = Σ dy per channel).
private func refConvBackward(_ x: Ref, _ w: Ref, _ dy: [Double], _ v: ConvWindow, groups g: Int) -> (dx: [Double], dw: [Double], db: [Double]) {
    let (n, c, h, wd) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
    let (o, cg, kh, kw) = (w.shape[0], w.shape[1], w.shape[2], w.shape[3])
    let og = o / g
    let (oh, ow) = v.outputSize(h: h, w: wd)
    var dx = [Double](repeating: 0, count: x.count), dw = [Double](repeating: 0, count: w.count), db = [Double](repeating: 0, count: o)
    for b0 in 0..<n {
        for oc in 0..<o {
            let grp = oc / og
            for y in 0..<oh {
                for xx in 0..<ow {
                    let gy = dy[((b0 * o + oc) * oh + y) * ow + xx]
                    db[oc] += gy
                    for ci in 0..<cg {
                        for i in 0..<kh {
                            for j in 0..<kw {
                                let hy = y * v.strideH - v.padTop + i * v.dilationH
                                let wx = xx * v.strideW - v.padLeft + j * v.dilationW
                                guard hy >= 0 && hy < h && wx >= 0 && wx < wd else { continue }
                                let xi = ((b0 * c + grp * cg + ci) * h + hy) * wd + wx, wi = ((oc * cg + ci) * kh + i) * kw + j
                                dw[wi] += gy * x.v[xi]
                                dx[xi] += gy * w.v[wi]
                            }
                        }
                    }
                }
            }
        }
    }
    return (dx, dw, db)
}

private func expectClose(_ got: [Float], _ want: [Double], _ what: String, tolerance: Double = 1e-4,
                         sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(got.count == want.count, "\(what): \(got.count) values, expected \(want.count)", sourceLocation: sourceLocation)
    for (i, (a, b)) in zip(got, want).enumerated() where abs(Double(a) - b) > tolerance * (1 + abs(b)) {
        Issue.record("\(what) element \(i): \(a) vs reference \(b)", sourceLocation: sourceLocation)
        return
    }
}

/// A convolution case with a clamp (−∞…∞ for none).
struct ClampedConvCase: CustomTestStringConvertible, Sendable {
    var conv: ConvCase
    var low: Float
    var high: Float
    var testDescription: String { conv.testDescription + " clamp \(low)…\(high)" }
}

private let threadedConvCases: [ClampedConvCase] = [
    // one image per chunk, four chunks; bias and ReLU
    .init(conv: ConvCase(input: [4, 6, 32, 32], weight: [8, 6, 3, 3], window: ConvWindow(kernel: (3, 3), padding: (1, 1, 1, 1)), groups: 1, bias: true),
          low: 0, high: .infinity),
    // five images per chunk (5, 5, 3), the batch folded into the GEMM columns; two groups, a two-sided clamp
    .init(conv: ConvCase(input: [13, 4, 14, 14], weight: [6, 2, 3, 3], window: ConvWindow(kernel: (3, 3), padding: (1, 1, 1, 1)), groups: 2, bias: false),
          low: 0, high: 0.5),
    // pointwise, the GEMM reading the input directly; five chunks in four reduction groups
    .init(conv: ConvCase(input: [5, 8, 32, 32], weight: [12, 8, 1, 1], window: ConvWindow(kernel: (1, 1)), groups: 1, bias: true),
          low: -.infinity, high: .infinity),
    // stride 2 with dilation and asymmetric padding, several images a chunk
    .init(conv: ConvCase(input: [9, 3, 30, 30], weight: [5, 3, 3, 3], window: ConvWindow(kernel: (3, 3), stride: (2, 2), padding: (0, 1, 2, 0), dilation: (2, 2)), groups: 1, bias: true),
          low: -.infinity, high: .infinity),
    // depthwise 3×3 with bias and ReLU6
    .init(conv: ConvCase(input: [4, 8, 32, 32], weight: [8, 1, 3, 3], window: ConvWindow(kernel: (3, 3), padding: (1, 1, 1, 1)), groups: 8, bias: true),
          low: 0, high: 6),
    // depthwise 5×5, stride 2, channel multiplier 2, ReLU
    .init(conv: ConvCase(input: [3, 8, 33, 32], weight: [16, 1, 5, 5], window: ConvWindow(kernel: (5, 5), stride: (2, 2), padding: (1, 2, 1, 2)), groups: 8, bias: false),
          low: 0, high: .infinity),
]

@Suite struct ThreadedConvolutionTests {
    @Test(arguments: threadedConvCases)
    func convolutionIsTheSameAtOneAndTwoThreadsAndMatchesTheDefinition(_ t: ClampedConvCase) {
        var rng = SeededRNG(seed: 41)
        let c = t.conv
        let x = Tensor.uniform(c.input, low: -1, high: 1, using: &rng, requiresGrad: true)
        let w = Tensor.uniform(c.weight, low: -0.5, high: 0.5, using: &rng, requiresGrad: true)
        let b = c.bias ? Tensor.uniform([c.weight[0]], low: -0.2, high: 0.2, using: &rng, requiresGrad: true) : nil
        let inputs = [x, w] + (b.map { [$0] } ?? [])
        let (oh, ow) = c.window.outputSize(h: c.input[2], w: c.input[3])
        let r = (0..<(c.input[0] * c.weight[0] * oh * ow)).map { _ in Float.random(in: -1...1, using: &rng) }
        let (one, two) = atOneAndTwoThreads {
            run(inputs, r: r) { Tensor.conv2d($0[0], weight: $0[1], bias: c.bias ? $0[2] : nil, window: c.window, groups: c.groups, low: t.low, high: t.high) }
        }
        #expect(one == two, "two threads changed the result")
        // The definition: clamp(conv) forward; backward through the clamp's mask.
        let xr = Ref(c.input, x.scalars.map(Double.init)), wr = Ref(c.weight, w.scalars.map(Double.init))
        let pre = refConv(xr, wr, b.map { Ref([c.weight[0]], $0.scalars.map(Double.init)) }, c.window, groups: c.groups)
        let (lo, hi) = (Double(t.low), Double(t.high))
        expectClose(one.out, pre.v.map { Swift.min(Swift.max($0, lo), hi) }, "output")
        let dy = zip(pre.v, r).map { $0 > lo && $0 < hi ? Double($1) : 0 }
        let (dx, dw, db) = refConvBackward(xr, wr, dy, c.window, groups: c.groups)
        expectClose(one.grads[0], dx, "dx")
        expectClose(one.grads[1], dw, "dW", tolerance: 1e-3)
        if c.bias { expectClose(one.grads[2], db, "db", tolerance: 1e-3) }
    }

    @Test func clampedConvolutionMatchesFiniteDifferences() {
        let dense = ConvWindow(kernel: (3, 3), stride: (2, 1), padding: (1, 1, 1, 1))
        gradCheck([InputSpec(shape: [2, 3, 7, 6]), InputSpec(shape: [4, 3, 3, 3]), InputSpec(shape: [4])],
                  op: { Tensor.conv2d($0[0], weight: $0[1], bias: $0[2], window: dense, low: 0, high: 0.6) },
                  ref: { refConv($0[0], $0[1], $0[2], dense, groups: 1).map { Swift.min(Swift.max($0, 0), 0.6) } })
        let depthwise = ConvWindow(kernel: (3, 3), stride: (2, 2), padding: (0, 1, 0, 1))
        gradCheck([InputSpec(shape: [2, 3, 7, 8]), InputSpec(shape: [6, 1, 3, 3]), InputSpec(shape: [6])],
                  op: { Tensor.conv2d($0[0], weight: $0[1], bias: $0[2], window: depthwise, groups: 3, low: 0, high: .infinity) },
                  ref: { refConv($0[0], $0[1], $0[2], depthwise, groups: 3).map { Swift.max($0, 0) } })
    }

    @Test func batchNormIsTheSameAtOneAndTwoThreadsAndMatchesTheDefinition() {
        var rng = SeededRNG(seed: 42)
        let (n, c, hw) = (4, 8, 32 * 32)
        let x = Tensor.uniform([n, c, 32, 32], low: -2, high: 3, using: &rng, requiresGrad: true)
        let gamma = Tensor.uniform([c], low: 0.5, high: 1.5, using: &rng, requiresGrad: true)
        let beta = Tensor.uniform([c], low: -0.5, high: 0.5, using: &rng, requiresGrad: true)
        let r = (0..<x.count).map { _ in Float.random(in: -1...1, using: &rng) }
        var stats: [[Float]] = []
        let (one, two) = atOneAndTwoThreads {
            run([x, gamma, beta], r: r) {
                let (y, mean, variance) = Tensor.batchNorm2d($0[0], weight: $0[1], bias: $0[2], eps: 1e-5, low: 0, high: 2)
                stats.append(mean + variance)
                return y
            }
        }
        #expect(one == two, "two threads changed the result")
        #expect(stats[0] == stats[1], "two threads changed the statistics")
        let xv = x.scalars
        var want = [Double](repeating: 0, count: x.count)
        for ch in 0..<c {
            var idx: [Int] = []
            for b in 0..<n { idx += Array(((b * c + ch) * hw)..<((b * c + ch + 1) * hw)) }
            var total = 0.0
            for i in idx { total += Double(xv[i]) }
            let mean = total / Double(idx.count)
            var dev = 0.0
            for i in idx { dev += (Double(xv[i]) - mean) * (Double(xv[i]) - mean) }
            let invStd = 1 / (dev / Double(idx.count) + 1e-5).squareRoot()
            let (g, b) = (Double(gamma.scalars[ch]), Double(beta.scalars[ch]))
            for i in idx {
                let y: Double = (Double(xv[i]) - mean) * invStd * g + b
                want[i] = Swift.min(Swift.max(y, 0), 2)
            }
        }
        expectClose(one.out, want, "output")
    }

    @Test func affineClampAndPoolsAreTheSameAtOneAndTwoThreadsAndMatchTheDefinition() {
        var rng = SeededRNG(seed: 43)
        let shape = [4, 8, 32, 32]
        let x = Tensor.uniform(shape, low: -2, high: 2, using: &rng, requiresGrad: true)
        let scale = Tensor.uniform([8], low: 0.5, high: 1.5, using: &rng, requiresGrad: true)
        let shift = Tensor.uniform([8], low: -0.5, high: 0.5, using: &rng, requiresGrad: true)
        let x2 = Tensor.uniform(shape, low: -2, high: 2, using: &rng, requiresGrad: true)
        let xr = Ref(shape, x.scalars.map(Double.init))
        let windows = [ConvWindow(kernel: (2, 2), stride: (2, 2)), ConvWindow(kernel: (3, 3), stride: (2, 2), padding: (1, 1, 1, 1))]
        typealias Case = (name: String, inputs: [Tensor], op: ([Tensor]) -> Tensor, want: [Double])
        var cases: [Case] = [
            ("channelAffine", [x, scale, shift], { Tensor.channelAffine($0[0], scale: $0[1], shift: $0[2], low: 0, high: 1.5) },
             xr.v.enumerated().map { i, v in
                 let ch = i / 1024 % 8
                 return Swift.min(Swift.max(v * Double(scale.scalars[ch]) + Double(shift.scalars[ch]), 0), 1.5)
             }),
            ("clamped", [x], { $0[0].clamped(low: 0, high: 1) }, xr.v.map { Swift.min(Swift.max($0, 0), 1) }),
            ("clampedSum", [x, x2], { Tensor.clampedSum($0[0], $0[1], low: 0) },
             zip(xr.v, x2.scalars).map { Swift.max($0 + Double($1), 0) }),
            ("globalAvgPool2d", [x], { Tensor.globalAvgPool2d($0[0]) },
             (0..<32).map { q in xr.v[(q * 1024)..<((q + 1) * 1024)].reduce(0, +) / 1024 }),
            // 32 rows into 3 and 32 columns into 5: overlapping windows (rows 0..<11, 10..<22, 21..<32).
            ("adaptiveAvgPool2d", [x], { Tensor.adaptiveAvgPool2d($0[0], outputHeight: 3, outputWidth: 5) },
             (0..<32).flatMap { q in (0..<15).map { cell -> Double in
                 let (i, j) = (cell / 5, cell % 5)
                 let ys = (i * 32 / 3)..<((i + 1) * 32 + 2) / 3, xs = (j * 32 / 5)..<((j + 1) * 32 + 4) / 5
                 return ys.flatMap { y in xs.map { xr.v[q * 1024 + y * 32 + $0] } }.reduce(0, +) / Double(ys.count * xs.count)
             } }),
        ]
        for v in windows {
            cases.append(("maxPool2d \(v)", [x], { Tensor.maxPool2d($0[0], window: v) }, refPool(xr, v, max: true).v))
            cases.append(("avgPool2d \(v)", [x], { Tensor.avgPool2d($0[0], window: v) }, refPool(xr, v, max: false).v))
        }
        for c in cases {
            let probe = Autograd.withoutGrad { c.op(c.inputs) }
            let r = (0..<probe.count).map { _ in Float.random(in: -1...1, using: &rng) }
            let (one, two) = atOneAndTwoThreads { run(c.inputs, r: r, c.op) }
            #expect(one == two, "\(c.name): two threads changed the result")
            expectClose(one.out, c.want, c.name)
        }
    }
}
