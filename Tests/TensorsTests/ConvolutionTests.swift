// Convolution and pooling against naive Double loops written from the definition (forward,
// element by element) and their gradients against central differences of those loops, on odd
// shapes: groups, depthwise with a channel multiplier, dilation, stride 2, asymmetric padding.

import Testing
@testable import Tensors

/// Naive conv2d from the definition: out[n,o,y,x] = b[o] + Σ w[o,ci,i,j] · xpad[n, g·Cg+ci, y·SH+i·DH, x·SW+j·DW].
func refConv(_ x: Ref, _ w: Ref, _ b: Ref?, _ v: ConvWindow, groups g: Int) -> Ref {
    let (n, c, h, wd) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
    let (o, cg, kh, kw) = (w.shape[0], w.shape[1], w.shape[2], w.shape[3])
    let og = o / g
    let (oh, ow) = v.outputSize(h: h, w: wd)
    var out = [Double](repeating: 0, count: n * o * oh * ow)
    for b0 in 0..<n {
        for oc in 0..<o {
            let grp = oc / og
            for y in 0..<oh {
                for xx in 0..<ow {
                    var s = b?.v[oc] ?? 0
                    for ci in 0..<cg {
                        for i in 0..<kh {
                            for j in 0..<kw {
                                let hy = y * v.strideH - v.padTop + i * v.dilationH
                                let wx = xx * v.strideW - v.padLeft + j * v.dilationW
                                guard hy >= 0 && hy < h && wx >= 0 && wx < wd else { continue }
                                s += w.v[((oc * cg + ci) * kh + i) * kw + j] * x.v[((b0 * c + grp * cg + ci) * h + hy) * wd + wx]
                            }
                        }
                    }
                    out[((b0 * o + oc) * oh + y) * ow + xx] = s
                }
            }
        }
    }
    return Ref([n, o, oh, ow], out)
}

/// Naive pooling: max (padding −∞) or mean of KH·KW taps (padding zeros).
func refPool(_ x: Ref, _ v: ConvWindow, max isMax: Bool) -> Ref {
    let (n, c, h, wd) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
    let (oh, ow) = v.outputSize(h: h, w: wd)
    var out = [Double](repeating: 0, count: n * c * oh * ow)
    for q in 0..<(n * c) {
        for y in 0..<oh {
            for xx in 0..<ow {
                var s = isMax ? -Double.infinity : 0
                for i in 0..<v.kernelH {
                    for j in 0..<v.kernelW {
                        let hy = y * v.strideH - v.padTop + i * v.dilationH
                        let wx = xx * v.strideW - v.padLeft + j * v.dilationW
                        guard hy >= 0 && hy < h && wx >= 0 && wx < wd else { continue }
                        let e = x.v[(q * h + hy) * wd + wx]
                        s = isMax ? Swift.max(s, e) : s + e
                    }
                }
                out[(q * oh + y) * ow + xx] = isMax ? s : s / Double(v.kernelH * v.kernelW)
            }
        }
    }
    return Ref([n, c, oh, ow], out)
}

/// One convolution case: input, weight shape, window, groups, bias or not.
struct ConvCase: CustomTestStringConvertible, Sendable {
    var input: [Int]
    var weight: [Int]
    var window: ConvWindow
    var groups: Int
    var bias: Bool
    var testDescription: String { "x\(input) w\(weight) g\(groups) \(window)" }
}

