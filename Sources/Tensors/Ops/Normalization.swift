// Layer normalisation over the last axis as one fused op (Ba, Kiros & Hinton 2016), with an
// optional elementwise affine weight and bias; its composite twin is built from primitives in
// the tests. Rows are split over the worker threads; sums run in 16 lanes.
// Legend: R rows (all leading axes), D normalised extent.

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
        let rstd = TensorStorage(uninitializedCount: r)
        let px = UnsafePointer(x.storage.base), py = s.base, ph = xhat.base, prs = rstd.base
        let pw = weight.map { UnsafePointer($0.storage.base) }, pb = bias.map { UnsafePointer($0.storage.base) }
        let inverseD = 1 / Float(d)
        Parallel.forRanges(r, minimumPerThread: Swift.max(1, 16_384 / Swift.max(d, 1)), alignment: 1) { rows in
            for row in rows {
                let xr = px + row * d, hr = ph + row * d, yr = py + row * d
                let mean = Kernels.sum(xr, d) * inverseD
                for j in 0..<d { hr[j] = xr[j] - mean }
                let rs = 1 / (Kernels.dot(hr, hr, d) * inverseD + eps).squareRoot()
                prs[row] = rs
                for j in 0..<d { hr[j] *= rs }
                switch (pw, pb) {
                case let (w?, b?): for j in 0..<d { yr[j] = hr[j] * w[j] + b[j] }
                case let (w?, nil): for j in 0..<d { yr[j] = hr[j] * w[j] }
                case let (nil, b?): for j in 0..<d { yr[j] = hr[j] + b[j] }
                case (nil, nil): yr.update(from: hr, count: d)
                }
            }
        }
        let out = Tensor(shape: x.shape, storage: s)
        let anyGrad = x.requiresGrad || (weight?.requiresGrad ?? false) || (bias?.requiresGrad ?? false)
        guard anyGrad && Autograd.isEnabled else { return out }
        out.record([x] + [weight, bias].compactMap { $0 }) { g in
            let ph = UnsafePointer(xhat.base)
            if let weight, weight.requiresGrad {   // dw[j] += Σ_row g ⊙ x̂, columns split over threads
                let dw = weight.gradBuffer()
                Parallel.forRanges(d, minimumPerThread: Swift.max(16, 32_768 / Swift.max(r, 1))) { cols in
                    let c0 = cols.lowerBound, n = cols.count
                    for row in 0..<r {
                        let gr = g + row * d + c0, hr = ph + row * d + c0, dr = dw + c0
                        for j in 0..<n { dr[j] += gr[j] * hr[j] }
                    }
                }
            }
            if let bias, bias.requiresGrad {
                Kernels.addColumnSums(into: bias.gradBuffer(), from: g, rows: r, cols: d)
            }
            guard x.requiresGrad else { return }
            // dx = rstd · (ĝ − mean(ĝ) − x̂ · mean(ĝ ⊙ x̂)), ĝ = g ⊙ weight
            let dx = x.gradBuffer()
            let pw = weight.map { UnsafePointer($0.storage.base) }
            let prs = UnsafePointer(rstd.base)
            Parallel.forRanges(r, minimumPerThread: Swift.max(1, 16_384 / Swift.max(d, 1)), alignment: 1) { rows in
                let gh = UnsafeMutablePointer<Float>.allocate(capacity: Swift.max(d, 1))
                defer { gh.deallocate() }
                for row in rows {
                    let gr = g + row * d, hr = ph + row * d, dr = dx + row * d
                    if let w = pw { for j in 0..<d { gh[j] = gr[j] * w[j] } } else { gh.update(from: gr, count: d) }
                    let m1 = Kernels.sum(gh, d) * inverseD
                    let m2 = Kernels.dot(gh, hr, d) * inverseD
                    let rs = prs[row]
                    for j in 0..<d { dr[j] += rs * (gh[j] - m1 - hr[j] * m2) }
                }
            }
        }
        return out
    }
}
