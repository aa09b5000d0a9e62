// Depthwise 2-D convolution (groups == input channels) as a direct loop over kernel taps: each
// output plane is a weighted sum of shifted input rows, with no K-times-larger im2col buffer.
// Legend: N batch, C in channels, O = C·M out channels (M filters per channel), KH×KW kernel,
// OH×OW output. Output channel o reads input channel o / M. Spread over the worker threads by
// plane (forward) and channel (backward). Left out: a fused loop for kernels other than 3 or 5 wide.

extension Tensor {
    /// The depthwise branch of `conv2d` (weight [O, 1, KH, KW], O a multiple of C). With a
    /// column stride SW > 1 each input plane is first split into SW column phases
    /// ([SW, H, ⌈W/SW⌉], phase q holding columns q, q + SW, …), so every tap reads contiguous rows.
    /// The output is clamped to low…high (ReLU, ReLU6) plane by plane while it is in cache.
    /// Input planes (b, c) are spread over the worker threads; backward spreads the channels, each
    /// channel's weight gradient summed over the batch in one order whatever the thread count.
    static func depthwiseConv2d(_ x: Tensor, weight: Tensor, bias: Tensor?, plan p: ConvPlan,
                                low: Float = -.infinity, high: Float = .infinity) -> Tensor {
        let o = weight.shape[0], m = o / p.c, k = p.k, l = p.l, hw = p.h * p.w
        let ph = PhasedPlane(p)
        let s = TensorStorage(uninitializedCount: p.n * o * l)
        let px = x.storage.base, pw = weight.storage.base, pbias = bias?.storage.base
        let clamps = low > -.infinity || high < .infinity
        let taps = RowTaps(p, ph)
        let grain = Swift.max(1, 8_192 / Swift.max(m * l, 1))
        Parallel.forRanges(p.n * p.c, minimumPerThread: grain, alignment: 1) { planes in
            let buf = ph.phased ? UnsafeMutablePointer<Float>.allocate(capacity: ph.size) : nil
            defer { buf?.deallocate() }
            for bc in planes {
                let (b, ic) = (bc / p.c, bc % p.c)
                let plane = px + bc * hw
                let src: UnsafePointer<Float> = buf.map { ph.split(plane, into: $0); return UnsafePointer($0) } ?? UnsafePointer(plane)
                for oc in (ic * m)..<(ic * m + m) {
                    let dst = s.base + (b * o + oc) * l
                    dst.update(repeating: pbias.map { $0[oc] } ?? 0, count: l)
                    for i in 0..<p.kh {
                        let wrow = pw + oc * k + i * p.kw
                        for oy in 0..<p.oh {
                            let y = p.inputRow(oy, i)
                            guard y >= 0 && y < p.h else { continue }
                            taps.addRow(src, y: y, weights: wrow, into: dst + oy * p.ow)
                        }
                    }
                    if clamps { EpilogueKernels.affine(dst, 1, 0, low, high, into: dst, count: l) }
                }
            }
        }
        let out = Tensor(shape: [p.n, o, p.oh, p.ow], storage: s)
        let gradBias = bias?.requiresGrad ?? false
        guard needsGrad(x, weight) || (gradBias && Autograd.isEnabled) else { return out }
        out.record(bias.map { [x, weight, $0] } ?? [x, weight]) { gOut in
            let dx = x.requiresGrad ? x.gradBuffer() : nil
            let dw = weight.requiresGrad ? weight.gradBuffer() : nil
            let db = bias.flatMap { $0.requiresGrad ? $0.gradBuffer() : nil }
            let masked = clamps ? EpilogueKernels.maskedGradient(gOut, output: s.base, low, high, count: p.n * o * l) : nil
            defer { masked?.deallocate() }
            let g = masked.map { UnsafePointer($0) } ?? gOut
            let info = UnsafePointer(taps.info)                                                   // per tap: q, shift, lo, hi
            Parallel.forRanges(p.c, minimumPerThread: Swift.max(1, grain / Swift.max(p.n, 1)), alignment: 1) { channels in
              let xs = ph.phased ? UnsafeMutablePointer<Float>.allocate(capacity: ph.size) : nil   // phased input
              let dxs = UnsafeMutablePointer<Float>.allocate(capacity: ph.size)                     // phased dx
              defer { xs?.deallocate(); dxs.deallocate() }
              for ic in channels {
                for b in 0..<p.n {
                    let plane = px + (b * p.c + ic) * hw
                    let src: UnsafePointer<Float> = xs.map { ph.split(plane, into: $0); return UnsafePointer($0) } ?? UnsafePointer(plane)
                    if dx != nil { dxs.update(repeating: 0, count: ph.size) }
                    for oc in (ic * m)..<(ic * m + m) {
                        let gp = g + (b * o + oc) * l
                        if let db { db[oc] += Kernels.sum(gp, l) }
                        for i in 0..<p.kh {
                            let row = oc * k + i * p.kw
                            for oy in 0..<p.oh {
                                let y = p.inputRow(oy, i)
                                guard y >= 0 && y < p.h else { continue }
                                let grow = gp + oy * p.ow
                                for j in 0..<p.kw {
                                    let (q, shift, lo, hi) = (info[4 * j], info[4 * j + 1], info[4 * j + 2], info[4 * j + 3])
                                    guard lo < hi else { continue }
                                    let at = ph.row(q, y) + shift
                                    if dx != nil { DepthwiseKernels.addScaled(from: grow, pw[row + j], into: dxs + at, lo, hi) }
                                    if let dw { dw[row + j] += Kernels.dot(grow + lo, src + at + lo, hi - lo) }
                                }
                            }
                        }
                    }
                    if let dx { ph.merge(dxs, into: dx + (b * p.c + ic) * hw) }
                }
              }
            }
        }
        return out
    }
}

