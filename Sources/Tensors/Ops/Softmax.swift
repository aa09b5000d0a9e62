// Softmax and log-softmax along an axis, and cross-entropy from logits with integer labels and
// optional label smoothing. Fused kernels (max-shifted, one pass per row); their composite twins
// (exp / sum, x − log Σ exp) are checked against them in the tests.
// Legend: O outer extent, L softmax axis, I inner extent; N batch, C classes.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension Tensor {
    /// Softmax along `axis`: exp(x − max) / Σ exp(x − max).
    public func softmax(axis: Int = -1) -> Tensor {
        let a = Shapes.axis(axis, rank: rank, op: "softmax")
        let (o, l, inner) = splitAt(a)
        let s = TensorStorage(uninitializedCount: count)
        Tensor.softmaxRows(storage.base, into: s.base, outer: o, len: l, inner: inner, log: false)
        let out = Tensor(shape: shape, storage: s)
        if Tensor.needsGrad(self) {
            // dx = y ⊙ (g − Σ g⊙y)
            out.record([self]) { [x = self, ys = s] g in
                let dx = x.gradBuffer(), y = UnsafePointer(ys.base)
                if inner == 1 {
                    Parallel.forRanges(o, minimumPerThread: Swift.max(1, 16_384 / Swift.max(l, 1)), alignment: 1) { rows in
                        for i in rows { Tensor.softmaxRowBackward(g + i * l, y + i * l, dx + i * l, l, scale: 1) }
                    }
                    return
                }
                for i in 0..<o {
                    for j in 0..<inner {
                        let base = i * l * inner + j
                        var dot: Float = 0
                        for t in 0..<l { dot += g[base + t * inner] * y[base + t * inner] }
                        for t in 0..<l { dx[base + t * inner] += y[base + t * inner] * (g[base + t * inner] - dot) }
                    }
                }
            }
        }
        return out
    }

    /// Log-softmax along `axis`: x − max − log Σ exp(x − max).
    public func logSoftmax(axis: Int = -1) -> Tensor {
        let a = Shapes.axis(axis, rank: rank, op: "logSoftmax")
        let (o, l, inner) = splitAt(a)
        let s = TensorStorage(uninitializedCount: count)
        Tensor.softmaxRows(storage.base, into: s.base, outer: o, len: l, inner: inner, log: true)
        let out = Tensor(shape: shape, storage: s)
        if Tensor.needsGrad(self) {
            // dx = g − softmax ⊙ Σ g
            out.record([self]) { [x = self, ys = s] g in
                let dx = x.gradBuffer(), y = ys.base
                for i in 0..<o {
                    for j in 0..<inner {
                        let base = i * l * inner + j
                        var total: Float = 0
                        for t in 0..<l { total += g[base + t * inner] }
                        for t in 0..<l { dx[base + t * inner] += g[base + t * inner] - expf(y[base + t * inner]) * total }
                    }
                }
            }
        }
        return out
    }

    /// dx += scale · y ⊙ (g − Σ g⊙y) for one contiguous row of length n.
    @inline(__always)
    static func softmaxRowBackward(_ g: UnsafePointer<Float>, _ y: UnsafePointer<Float>, _ dx: UnsafeMutablePointer<Float>,
                                   _ n: Int, scale: Float) {
        let dot = Kernels.dot(g, y, n)
        for t in 0..<n { dx[t] += scale * y[t] * (g[t] - dot) }
    }

    /// In place: row ← softmax(row + bias) for one contiguous row of length n (bias may be nil),
    /// with the vectorisable exp (exactly 0 where the shifted score is below −87).
    @inline(__always)
    static func softmaxRowInPlace(_ row: UnsafeMutablePointer<Float>, bias: UnsafePointer<Float>?, _ n: Int) {
        if let bias { for t in 0..<n { row[t] += bias[t] } }
        let m = Kernels.maximum(row, n)
        for t in 0..<n { row[t] = fastExpOrZero(row[t] - m) }
        let inv = 1 / Kernels.sum(row, n)
        for t in 0..<n { row[t] *= inv }
    }

    /// Softmax or log-softmax of each (outer, inner) line of length `len` with stride `inner`.
    static func softmaxRows(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>,
                            outer: Int, len: Int, inner: Int, log: Bool) {
        if inner == 1 && !log && len > 0 {
            Parallel.forRanges(outer, minimumPerThread: Swift.max(1, 16_384 / len), alignment: 1) { rows in
                for i in rows {
                    (y + i * len).update(from: x + i * len, count: len)
                    softmaxRowInPlace(y + i * len, bias: nil, len)
                }
            }
            return
        }
        for i in 0..<outer {
            for j in 0..<inner {
                let base = i * len * inner + j
                var m = -Float.infinity
                for t in 0..<len { m = Swift.max(m, x[base + t * inner]) }
                var total: Float = 0
                for t in 0..<len {
                    let e = expf(x[base + t * inner] - m)
                    y[base + t * inner] = e
                    total += e
                }
                if log {
                    let shift = m + logf(total)
                    for t in 0..<len { y[base + t * inner] = x[base + t * inner] - shift }
                } else {
                    let inv = 1 / total
                    for t in 0..<len { y[base + t * inner] *= inv }
                }
            }
        }
    }

    /// Cross-entropy between `logits` [N, C] and integer `labels` (N values in 0..<C), averaged
    /// over the batch, as PyTorch's `cross_entropy(logits, labels, label_smoothing: ε)`: the
    /// target is (1 − ε)·onehot + ε/C, so loss_n = −(1 − ε)·log p[label] − ε/C · Σ_c log p[c].
    public static func crossEntropy(logits: Tensor, labels: [Int], labelSmoothing: Float = 0) -> Tensor {
        precondition(logits.rank == 2, "crossEntropy: logits must be [N, C], got \(logits.shape)")
        let n = logits.shape[0], c = logits.shape[1]
        precondition(labels.count == n, "crossEntropy: \(labels.count) labels for logits \(logits.shape)")
        precondition(labelSmoothing >= 0 && labelSmoothing <= 1, "crossEntropy: labelSmoothing \(labelSmoothing) must be in [0, 1]")
        let logp = TensorStorage(uninitializedCount: n * c)
        softmaxRows(logits.storage.base, into: logp.base, outer: n, len: c, inner: 1, log: true)
        let eps = labelSmoothing, off = eps / Float(c), on = 1 - eps
        var total: Double = 0
        for r in 0..<n {
            let label = labels[r]
            precondition(label >= 0 && label < c, "crossEntropy: label \(label) at row \(r) is outside 0..<\(c)")
            let row = logp.base + r * c
            var rowSum: Float = 0
            if eps > 0 { for j in 0..<c { rowSum += row[j] } }
            total += Double(-on * row[label] - off * rowSum)
        }
        let out = Tensor(Float(total / Double(Swift.max(n, 1))))
        if needsGrad(logits) {
            // d loss / d logit = (softmax − target) / N
            out.record([logits]) { g in
                let dx = logits.gradBuffer(), scale = g[0] / Float(Swift.max(n, 1))
                for r in 0..<n {
                    let row = logp.base + r * c, d = dx + r * c
                    for j in 0..<c { d[j] += scale * (expf(row[j]) - off) }
                    d[labels[r]] -= scale * on
                }
            }
        }
        return out
    }
}
