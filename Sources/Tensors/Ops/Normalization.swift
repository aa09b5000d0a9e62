// Layer normalisation over the last axis as one fused op (Ba, Kiros & Hinton 2016), with an
// optional elementwise affine weight and bias; its composite twin is built from primitives in
// the tests. Legend: R rows (all leading axes), D normalised extent.

extension Tensor {
    /// (x − mean) / sqrt(var + eps) · weight + bias over the last axis, with the biased variance
    /// (PyTorch's `layer_norm`). Shapes: x [..., D], weight and bias [D] or nil.
    public static func layerNorm(_ x: Tensor, weight: Tensor?, bias: Tensor?, eps: Float = 1e-5) -> Tensor {
        precondition(x.rank >= 1, "layerNorm: needs at least one axis, got a scalar")
        let d = x.shape[x.rank - 1]
        let r = x.shape.dropLast().reduce(1, *)
        if let weight { precondition(weight.shape == [d], "layerNorm: weight \(weight.shape) must be [\(d)] for input \(x.shape)") }
        if let bias { precondition(bias.shape == [d], "layerNorm: bias \(bias.shape) must be [\(d)] for input \(x.shape)") }
        let s = TensorStorage(uninitializedCount: x.count)
        let xhat = TensorStorage(uninitializedCount: x.count)   // normalised input, kept for backward
        var rstd = [Float](repeating: 0, count: r)
        let px = x.storage.base, py = s.base, ph = xhat.base
        let pw = weight?.storage.base, pb = bias?.storage.base
        for row in 0..<r {
            let xr = px + row * d, hr = ph + row * d, yr = py + row * d
            var mean: Float = 0
            for j in 0..<d { mean += xr[j] }
            mean /= Float(d)
            var v: Float = 0
            for j in 0..<d { let c = xr[j] - mean; v += c * c }
            let rs = 1 / (v / Float(d) + eps).squareRoot()
            rstd[row] = rs
            for j in 0..<d { hr[j] = (xr[j] - mean) * rs }
            switch (pw, pb) {
            case let (w?, b?): for j in 0..<d { yr[j] = hr[j] * w[j] + b[j] }
            case let (w?, nil): for j in 0..<d { yr[j] = hr[j] * w[j] }
            case let (nil, b?): for j in 0..<d { yr[j] = hr[j] + b[j] }
            case (nil, nil): yr.update(from: hr, count: d)
            }
        }
        let out = Tensor(shape: x.shape, storage: s)
        let anyGrad = x.requiresGrad || (weight?.requiresGrad ?? false) || (bias?.requiresGrad ?? false)
        guard anyGrad && Autograd.isEnabled else { return out }
        out.record([x] + [weight, bias].compactMap { $0 }) { g in
            let ph = xhat.base
            if let weight, weight.requiresGrad {
                let dw = weight.gradBuffer()
                for row in 0..<r { for j in 0..<d { dw[j] += g[row * d + j] * ph[row * d + j] } }
            }
            if let bias, bias.requiresGrad {
                Kernels.addColumnSums(into: bias.gradBuffer(), from: g, rows: r, cols: d)
            }
            guard x.requiresGrad else { return }
            // dx = rstd · (ĝ − mean(ĝ) − x̂ · mean(ĝ ⊙ x̂)), ĝ = g ⊙ weight
            let dx = x.gradBuffer()
            let pw = weight?.storage.base
            var gh = [Float](repeating: 0, count: d)
            for row in 0..<r {
                let gr = g + row * d, hr = ph + row * d, dr = dx + row * d
                var m1: Float = 0, m2: Float = 0
                for j in 0..<d {
                    let v = pw.map { gr[j] * $0[j] } ?? gr[j]
                    gh[j] = v
                    m1 += v
                    m2 += v * hr[j]
                }
                m1 /= Float(d)
                m2 /= Float(d)
                let rs = rstd[row]
                for j in 0..<d { dr[j] += rs * (gh[j] - m1 - hr[j] * m2) }
            }
        }
        return out
    }
}