private let convCases: [ConvCase] = [
    // dense 3×3, padding 1, bias
    ConvCase(input: [2, 3, 7, 6], weight: [4, 3, 3, 3], window: ConvWindow(kernel: (3, 3), padding: (1, 1, 1, 1)), groups: 1, bias: true),
    // stride 2, dilation 2, asymmetric padding, 2 groups, non-square kernel, no bias
    ConvCase(input: [2, 4, 9, 8], weight: [6, 2, 3, 2], window: ConvWindow(kernel: (3, 2), stride: (2, 2), padding: (0, 1, 2, 0), dilation: (2, 2)), groups: 2, bias: false),
    // stride (2, 1), TF-same style padding (odd pixel below and right)
    ConvCase(input: [1, 2, 7, 5], weight: [3, 2, 3, 3], window: ConvWindow(kernel: (3, 3), stride: (2, 1), padding: (1, 1, 1, 1)), groups: 1, bias: true),
    // depthwise with a channel multiplier 2, stride 2, asymmetric padding
    ConvCase(input: [2, 3, 7, 8], weight: [6, 1, 3, 3], window: ConvWindow(kernel: (3, 3), stride: (2, 2), padding: (0, 1, 0, 1)), groups: 3, bias: true),
    // depthwise 5×5, dilation 2, padding 4 (same size)
    ConvCase(input: [1, 4, 6, 7], weight: [4, 1, 5, 5], window: ConvWindow(kernel: (5, 5), padding: (4, 4, 4, 4), dilation: (2, 2)), groups: 4, bias: false),
    // depthwise 5×5, stride 2, padding 2 on every side (negative column offsets in both phases)
    ConvCase(input: [1, 2, 9, 10], weight: [2, 1, 5, 5], window: ConvWindow(kernel: (5, 5), stride: (2, 2), padding: (2, 2, 2, 2)), groups: 2, bias: true),
    // stride 2 over rows wide enough for the eight-lane gather and scatter (output width 11) and
    // the one-run copy of stride 1 (columns shifted by the padding); two images in one chunk
    ConvCase(input: [2, 3, 5, 21], weight: [4, 3, 3, 3], window: ConvWindow(kernel: (3, 3), stride: (2, 2), padding: (1, 1, 1, 1)), groups: 1, bias: false),
    ConvCase(input: [2, 2, 4, 19], weight: [3, 2, 3, 3], window: ConvWindow(kernel: (3, 3), padding: (1, 1, 1, 1)), groups: 1, bias: true),
    // pointwise, one image (the GEMM reads the input directly) and two images
    ConvCase(input: [1, 5, 3, 4], weight: [3, 5, 1, 1], window: ConvWindow(kernel: (1, 1)), groups: 1, bias: true),
    ConvCase(input: [3, 5, 3, 4], weight: [3, 5, 1, 1], window: ConvWindow(kernel: (1, 1)), groups: 1, bias: false),
    // pointwise with stride 2
    ConvCase(input: [2, 3, 5, 5], weight: [2, 3, 1, 1], window: ConvWindow(kernel: (1, 1), stride: (2, 2)), groups: 1, bias: true),
]

@Suite struct ConvolutionTests {
    @Test(arguments: convCases)
    func convolutionMatchesNaiveLoopAndFiniteDifferences(_ t: ConvCase) {
        var specs = [InputSpec(shape: t.input), InputSpec(shape: t.weight)]
        if t.bias { specs.append(InputSpec(shape: [t.weight[0]])) }
        gradCheck(specs,
                  op: { Tensor.conv2d($0[0], weight: $0[1], bias: t.bias ? $0[2] : nil, window: t.window, groups: t.groups) },
                  ref: { refConv($0[0], $0[1], t.bias ? $0[2] : nil, t.window, groups: t.groups) })
    }

    @Test func convolutionWithoutGradientRecordsNothing() {
        let x = Tensor(shape: [1, 2, 4, 4], repeating: 1, requiresGrad: true)
        let w = Tensor(shape: [3, 2, 3, 3], repeating: 0.5, requiresGrad: true)
        let y = Autograd.withoutGrad { Tensor.conv2d(x, weight: w, window: ConvWindow(kernel: (3, 3), padding: (1, 1, 1, 1))) }
        #expect(!y.requiresGrad)
        // Centre pixel: all 2·9 taps inside, each 1 · 0.5; corner: 2·4 taps.
        #expect(y[0, 1, 1, 1] == 9 && y[0, 2, 0, 0] == 4)
    }

    @Test(arguments: [
        ConvWindow(kernel: (2, 2), stride: (2, 2)),
        ConvWindow(kernel: (3, 3), stride: (2, 2), padding: (1, 1, 1, 1)),
        ConvWindow(kernel: (3, 2), stride: (1, 2), padding: (1, 0, 1, 1), dilation: (2, 1)),
    ])
    func maxPoolMatchesNaiveLoopAndFiniteDifferences(_ v: ConvWindow) {
        gradCheck([InputSpec(shape: [2, 3, 7, 6])], op: { Tensor.maxPool2d($0[0], window: v) }, ref: { refPool($0[0], v, max: true) })
    }

    @Test(arguments: [
        ConvWindow(kernel: (2, 2), stride: (2, 2)),
        ConvWindow(kernel: (3, 3), stride: (2, 2), padding: (1, 1, 1, 1)),
        ConvWindow(kernel: (3, 2), stride: (1, 2), padding: (1, 0, 0, 1)),
    ])
    func avgPoolMatchesNaiveLoopAndFiniteDifferences(_ v: ConvWindow) {
        gradCheck([InputSpec(shape: [2, 3, 7, 6])], op: { Tensor.avgPool2d($0[0], window: v) }, ref: { refPool($0[0], v, max: false) })
    }

