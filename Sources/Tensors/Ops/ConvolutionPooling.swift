// Pooling on NCHW tensors as direct loops: max pooling (padding counts as −∞; the gradient goes
// to the first maximal tap, kept as an index), average pooling (padding counts as zeros,
// PyTorch's count_include_pad = true), adaptive average pooling and the global average over H×W.
// Planes (N·C) are spread over the worker threads, forward and backward.
// Legend: N batch, C channels, H×W input, KH×KW window, OH×OW output. Left out: ceil_mode.

extension Tensor {
    /// Max pooling, PyTorch's max_pool2d: x [N, C, H, W] → [N, C, OH, OW]. Ties go to the first
    /// tap in row-major window order, which also receives the gradient.
    public static func maxPool2d(_ x: Tensor, window: ConvWindow) -> Tensor {
        let p = ConvPlan(input: x.shape, window: window, op: "maxPool2d")
        let planes = p.n * p.c, l = p.l, hw = p.h * p.w
        let s = TensorStorage(count: planes * l, repeating: -.infinity)
        var arg = [Int32](repeating: -1, count: planes * l)   // flat index inside the input plane
        let grain = PoolKernels.planesPerThread(hw)
        // Non-overlapping, unpadded windows (the common 2×2 / stride 2) take a loop per window.
        let tiled = p.kh == p.sh && p.kw == p.sw && p.dh == 1 && p.dw == 1 && p.pt == 0 && p.pl == 0 && p.kh * p.kw > 1
        arg.withUnsafeMutableBufferPointer { argBuf in
            if tiled && l >= 8 {
                let starts = PoolKernels.tiledStarts(p)
                var taps: [Int32] = []
                for i in 0..<p.kh { for j in 0..<p.kw { taps.append(Int32(i * p.w + j)) } }
                starts.withUnsafeBufferPointer { st in
                    taps.withUnsafeBufferPointer { tp in
                        Parallel.forRanges(planes, minimumPerThread: grain, alignment: 1) { range in
                            for q in range {
                                PoolKernels.maxTiled(x.storage.base + q * hw, starts: st.baseAddress!, l: l, taps: tp.baseAddress!, tapCount: tp.count,
                                                     into: s.base + q * l, arg: argBuf.baseAddress! + q * l)
                            }
                        }
                    }
                }
                return
            }
            Parallel.forRanges(planes, minimumPerThread: grain, alignment: 1) { range in
                for q in range {
                    let src = x.storage.base + q * hw, dst = s.base + q * l, a = argBuf.baseAddress! + q * l
                    for i in 0..<p.kh {
                        for j in 0..<p.kw {
                            let (off, lo, hi) = p.columns(j)
                            guard lo < hi else { continue }
                            for oy in 0..<p.oh {
                                let y = p.inputRow(oy, i)
                                guard y >= 0 && y < p.h else { continue }
                                PoolKernels.maxStep(from: src, base: y * p.w + off, stride: p.sw,
                                                    into: dst + oy * p.ow, arg: a + oy * p.ow, lo, hi)
                            }
                        }
                    }
                }
            }
        }
        let out = Tensor(shape: [p.n, p.c, p.oh, p.ow], storage: s)
        guard needsGrad(x) else { return out }
        out.record([x]) { g in
            let dx = x.gradBuffer()
            arg.withUnsafeBufferPointer { a in
                Parallel.forRanges(planes, minimumPerThread: grain, alignment: 1) { range in
                    for q in range {
                        let d = dx + q * hw, gq = g + q * l, aq = a.baseAddress! + q * l
                        for t in 0..<l where aq[t] >= 0 { d[Int(aq[t])] += gq[t] }
                    }
                }
            }
        }
        return out
    }

