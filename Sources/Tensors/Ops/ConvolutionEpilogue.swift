// What follows a convolution, fused into single passes over NCHW tensors: a per-channel affine
// map (batch norm with fixed statistics) with an optional clamp (ReLU, ReLU6), a plain clamp, and
// a clamped sum (a residual connection and its ReLU).
// Legend: N batch, C channels, S = H·W pixels per plane. Planes (backward: channels) are spread
// over the worker threads. Left out: batch statistics (ConvolutionBatchNorm.swift).

extension Tensor {
    /// y = min(max(x · scale[c] + shift[c], low), high) on x [N, C, ...] with scale, shift [C]:
    /// batch norm with running statistics (and ReLU or ReLU6 when clamped) in one pass.
    /// The gradient passes where low < x · scale + shift < high (as PyTorch's hardtanh).
    public static func channelAffine(_ x: Tensor, scale: Tensor, shift: Tensor,
                                     low: Float = -.infinity, high: Float = .infinity) -> Tensor {
        precondition(x.rank >= 2 && scale.shape == [x.shape[1]] && shift.shape == [x.shape[1]],
                     "channelAffine: input \(x.shape) needs scale and shift of shape [\(x.rank >= 2 ? x.shape[1] : 0)], got \(scale.shape) and \(shift.shape)")
        precondition(low < high, "channelAffine: clamp range \(low)...\(high) is empty")
        let c = x.shape[1], planes = x.shape[0] * c, sz = x.count / Swift.max(planes, 1)
        let s = TensorStorage(uninitializedCount: x.count)
        let px = x.storage.base, pa = scale.storage.base, pb = shift.storage.base
        Parallel.forRanges(planes, minimumPerThread: Swift.max(1, 16_384 / Swift.max(sz, 1)), alignment: 1) { range in
            for q in range {
                EpilogueKernels.affine(px + q * sz, pa[q % c], pb[q % c], low, high, into: s.base + q * sz, count: sz)
            }
        }
        let out = Tensor(shape: x.shape, storage: s)
        guard (x.requiresGrad || scale.requiresGrad || shift.requiresGrad) && Autograd.isEnabled else { return out }
        out.record([x, scale, shift]) { g in
            let dx = x.requiresGrad ? x.gradBuffer() : nil
            let ds = scale.requiresGrad ? scale.gradBuffer() : nil
            let db = shift.requiresGrad ? shift.gradBuffer() : nil
            let n = planes / Swift.max(c, 1)
            // By channel, the batch inside, so each channel's sums keep one order whatever the threads.
            Parallel.forRanges(c, minimumPerThread: Swift.max(1, 16_384 / Swift.max(n * sz, 1)), alignment: 1) { channels in
                for ch in channels {
                    let (a, b) = (pa[ch], pb[ch])
                    for i in 0..<n {
                        let q = i * c + ch
                        let sums = EpilogueKernels.affineBackward(px + q * sz, g + q * sz, a, b, low, high,
                                                                  dx: dx.map { $0 + q * sz }, count: sz)
                        ds?[ch] += sums.gx
                        db?[ch] += sums.g
                    }
                }
            }
        }
        return out
    }

    /// min(max(x, low), high) elementwise (ReLU6 is `clamped(low: 0, high: 6)`); the gradient
    /// passes where low < x < high.
    public func clamped(low: Float, high: Float) -> Tensor {
        precondition(low < high, "clamped: range \(low)...\(high) is empty")
        let s = TensorStorage(uninitializedCount: count)
        let px = storage.base
        Parallel.forRanges(count) { r in
            EpilogueKernels.affine(px + r.lowerBound, 1, 0, low, high, into: s.base + r.lowerBound, count: r.count)
        }
        let out = Tensor(shape: shape, storage: s)
        guard Tensor.needsGrad(self) else { return out }
        out.record([self]) { [x = self] g in
            let dx = x.gradBuffer()
            Parallel.forRanges(x.count) { r in
                EpilogueKernels.clampBackward(px + r.lowerBound, g + r.lowerBound, low, high, dx: dx + r.lowerBound, count: r.count)
            }
        }
        return out
    }
}

extension Tensor {
    /// min(max(a + b, low), high) for a and b of one shape, in one pass: a residual sum and its
    /// ReLU (`low: 0`). The gradient passes to both where low < a + b < high.
    public static func clampedSum(_ a: Tensor, _ b: Tensor, low: Float = -.infinity, high: Float = .infinity) -> Tensor {
        precondition(a.shape == b.shape, "clampedSum: shapes \(a.shape) and \(b.shape) differ")
        precondition(low < high, "clampedSum: range \(low)...\(high) is empty")
        let s = TensorStorage(uninitializedCount: a.count)
        let pa = a.storage.base, pb = b.storage.base, py = s.base
        Parallel.forRanges(a.count) { r in
            EpilogueKernels.clampedSum(pa + r.lowerBound, pb + r.lowerBound, low, high, into: py + r.lowerBound, count: r.count)
        }
        let out = Tensor(shape: a.shape, storage: s)
        guard needsGrad(a, b) else { return out }
        out.record([a, b]) { g in
            // low < y < high exactly where low < a + b < high, so the clamp's rule reads y.
            for t in [a, b] where t.requiresGrad {
                let dt = t.gradBuffer()
                Parallel.forRanges(t.count) { r in
                    EpilogueKernels.clampBackward(py + r.lowerBound, g + r.lowerBound, low, high, dx: dt + r.lowerBound, count: r.count)
                }
            }
        }
        return out
    }
}