/// The KW taps of one kernel row laid over one output row: where each reads in the phased
/// plane and which output columns it covers, computed once per call.
final class RowTaps {
    let ph: PhasedPlane
    let kw: Int
    /// Per tap j, at 4j…4j+3: phase, in-phase shift, first and past-last output column inside
    /// the input (a raw buffer: read in the innermost loops, no bounds checks or reference counts).
    let info: UnsafeMutablePointer<Int>
    /// Output columns a..<b every tap covers (0..<0 when none).
    let a: Int, b: Int

    init(_ p: ConvPlan, _ ph: PhasedPlane) {
        self.ph = ph
        kw = p.kw
        info = .allocate(capacity: 4 * p.kw)
        var a = 0, b = Int.max
        for j in 0..<p.kw {
            let (off, l, h) = p.columns(j)
            let (q, sh) = ph.phase(off)
            (info[4 * j], info[4 * j + 1], info[4 * j + 2], info[4 * j + 3]) = (q, sh, l, h)
            a = Swift.max(a, l)
            b = Swift.min(b, h)
        }
        (self.a, self.b) = a < b ? (a, b) : (0, 0)   // no common columns: every tap runs alone
    }

    deinit { info.deallocate() }

    /// dst[t] += Σ_j w[j] · (input row y at the column of output t under tap j), one pass over
    /// the common columns (three or five taps fused), single taps at the edges.
    @inline(__always)
    func addRow(_ src: UnsafePointer<Float>, y: Int, weights w: UnsafePointer<Float>, into dst: UnsafeMutablePointer<Float>) {
        let info = self.info, ph = self.ph, a = self.a, b = self.b
        @inline(__always) func at(_ j: Int) -> UnsafePointer<Float> { src + ph.row(info[4 * j], y) + info[4 * j + 1] }
        for j in 0..<kw {
            let lo = info[4 * j + 2], hi = info[4 * j + 3]
            guard lo < hi else { continue }
            let s = at(j), wj = w[j]
            var t = lo
            while t < Swift.min(a, hi) { dst[t] += wj * s[t]; t += 1 }
            t = Swift.max(b, lo)
            while t < hi { dst[t] += wj * s[t]; t += 1 }
        }
        guard a < b else { return }
        if kw == 3 {
            DepthwiseKernels.addScaled3(at(0), at(1), at(2), w[0], w[1], w[2], into: dst, a, b)
        } else if kw == 5 {
            DepthwiseKernels.addScaled5(at(0), at(1), at(2), at(3), at(4), w, into: dst, a, b)
        } else {
            for j in 0..<kw { DepthwiseKernels.addScaled(from: at(j), w[j], into: dst, a, b) }
        }
    }
}

/// One input plane [H, W] split into SW column phases [SW, H, WQ], WQ = ⌈W/SW⌉: column c of row
/// y sits at (c mod SW)·H·WQ + y·WQ + c / SW. With SW = 1 the plane is its own layout.
struct PhasedPlane {
    let sw: Int, h: Int, w: Int, wq: Int
    var phased: Bool { sw > 1 }
    var size: Int { sw * h * wq }

    init(_ p: ConvPlan) {
        (sw, h, w) = (p.sw, p.h, p.w)
        wq = (p.w + p.sw - 1) / p.sw
    }