    /// Average pooling, PyTorch's avg_pool2d with count_include_pad = true: every window is
    /// divided by KH·KW, padding included. x [N, C, H, W] → [N, C, OH, OW]; no dilation.
    public static func avgPool2d(_ x: Tensor, window: ConvWindow) -> Tensor {
        precondition(window.dilationH == 1 && window.dilationW == 1,
                     "avgPool2d: average pooling has no dilation, got \(window.dilationH)×\(window.dilationW)")
        let p = ConvPlan(input: x.shape, window: window, op: "avgPool2d")
        let planes = p.n * p.c, l = p.l, hw = p.h * p.w
        let scale = 1 / Float(p.k)
        let s = TensorStorage(count: planes * l, repeating: 0)
        let grain = PoolKernels.planesPerThread(hw)
        Parallel.forRanges(planes, minimumPerThread: grain, alignment: 1) { range in
            for q in range {
                let src = x.storage.base + q * hw, dst = s.base + q * l
                for i in 0..<p.kh {
                    for j in 0..<p.kw {
                        let (off, lo, hi) = p.columns(j)
                        guard lo < hi else { continue }
                        for oy in 0..<p.oh {
                            let y = p.inputRow(oy, i)
                            guard y >= 0 && y < p.h else { continue }
                            DepthwiseKernels.addScaled(from: src + y * p.w + off, stride: p.sw, scale, into: dst + oy * p.ow, lo, hi)
                        }
                    }
                }
            }
        }
        let out = Tensor(shape: [p.n, p.c, p.oh, p.ow], storage: s)
        guard needsGrad(x) else { return out }
        out.record([x]) { g in
            let dx = x.gradBuffer()
            Parallel.forRanges(planes, minimumPerThread: grain, alignment: 1) { range in
                for q in range {
                    let d = dx + q * hw, gq = g + q * l
                    for i in 0..<p.kh {
                        for j in 0..<p.kw {
                            let (off, lo, hi) = p.columns(j)
                            guard lo < hi else { continue }
                            for oy in 0..<p.oh {
                                let y = p.inputRow(oy, i)
                                guard y >= 0 && y < p.h else { continue }
                                DepthwiseKernels.addScaled(from: gq + oy * p.ow, scale, into: d + y * p.w + off, stride: p.sw, lo, hi)
                            }
                        }
                    }
                }
            }
        }
        return out
    }

    /// Adaptive average pooling, PyTorch's adaptive_avg_pool2d: x [N, C, H, W] → [N, C, OH, OW],
    /// output cell (i, j) the mean of rows ⌊i·H/OH⌋ ..< ⌈(i+1)·H/OH⌉ and the same for columns.
    /// Windows overlap when the size does not divide, and repeat input cells when OH > H.
    public static func adaptiveAvgPool2d(_ x: Tensor, outputHeight oh: Int, outputWidth ow: Int) -> Tensor {
        precondition(x.rank == 4, "adaptiveAvgPool2d: input must be NCHW, got \(x.shape)")
        precondition(oh >= 1 && ow >= 1, "adaptiveAvgPool2d: output size must be ≥ 1, got \(oh)×\(ow)")
        let h = x.shape[2], w = x.shape[3]
        precondition(h > 0 && w > 0, "adaptiveAvgPool2d: input \(x.shape) has no spatial extent")
        let planes = x.shape[0] * x.shape[1], hw = h * w, l = oh * ow
        func span(_ i: Int, _ out: Int, _ size: Int) -> Range<Int> { (i * size / out)..<((i + 1) * size + out - 1) / out }
        let rows = (0..<oh).map { span($0, oh, h) }, cols = (0..<ow).map { span($0, ow, w) }
        let s = TensorStorage(uninitializedCount: planes * l)
        let grain = PoolKernels.planesPerThread(hw)
        Parallel.forRanges(planes, minimumPerThread: grain, alignment: 1) { range in
            for q in range {
                let src = x.storage.base + q * hw
                for i in 0..<oh {
                    for j in 0..<ow {
                        var total: Float = 0
                        for y in rows[i] { for xx in cols[j] { total += src[y * w + xx] } }
                        s.base[q * l + i * ow + j] = total / Float(rows[i].count * cols[j].count)
                    }
                }
            }
        }
        let out = Tensor(shape: [x.shape[0], x.shape[1], oh, ow], storage: s)
        guard needsGrad(x) else { return out }
        out.record([x]) { g in
            let dx = x.gradBuffer()
            Parallel.forRanges(planes, minimumPerThread: grain, alignment: 1) { range in
                for q in range {
                    let d = dx + q * hw
                    for i in 0..<oh {
                        for j in 0..<ow {
                            let v = g[q * l + i * ow + j] / Float(rows[i].count * cols[j].count)
                            for y in rows[i] { for xx in cols[j] { d[y * w + xx] += v } }
                        }
                    }
                }
            }
        }
        return out
    }