/// The fused loops.
enum EpilogueKernels {
    /// dst[t] = min(max(a[t] + b[t], low), high).
    @inline(never)
    static func clampedSum(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ low: Float, _ high: Float,
                           into dst: UnsafeMutablePointer<Float>, count: Int) {
        typealias V = SIMD8<Float>
        let lo = V(repeating: low), hi = V(repeating: high)
        var t = 0
        while t + 8 <= count {
            var v = UnsafeRawPointer(a + t).loadUnaligned(as: V.self) + UnsafeRawPointer(b + t).loadUnaligned(as: V.self)
            v.replace(with: lo, where: v .< lo)
            v.replace(with: hi, where: v .> hi)
            UnsafeMutableRawPointer(dst + t).storeBytes(of: v, as: V.self)
            t += 8
        }
        while t < count {
            let v = a[t] + b[t]
            dst[t] = v < low ? low : (v > high ? high : v)
            t += 1
        }
    }

    /// dst[t] = min(max(src[t] · a + b, low), high).
    @inline(never)
    static func affine(_ src: UnsafePointer<Float>, _ a: Float, _ b: Float, _ low: Float, _ high: Float,
                       into dst: UnsafeMutablePointer<Float>, count: Int) {
        typealias V = SIMD8<Float>
        let lo = V(repeating: low), hi = V(repeating: high)
        var t = 0
        while t + 8 <= count {
            // replacing(with:where:) rather than SIMD's clamped(lowerBound:upperBound:), which is
            // not specialised across modules and costs a generic call per vector.
            var v = UnsafeRawPointer(src + t).loadUnaligned(as: V.self) * a + b
            v.replace(with: lo, where: v .< lo)
            v.replace(with: hi, where: v .> hi)
            UnsafeMutableRawPointer(dst + t).storeBytes(of: v, as: V.self)
            t += 8
        }
        while t < count {
            let v = src[t] * a + b
            dst[t] = v < low ? low : (v > high ? high : v)
            t += 1
        }
    }

    /// A new buffer [count] (the caller deallocates it) holding g[t] where low < y[t] < high,
    /// else 0: the gradient through a clamp, read from the clamped output y.
    static func maskedGradient(_ g: UnsafePointer<Float>, output y: UnsafePointer<Float>, _ low: Float, _ high: Float,
                               count: Int) -> UnsafeMutablePointer<Float> {
        let dst = UnsafeMutablePointer<Float>.allocate(capacity: Swift.max(count, 1))
        Parallel.forRanges(count) { r in
            let (gr, yr, dr) = (g + r.lowerBound, y + r.lowerBound, dst + r.lowerBound)
            for t in 0..<r.count { dr[t] = yr[t] > low && yr[t] < high ? gr[t] : 0 }
        }
        return dst
    }

    /// dx[t] += g[t] where low < x[t] < high, eight lanes at a time (a select, no branch).
    @inline(never)
    static func clampBackward(_ x: UnsafePointer<Float>, _ g: UnsafePointer<Float>, _ low: Float, _ high: Float,
                              dx: UnsafeMutablePointer<Float>, count: Int) {
        typealias V = SIMD8<Float>
        var t = 0
        while t + 8 <= count {
            let xv = UnsafeRawPointer(x + t).loadUnaligned(as: V.self)
            let gm = V(repeating: 0).replacing(with: UnsafeRawPointer(g + t).loadUnaligned(as: V.self), where: (xv .> low) .& (xv .< high))
            UnsafeMutableRawPointer(dx + t).storeBytes(of: UnsafeRawPointer(dx + t).loadUnaligned(as: V.self) + gm, as: V.self)
            t += 8
        }
        while t < count {
            dx[t] += x[t] > low && x[t] < high ? g[t] : 0
            t += 1
        }
    }

    /// With m[t] = 1 where low < x[t] · a + b < high, else 0: dx[t] += g[t] · m[t] · a, and
    /// returns Σ g·m·x and Σ g·m (the scale's and the shift's gradient), in eight-lane sums.
    @inline(never)
    static func affineBackward(_ x: UnsafePointer<Float>, _ g: UnsafePointer<Float>, _ a: Float, _ b: Float,
                               _ low: Float, _ high: Float, dx: UnsafeMutablePointer<Float>?, count: Int) -> (gx: Float, g: Float) {
        typealias V = SIMD8<Float>
        var agx = V(), ag = V()
        var t = 0
        while t + 8 <= count {
            let xv = UnsafeRawPointer(x + t).loadUnaligned(as: V.self)
            let gv = UnsafeRawPointer(g + t).loadUnaligned(as: V.self)
            let v = xv * a + b
            let gm = V(repeating: 0).replacing(with: gv, where: (v .> low) .& (v .< high))
            if let dx {
                let d = UnsafeRawPointer(dx + t).loadUnaligned(as: V.self) + gm * a
                UnsafeMutableRawPointer(dx + t).storeBytes(of: d, as: V.self)
            }
            agx += gm * xv
            ag += gm
            t += 8
        }
        var sgx = agx.sum(), sg = ag.sum()
        while t < count {
            let v = x[t] * a + b
            let gm = v > low && v < high ? g[t] : 0
            dx?[t] += gm * a
            sgx += gm * x[t]
            sg += gm
            t += 1
        }
        return (sgx, sg)
    }
}