    /// Phase and in-phase offset of input column t·SW + off (floor division; off may be negative).
    @inline(__always) func phase(_ off: Int) -> (q: Int, shift: Int) {
        let q = ((off % sw) + sw) % sw
        return (q, (off - q) / sw)
    }

    /// Start of row y of phase q.
    @inline(__always) func row(_ q: Int, _ y: Int) -> Int { phased ? (q * h + y) * wq : y * w }

    /// dst [SW, H, WQ] = plane [H, W] by phases (slots past the last column are left alone).
    func split(_ plane: UnsafePointer<Float>, into dst: UnsafeMutablePointer<Float>) {
        if sw == 2 { DepthwiseKernels.splitPairs(plane, h: h, w: w, wq: wq, into: dst); return }
        for y in 0..<h {
            for q in 0..<sw {
                let d = dst + (q * h + y) * wq, src = plane + y * w
                var t = 0, c = q
                while c < w { d[t] = src[c]; t += 1; c += sw }
            }
        }
    }

    /// plane [H, W] += phases [SW, H, WQ] (or the plain plane when SW = 1).
    func merge(_ phases: UnsafePointer<Float>, into plane: UnsafeMutablePointer<Float>) {
        if !phased { Kernels.add(into: plane, from: phases, count: h * w); return }
        for y in 0..<h {
            for q in 0..<sw {
                let s = phases + (q * h + y) * wq, dst = plane + y * w
                var t = 0, c = q
                while c < w { dst[c] += s[t]; t += 1; c += sw }
            }
        }
    }
}

/// Multiply-add loops of the depthwise convolution and the pools, on contiguous runs.
enum DepthwiseKernels {
    /// The two column phases of a plane [H, W] into [2, H, WQ]: even columns to phase 0, odd to
    /// phase 1, sixteen columns at a time.
    @inline(never)
    static func splitPairs(_ plane: UnsafePointer<Float>, h: Int, w: Int, wq: Int, into dst: UnsafeMutablePointer<Float>) {
        typealias V = SIMD8<Float>
        for y in 0..<h {
            let src = plane + y * w, even = dst + y * wq, odd = dst + (h + y) * wq
            var t = 0
            while 2 * t + 16 <= w {
                let v0 = UnsafeRawPointer(src + 2 * t).loadUnaligned(as: V.self)
                let v1 = UnsafeRawPointer(src + 2 * t + 8).loadUnaligned(as: V.self)
                UnsafeMutableRawPointer(even + t).storeBytes(of: V(v0[0], v0[2], v0[4], v0[6], v1[0], v1[2], v1[4], v1[6]), as: V.self)
                UnsafeMutableRawPointer(odd + t).storeBytes(of: V(v0[1], v0[3], v0[5], v0[7], v1[1], v1[3], v1[5], v1[7]), as: V.self)
                t += 8
            }
            var c = 2 * t
            while c < w {
                if c & 1 == 0 { even[c >> 1] = src[c] } else { odd[c >> 1] = src[c] }
                c += 1
            }
        }
    }

    /// dst[t] += v · src[t] for t in lo..<hi.
    @inline(never)
    static func addScaled(from src: UnsafePointer<Float>, _ v: Float, into dst: UnsafeMutablePointer<Float>, _ lo: Int, _ hi: Int) {
        for t in lo..<hi { dst[t] += v * src[t] }
    }

    /// dst[t] += w0·s0[t] + w1·s1[t] + w2·s2[t] for t in lo..<hi.
    @inline(never)
    static func addScaled3(_ s0: UnsafePointer<Float>, _ s1: UnsafePointer<Float>, _ s2: UnsafePointer<Float>,
                           _ w0: Float, _ w1: Float, _ w2: Float, into dst: UnsafeMutablePointer<Float>, _ lo: Int, _ hi: Int) {
        for t in lo..<hi { dst[t] += w0 * s0[t] + w1 * s1[t] + w2 * s2[t] }
    }

    /// dst[t] += Σ_{j<5} w[j]·s_j[t] for t in lo..<hi.
    @inline(never)
    static func addScaled5(_ s0: UnsafePointer<Float>, _ s1: UnsafePointer<Float>, _ s2: UnsafePointer<Float>,
                           _ s3: UnsafePointer<Float>, _ s4: UnsafePointer<Float>, _ w: UnsafePointer<Float>,
                           into dst: UnsafeMutablePointer<Float>, _ lo: Int, _ hi: Int) {
        let (w0, w1, w2, w3, w4) = (w[0], w[1], w[2], w[3], w[4])
        for t in lo..<hi { dst[t] += w0 * s0[t] + w1 * s1[t] + w2 * s2[t] + w3 * s3[t] + w4 * s4[t] }
    }

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
}