    @Test func maxPoolTiesGoToTheFirstTap() {
        let x = Tensor(shape: [1, 1, 2, 2], scalars: [1, 3, 3, 2], requiresGrad: true)
        let y = Tensor.maxPool2d(x, window: ConvWindow(kernel: (2, 2), stride: (2, 2)))
        #expect(y.scalars == [3])
        y.sum().backward()
        #expect(x.grad?.scalars == [0, 1, 0, 0])
    }

    @Test func tiledMaxPoolSendsTiesToTheFirstTapOfEveryWindow() {
        // 3 × 5 windows of 2×2 (the vector path, with an overlapping last group of eight); every
        // window holds its maximum twice, at its second and fourth tap.
        var v = [Float](repeating: 0, count: 6 * 10)
        for oy in 0..<3 {
            for ox in 0..<5 {
                let m = Float(oy * 5 + ox)
                v[(2 * oy) * 10 + 2 * ox + 1] = m
                v[(2 * oy + 1) * 10 + 2 * ox + 1] = m
                v[(2 * oy) * 10 + 2 * ox] = m - 1
                v[(2 * oy + 1) * 10 + 2 * ox] = m - 2
            }
        }
        let x = Tensor(shape: [1, 1, 6, 10], scalars: v, requiresGrad: true)
        let y = Tensor.maxPool2d(x, window: ConvWindow(kernel: (2, 2), stride: (2, 2)))
        #expect(y.scalars == (0..<15).map(Float.init))
        y.sum().backward()
        let want = (0..<60).map { i -> Float in (i / 10) % 2 == 0 && i % 2 == 1 ? 1 : 0 }
        #expect(x.grad?.scalars == want)
    }

    @Test func channelAffineWithClampMatchesComposedOpsAndFiniteDifferences() {
        // Inputs spread over [-3, 3] so some values land outside the clamp (none at its edges).
        gradCheck([InputSpec(shape: [2, 3, 4, 5], range: -3...3), InputSpec(shape: [3], range: 0.5...2), InputSpec(shape: [3])],
                  op: { Tensor.channelAffine($0[0], scale: $0[1], shift: $0[2], low: 0, high: 1.5) },
                  ref: { r in
                      var out = r[0]
                      for i in 0..<out.count {
                          let ch = i / 20 % 3
                          out.v[i] = Swift.min(Swift.max(r[0].v[i] * r[1].v[ch] + r[2].v[ch], 0), 1.5)
                      }
                      return out
                  })
        gradCheck([InputSpec(shape: [3, 7], range: -2...8)], op: { $0[0].clamped(low: 0, high: 6) },
                  ref: { $0[0].map { Swift.min(Swift.max($0, 0), 6) } })
    }

    @Test(arguments: [2, 7])
    func chunksOfSeveralImagesGiveTheResultsOfSingleImageChunks(_ imagesPerChunk: Int) {
        // Several images per chunk read their columns at a row stride of the chunk's width; one
        // image per chunk (the default, checked against the definition above) is the reference.
        // 13 images at 2 a chunk: 8 chunks of 1–2; at 7: 4 chunks of 3–4. Bias, clamp, two groups, stride 2.
        var rng = SeededRNG(seed: 11)
        let x = Tensor.uniform([13, 4, 9, 10], low: -1, high: 1, using: &rng, requiresGrad: true)
        let w = Tensor.uniform([6, 2, 3, 3], low: -0.5, high: 0.5, using: &rng, requiresGrad: true)
        let b = Tensor.uniform([6], low: -0.5, high: 0.5, using: &rng, requiresGrad: true)
        let window = ConvWindow(kernel: (3, 3), stride: (2, 2), padding: (1, 1, 1, 1))
        func run(_ chunk: Int) -> [[Float]] {
            for t in [x, w, b] { t.clearGrad() }
            let y = Tensor.conv2d(x, weight: w, bias: b, window: window, groups: 2, low: 0, high: .infinity, imagesPerChunk: chunk)
            let r = Tensor(shape: y.shape, scalars: (0..<y.count).map { Float($0 % 7) / 7 - 0.4 })
            (y * r).sum().backward()
            return [y.scalars, x.grad!.scalars, w.grad!.scalars, b.grad!.scalars]
        }
        let reference = run(1), chunked = run(imagesPerChunk)
        for (name, (got, want)) in zip(["output", "dx", "dW", "db"], zip(chunked, reference)) {
            for (i, (g, e)) in zip(got, want).enumerated() where abs(g - e) > 1e-5 * (1 + abs(e)) {
                Issue.record("\(name)[\(i)] = \(g) with \(imagesPerChunk) images a chunk, \(e) with one")
                break
            }
        }
    }

