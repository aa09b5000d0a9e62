// Depthwise 2-D convolution (groups == input channels) as a direct loop over kernel taps: each
// output plane is a weighted sum of shifted input rows, with no K-times-larger im2col buffer.
// Legend: N batch, C in channels, O = C·M out channels (M filters per channel), KH×KW kernel,
// OH×OW output. Output channel o reads input channel o / M. Left out: a vectorised stride-2 path.

extension Tensor {
    /// The depthwise branch of `conv2d` (weight [O, 1, KH, KW], O a multiple of C).
    static func depthwiseConv2d(_ x: Tensor, weight: Tensor, bias: Tensor?, plan p: ConvPlan) -> Tensor {
        let o = weight.shape[0], m = o / p.c, k = p.k, l = p.l, hw = p.h * p.w
        let s = TensorStorage(uninitializedCount: p.n * o * l)
        let px = x.storage.base, pw = weight.storage.base
        for b in 0..<p.n {
            for oc in 0..<o {
                let dst = s.base + (b * o + oc) * l
                dst.update(repeating: bias.map { $0.storage.base[oc] } ?? 0, count: l)
                let src = px + (b * p.c + oc / m) * hw
                for i in 0..<p.kh {
                    for j in 0..<p.kw {
                        let wv = pw[oc * k + i * p.kw + j]
                        let (off, lo, hi) = p.columns(j)
                        guard lo < hi else { continue }
                        for oy in 0..<p.oh {
                            let y = p.inputRow(oy, i)
                            guard y >= 0 && y < p.h else { continue }
                            DepthwiseKernels.addScaled(from: src + y * p.w + off, stride: p.sw, wv, into: dst + oy * p.ow, lo, hi)
                        }
                    }
                }
            }
        }
        let out = Tensor(shape: [p.n, o, p.oh, p.ow], storage: s)
        let gradBias = bias?.requiresGrad ?? false
        guard needsGrad(x, weight) || (gradBias && Autograd.isEnabled) else { return out }
        out.record(bias.map { [x, weight, $0] } ?? [x, weight]) { g in
            let dx = x.requiresGrad ? x.gradBuffer() : nil
            let dw = weight.requiresGrad ? weight.gradBuffer() : nil
            let db = bias.flatMap { $0.requiresGrad ? $0.gradBuffer() : nil }
            for b in 0..<p.n {
                for oc in 0..<o {
                    let gp = g + (b * o + oc) * l
                    if let db { db[oc] += ConvKernels.sum(gp, count: l) }
                    let plane = (b * p.c + oc / m) * hw
                    for i in 0..<p.kh {
                        for j in 0..<p.kw {
                            let tap = oc * k + i * p.kw + j
                            let (off, lo, hi) = p.columns(j)
                            guard lo < hi else { continue }
                            var acc: Float = 0
                            for oy in 0..<p.oh {
                                let y = p.inputRow(oy, i)
                                guard y >= 0 && y < p.h else { continue }
                                let row = plane + y * p.w + off, grow = gp + oy * p.ow
                                if let dx { DepthwiseKernels.addScaled(from: grow, pw[tap], into: dx + row, stride: p.sw, lo, hi) }
                                if dw != nil { acc += DepthwiseKernels.dot(grow, px + row, stride: p.sw, lo, hi) }
                            }
                            if let dw { dw[tap] += acc }
                        }
                    }
                }
            }
        }
        return out
    }
}

/// Strided multiply-add loops of the depthwise convolution.
enum DepthwiseKernels {
    /// dst[t] += v · src[t·stride] for t in lo..<hi.
    @inline(never)
    static func addScaled(from src: UnsafePointer<Float>, stride: Int, _ v: Float, into dst: UnsafeMutablePointer<Float>, _ lo: Int, _ hi: Int) {
        if stride == 1 {
            for t in lo..<hi { dst[t] += v * src[t] }
        } else {
            for t in lo..<hi { dst[t] += v * src[t * stride] }
        }
    }

    /// dst[t·stride] += v · src[t] for t in lo..<hi.
    @inline(never)
    static func addScaled(from src: UnsafePointer<Float>, _ v: Float, into dst: UnsafeMutablePointer<Float>, stride: Int, _ lo: Int, _ hi: Int) {
        if stride == 1 {
            for t in lo..<hi { dst[t] += v * src[t] }
        } else {
            for t in lo..<hi { dst[t * stride] += v * src[t] }
        }
    }

    /// Σ_{t in lo..<hi} a[t] · b[t·stride], in eight partial sums when contiguous.
    @inline(never)
    static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, stride: Int, _ lo: Int, _ hi: Int) -> Float {
        var s: Float = 0
        if stride == 1 {
            var acc = SIMD8<Float>()
            var t = lo
            while t + 8 <= hi {
                acc += UnsafeRawPointer(a + t).loadUnaligned(as: SIMD8<Float>.self)
                    * UnsafeRawPointer(b + t).loadUnaligned(as: SIMD8<Float>.self)
                t += 8
            }
            s = acc.sum()
            while t < hi { s += a[t] * b[t]; t += 1 }
        } else {
            for t in lo..<hi { s += a[t] * b[t * stride] }
        }
        return s
    }
}
