// Double-precision references for the vision layers, written with plain index loops (no gather,
// no BLAS), and the finite-difference gradient check that compares the layers against them.
// Legend: N batch, C in channels, O out channels, H×W input, OH×OW output.

import Testing
import Tensors
@testable import FineTune

/// Naive convolution in Double: x [N,C,H,W], w [O,C/G,KH,KW], b [O] or empty.
func naiveConv(_ x: [Double], _ xs: [Int], _ w: [Double], _ ws: [Int], _ b: [Double], window: Window2d, groups: Int) -> (values: [Double], shape: [Int]) {
    let (n, c, h, wd) = (xs[0], xs[1], xs[2], xs[3])
    let (o, cg, kh, kw) = (ws[0], ws[1], ws[2], ws[3])
    let (oh, ow) = window.outputSize(h: h, w: wd)
    let og = o / groups
    var out = [Double](repeating: 0, count: n * o * oh * ow)
    for b0 in 0..<n { for oc in 0..<o { for y in 0..<oh { for x0 in 0..<ow {
        var acc = b.isEmpty ? 0 : b[oc]
        let g = oc / og
        for ci in 0..<cg { for i in 0..<kh { for j in 0..<kw {
            let hi = y * window.stride.h - window.padding.top + i * window.dilation.h
            let wi = x0 * window.stride.w - window.padding.left + j * window.dilation.w
            guard hi >= 0, hi < h, wi >= 0, wi < wd else { continue }
            let c0 = g * cg + ci
            acc += x[((b0 * c + c0) * h + hi) * wd + wi] * w[((oc * cg + ci) * kh + i) * kw + j]
        } } }
        out[((b0 * o + oc) * oh + y) * ow + x0] = acc
    } } } }
    return (out, [n, o, oh, ow])
}

/// Naive pooling in Double (max pads with −∞, average counts padding as zeros).
func naivePool(_ x: [Double], _ xs: [Int], kind: PoolKind, window: Window2d) -> (values: [Double], shape: [Int]) {
    let (n, c, h, w) = (xs[0], xs[1], xs[2], xs[3])
    let (oh, ow) = window.outputSize(h: h, w: w)
    var out = [Double]()
    for plane in 0..<(n * c) { for y in 0..<oh { for x0 in 0..<ow {
        var acc = kind == .max ? -Double.infinity : 0
        for i in 0..<window.kernel.h { for j in 0..<window.kernel.w {
            let hi = y * window.stride.h - window.padding.top + i * window.dilation.h
            let wi = x0 * window.stride.w - window.padding.left + j * window.dilation.w
            let v = (hi >= 0 && hi < h && wi >= 0 && wi < w) ? x[(plane * h + hi) * w + wi] : (kind == .max ? -Double.infinity : 0)
            acc = kind == .max ? max(acc, v) : acc + v
        } }
        out.append(kind == .max ? acc : acc / Double(window.kernel.h * window.kernel.w))
    } } }
    return (out, [n, c, oh, ow])
}

/// Naive training-mode batch normalisation in Double.
func naiveBatchNorm(_ x: [Double], _ xs: [Int], weight: [Double], bias: [Double], eps: Double) -> [Double] {
    let (n, c, hw) = (xs[0], xs[1], xs[2] * xs[3])
    var out = x
    for ch in 0..<c {
        var idx = [Int]()
        for b in 0..<n { for p in 0..<hw { idx.append((b * c + ch) * hw + p) } }
        let mean = idx.reduce(0) { $0 + x[$1] } / Double(idx.count)
        let variance = idx.reduce(0) { $0 + (x[$1] - mean) * (x[$1] - mean) } / Double(idx.count)
        for i in idx { out[i] = (x[i] - mean) / (variance + eps).squareRoot() * weight[ch] + bias[ch] }
    }
    return out
}

/// Deterministic values in [−1, 1].
func randomValues(_ count: Int, seed: UInt64) -> [Float] {
    var rng = SplitMix64(seed: seed)
    return (0..<count).map { _ in Float(rng.unitDouble() * 2 - 1) }
}

/// Checks the layer's output and the gradients of `inputs` against `reference` (Double) and its
/// central finite differences, for the loss Σ out ⊙ r with fixed random r.
func checkAgainstReference(inputs: [Tensor], output: Tensor, tolerance: Double = 1e-5, gradTolerance: Double = 2e-4,
                           sourceLocation: SourceLocation = #_sourceLocation,
                           reference: ([[Double]]) -> [Double]) {
    let base = inputs.map { $0.scalars.map(Double.init) }
    let expected = reference(base)
    #expect(output.count == expected.count, "output has \(output.count) values, reference \(expected.count)", sourceLocation: sourceLocation)
    guard output.count == expected.count else { return }
    for (i, (got, want)) in zip(output.scalars, expected).enumerated() where abs(Double(got) - want) > tolerance * (1 + abs(want)) {
        Issue.record("forward element \(i): \(got), reference \(want)", sourceLocation: sourceLocation)
        return
    }
    let r = randomValues(output.count, seed: 99)
    (output * Tensor(shape: output.shape, scalars: r)).sum().backward()
    let rd = r.map(Double.init)
    func loss(_ xs: [[Double]]) -> Double { zip(reference(xs), rd).reduce(0) { $0 + $1.0 * $1.1 } }
    let h = 1e-6
    for (t, tensor) in inputs.enumerated() {
        guard let grad = tensor.grad?.scalars else {
            Issue.record("input \(t) \(tensor.shape) received no gradient", sourceLocation: sourceLocation)
            continue
        }
        for j in 0..<tensor.count {
            var plus = base, minus = base
            plus[t][j] += h
            minus[t][j] -= h
            let fd = (loss(plus) - loss(minus)) / (2 * h)
            if abs(Double(grad[j]) - fd) > gradTolerance * (1 + abs(fd)) {
                Issue.record("input \(t) \(tensor.shape) element \(j): gradient \(grad[j]), finite difference \(fd)", sourceLocation: sourceLocation)
                return
            }
        }
    }
}