    @Test func clampedSumMatchesDefinitionAndFiniteDifferences() {
        // 2·3·5·7 = 210 values: eight-lane runs and a tail; sums land on both sides of each bound.
        for (low, high) in [(Float(0), Float.infinity), (Float(-1), Float(1.5))] {
            gradCheck([InputSpec(shape: [2, 3, 5, 7], range: -2...2), InputSpec(shape: [2, 3, 5, 7], range: -2...2)],
                      op: { Tensor.clampedSum($0[0], $0[1], low: low, high: high) },
                      ref: { r in
                          var out = r[0]
                          for i in 0..<out.count { out.v[i] = Swift.min(Swift.max(r[0].v[i] + r[1].v[i], Double(low)), Double(high)) }
                          return out
                      })
        }
        // The same tensor on both sides gets both gradients.
        gradCheck([InputSpec(shape: [4, 9], range: -2...2)], op: { Tensor.clampedSum($0[0], $0[0], low: 0) },
                  ref: { $0[0].map { Swift.max(2 * $0, 0) } })
    }

    @Test(arguments: [(-Float.infinity, Float.infinity), (Float(0), Float.infinity), (Float(0), Float(0.8))] as [(Float, Float)])
    func batchNormWithBatchStatisticsMatchesDefinitionAndFiniteDifferences(_ low: Float, _ high: Float) {
        gradCheck([InputSpec(shape: [3, 2, 3, 5], range: -2...2), InputSpec(shape: [2], range: 0.5...1.5), InputSpec(shape: [2])],
                  forwardTolerance: 1e-4, gradTolerance: 1e-3,
                  op: { Tensor.batchNorm2d($0[0], weight: $0[1], bias: $0[2], eps: 1e-3, low: low, high: high).output },
                  ref: { r in
                      var out = r[0]
                      for ch in 0..<2 {
                          let idx = (0..<3).flatMap { b in (0..<15).map { (b * 2 + ch) * 15 + $0 } }
                          let mean = idx.reduce(0.0) { $0 + r[0].v[$1] } / 45
                          let variance = idx.reduce(0.0) { $0 + (r[0].v[$1] - mean) * (r[0].v[$1] - mean) } / 45
                          for i in idx {
                              let y = (r[0].v[i] - mean) / (variance + 1e-3).squareRoot() * r[1].v[ch] + r[2].v[ch]
                              out.v[i] = Swift.min(Swift.max(y, Double(low)), Double(high))
                          }
                      }
                      return out
                  })
    }

    @Test func globalAveragePoolMatchesMeanAndFiniteDifferences() {
        gradCheck([InputSpec(shape: [2, 3, 5, 3])], op: { Tensor.globalAvgPool2d($0[0]) }, ref: { x in
            var means = [Double](repeating: 0, count: 6)
            for q in 0..<6 {
                for t in 0..<15 { means[q] += x[0].v[q * 15 + t] }
                means[q] /= 15
            }
            return Ref([2, 3], means)
        })
    }

    @Test func adaptiveAveragePoolMatchesPyTorchAndFiniteDifferences() {
        // torch.nn.functional.adaptive_avg_pool2d(torch.arange(15.).reshape(1, 1, 5, 3), size), torch 2.13.
        let x = Tensor(shape: [1, 1, 5, 3], scalars: (0..<15).map(Float.init))
        #expect(Tensor.adaptiveAvgPool2d(x, outputHeight: 3, outputWidth: 2).scalars == [2, 3, 6.5, 7.5, 11, 12])
        #expect(Tensor.adaptiveAvgPool2d(x, outputHeight: 4, outputWidth: 4).scalars
                == [1.5, 2, 3, 3.5, 4.5, 5, 6, 6.5, 7.5, 8, 9, 9.5, 10.5, 11, 12, 12.5])
        #expect(abs(Tensor.adaptiveAvgPool2d(x, outputHeight: 1, outputWidth: 1).scalars[0] - Tensor.globalAvgPool2d(x).scalars[0]) < 1e-5)
        for (oh, ow) in [(2, 2), (4, 3), (3, 5)] {
            gradCheck([InputSpec(shape: [2, 2, 5, 4])], op: { Tensor.adaptiveAvgPool2d($0[0], outputHeight: oh, outputWidth: ow) }, ref: { x in
                var out = [Double]()
                for q in 0..<4 {
                    for i in 0..<oh {
                        for j in 0..<ow {
                            let ys = (i * 5 / oh)..<Int((Double((i + 1) * 5) / Double(oh)).rounded(.up))
                            let xs = (j * 4 / ow)..<Int((Double((j + 1) * 4) / Double(ow)).rounded(.up))
                            var total = 0.0
                            for y in ys { for c in xs { total += x[0].v[q * 20 + y * 4 + c] } }
                            out.append(total / Double(ys.count * xs.count))
                        }
                    }
                }
                return Ref([2, 2, oh, ow], out)
            })
        }
    }
}
