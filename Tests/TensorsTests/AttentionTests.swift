// The fused multi-head attention against a naive loop in Double (forward) and against the same
// computation built from split heads, matmul, softmax and merged heads (forward and gradients),
// with a padding bias, on shapes small enough for one thread and large enough for several.
import Foundation
import Testing
@testable import Tensors

@Suite struct AttentionTests {
    /// softmax(Q_h K_hᵀ/√dh + bias) V_h by plain loops in Double.
    static func naive(_ q: [Float], _ k: [Float], _ v: [Float], _ bias: [Float], b: Int, t: Int, hidden: Int, heads: Int) -> [Double] {
        let dh = hidden / heads
        var out = [Double](repeating: 0, count: b * t * hidden)
        for bi in 0..<b {
            for h in 0..<heads {
                for i in 0..<t {
                    var s = [Double](repeating: 0, count: t)
                    for j in 0..<t {
                        var dot = 0.0
                        for d in 0..<dh { dot += Double(q[(bi * t + i) * hidden + h * dh + d]) * Double(k[(bi * t + j) * hidden + h * dh + d]) }
                        s[j] = dot / Double(dh).squareRoot() + Double(bias[bi * t + j])
                    }
                    let m = s.max()!
                    let e = s.map { Foundation.exp($0 - m) }
                    let total = e.reduce(0, +)
                    for d in 0..<dh {
                        var acc = 0.0
                        for j in 0..<t { acc += e[j] / total * Double(v[(bi * t + j) * hidden + h * dh + d]) }
                        out[(bi * t + i) * hidden + h * dh + d] = acc
                    }
                }
            }
        }
        return out
    }

    /// The same attention from primitives: [B, T, H] → [B·heads, T, dh], matmul, softmax, back.
    static func composite(_ q: Tensor, _ k: Tensor, _ v: Tensor, bias: Tensor, heads: Int) -> Tensor {
        let b = q.shape[0], t = q.shape[1], hidden = q.shape[2], dh = hidden / heads
        func split(_ y: Tensor) -> Tensor { y.reshape([b, t, heads, dh]).transpose(1, 2).reshape([b * heads, t, dh]) }
        let scores = Tensor.matmul(split(q), split(k), transposeB: true) * (1 / Float(dh).squareRoot())
        let masked = (scores.reshape([b, heads, t, t]) + bias.reshape([b, 1, 1, t])).reshape([b * heads, t, t])
        return Tensor.matmul(masked.softmax(axis: -1), split(v)).reshape([b, heads, t, dh]).transpose(1, 2).reshape([b, t, hidden])
    }

    /// B, T, H, heads: one small case and one that spreads (batch, head) pairs over threads.
    static let shapes = [(2, 5, 6, 2), (3, 19, 32, 4)]

    @Test(arguments: shapes)
    func forwardMatchesNaiveLoop(_ shape: (Int, Int, Int, Int)) {
        let (b, t, hidden, heads) = shape
        var rng = SeededRNG(seed: 21)
        let n = b * t * hidden
        let q = (0..<n).map { _ in Float.random(in: -1...1, using: &rng) }
        let k = (0..<n).map { _ in Float.random(in: -1...1, using: &rng) }
        let v = (0..<n).map { _ in Float.random(in: -1...1, using: &rng) }
        // The last two positions of batch entry 0 are padding.
        let bias = (0..<(b * t)).map { $0 < t && $0 >= t - 2 ? Float(-1e9) : 0 }
        let got = Tensor.attention(query: Tensor(shape: [b, t, hidden], scalars: q), key: Tensor(shape: [b, t, hidden], scalars: k),
                                   value: Tensor(shape: [b, t, hidden], scalars: v), heads: heads,
                                   bias: Tensor(shape: [b, 1, t], scalars: bias))
        let want = AttentionTests.naive(q, k, v, bias, b: b, t: t, hidden: hidden, heads: heads)
        #expect(got.shape == [b, t, hidden])
        var worst = 0.0
        for (g, w) in zip(got.scalars, want) { worst = max(worst, abs(Double(g) - w)) }
        #expect(worst < 1e-5, "worst element error \(worst)")
    }

    @Test(arguments: shapes)
    func gradientsMatchComposite(_ shape: (Int, Int, Int, Int)) {
        let (b, t, hidden, heads) = shape
        var rng = SeededRNG(seed: 22)
        func input() -> Tensor { Tensor.uniform([b, t, hidden], low: -1, high: 1, using: &rng, requiresGrad: true) }
        let q = input(), k = input(), v = input()
        let bias = Tensor(shape: [b, 1, t]) { $0 % t == t - 1 && $0 / t == b - 1 ? -1e9 : 0 }
        let weights = Tensor.uniform([b, t, hidden], low: -1, high: 1, using: &rng)
        let fused = Tensor.attention(query: q, key: k, value: v, heads: heads, bias: bias)
        (fused * weights).sum().backward()
        let fusedGrads = [q, k, v].map { $0.grad!.scalars }
        for x in [q, k, v] { x.clearGrad() }
        let twin = AttentionTests.composite(q, k, v, bias: bias, heads: heads)
        (twin * weights).sum().backward()
        for (a, c) in zip(fused.scalars, twin.scalars) { #expect(abs(a - c) < 1e-5) }
        for (name, (x, got)) in zip(["query", "key", "value"], zip([q, k, v], fusedGrads)) {
            var worst: Float = 0
            for (g, w) in zip(got, x.grad!.scalars) { worst = max(worst, abs(g - w)) }
            #expect(worst < 1e-4, "\(name) gradient: worst element difference \(worst)")
        }
    }

    @Test func onlyRequestedGradientsAreComputedAndNoGraphWithoutGrad() {
        var rng = SeededRNG(seed: 23)
        let q = Tensor.uniform([1, 4, 4], low: -1, high: 1, using: &rng)
        let k = Tensor.uniform([1, 4, 4], low: -1, high: 1, using: &rng)
        let v = Tensor.uniform([1, 4, 4], low: -1, high: 1, using: &rng, requiresGrad: true)
        Tensor.attention(query: q, key: k, value: v, heads: 2).sum().backward()
        #expect(q.grad == nil && k.grad == nil && v.grad != nil)
        // Each query row's weights sum to 1, so the value gradient sums to the row count per column.
        let dv = v.grad!.scalars
        for c in 0..<4 { #expect(abs((0..<4).map { dv[$0 * 4 + c] }.reduce(0, +) - 4) < 1e-5) }
        let free = Autograd.withoutGrad { Tensor.attention(query: q, key: k, value: v, heads: 2) }
        #expect(!free.requiresGrad && free.isLeaf)
    }
}