    /// Mean over the spatial axes: x [N, C, H, W] → [N, C] (PyTorch's adaptive_avg_pool2d to
    /// 1×1, flattened).
    public static func globalAvgPool2d(_ x: Tensor) -> Tensor {
        precondition(x.rank == 4, "globalAvgPool2d: input must be NCHW, got \(x.shape)")
        let planes = x.shape[0] * x.shape[1], hw = x.shape[2] * x.shape[3]
        precondition(hw > 0, "globalAvgPool2d: input \(x.shape) has no spatial extent")
        let scale = 1 / Float(hw)
        let s = TensorStorage(uninitializedCount: planes)
        let grain = PoolKernels.planesPerThread(hw)
        Parallel.forRanges(planes, minimumPerThread: grain, alignment: 1) { range in
            for q in range { s.base[q] = Kernels.sum(x.storage.base + q * hw, hw) * scale }
        }
        let out = Tensor(shape: [x.shape[0], x.shape[1]], storage: s)
        guard needsGrad(x) else { return out }
        out.record([x]) { g in
            let dx = x.gradBuffer()
            Parallel.forRanges(planes, minimumPerThread: grain, alignment: 1) { range in
                for q in range { PoolKernels.addConstant(g[q] * scale, into: dx + q * hw, count: hw) }
            }
        }
        return out
    }
}

/// Inner loops of the pools.
enum PoolKernels {
    /// Planes of `hw` pixels a worker thread should get at least (about 16K input values).
    static func planesPerThread(_ hw: Int) -> Int { Swift.max(1, 16_384 / Swift.max(hw, 1)) }

    /// For t in lo..<hi: v = src[base + t·stride]; if v > dst[t] (or t has no tap yet), dst[t] = v
    /// and arg[t] = its index.
    @inline(never)
    static func maxStep(from src: UnsafePointer<Float>, base: Int, stride: Int, into dst: UnsafeMutablePointer<Float>,
                        arg: UnsafeMutablePointer<Int32>, _ lo: Int, _ hi: Int) {
        for t in lo..<hi {
            let at = base + t * stride
            let v = src[at]
            if arg[t] < 0 || v > dst[t] || v.isNaN {   // the first tap, a larger one, or NaN (propagated as PyTorch does)
                dst[t] = v
                arg[t] = Int32(truncatingIfNeeded: at)
            }
        }
    }

    /// Input offsets of the first tap of every window of a tiled max pool (KH = SH, KW = SW, no
    /// padding, no dilation), [OH·OW], shared by all planes.
    static func tiledStarts(_ p: ConvPlan) -> [Int32] {
        var t: [Int32] = []
        t.reserveCapacity(p.l)
        for oy in 0..<p.oh { for ox in 0..<p.ow { t.append(Int32(oy * p.kh * p.w + ox * p.kw)) } }
        return t
    }

    /// One plane of a tiled max pool, eight windows at a time with no data-dependent branches
    /// (random data makes a branchy maximum mispredict half the time): dst [L] and arg [L] from
    /// src [H, W]; the first maximum in window order wins, NaN propagates. `starts` from
    /// `tiledStarts`; needs L ≥ 8 (the last group overlaps the one before it).
    @inline(never)
    static func maxTiled(_ src: UnsafePointer<Float>, starts: UnsafePointer<Int32>, l: Int, taps: UnsafePointer<Int32>, tapCount: Int,
                         into dst: UnsafeMutablePointer<Float>, arg: UnsafeMutablePointer<Int32>) {
        @inline(__always) func gather(_ i: SIMD8<Int32>) -> SIMD8<Float> {
            SIMD8(src[Int(i[0])], src[Int(i[1])], src[Int(i[2])], src[Int(i[3])],
                  src[Int(i[4])], src[Int(i[5])], src[Int(i[6])], src[Int(i[7])])
        }
        var t0 = 0
        while t0 < l {
            let t = Swift.min(t0, l - 8)
            let base = UnsafeRawPointer(starts + t).loadUnaligned(as: SIMD8<Int32>.self)
            var best = gather(base)
            var at = base
            for k in 1..<tapCount {
                let idx = base &+ taps[k]
                let v = gather(idx)
                let take = (v .> best) .| (v .!= v)
                best.replace(with: v, where: take)
                at.replace(with: idx, where: take)
            }
            UnsafeMutableRawPointer(dst + t).storeBytes(of: best, as: SIMD8<Float>.self)
            UnsafeMutableRawPointer(arg + t).storeBytes(of: at, as: SIMD8<Int32>.self)
            t0 += 8
        }
    }

    /// dst[t] += v for t in 0..<count.
    @inline(never)
    static func addConstant(_ v: Float, into dst: UnsafeMutablePointer<Float>, count: Int) {
        for t in 0..<count { dst[t] += v }
    }
}
