// 2-D convolution on NCHW tensors (torch.nn.functional.conv2d with zero padding): stride,
// asymmetric padding, dilation and groups; per chunk of images, im2col into [C·K, nb·L] and one
// sgemm per group, backward through two more sgemms (the columns built again) and col2im.
// Depthwise lives in ConvolutionDepthwise.swift.
// Legend: N batch, C in channels, O out channels, G groups, Cg = C/G, Og = O/G, KH×KW kernel,
// K = KH·KW, OH×OW output, L = OH·OW. Left out: transposed convolution, padding modes but zeros.

#if canImport(Glibc)
import Glibc
#endif

/// Geometry of a 2-D window (convolution kernel or pooling window): kernel size, stride,
/// dilation, and zero padding on each side (asymmetric padding gives TensorFlow's "same").
public struct ConvWindow: Sendable, Hashable {
    /// Kernel height KH and width KW.
    public var kernelH: Int, kernelW: Int
    /// Step between windows along height and width.
    public var strideH: Int, strideW: Int
    /// Spacing of the kernel taps along height and width (1 = dense).
    public var dilationH: Int, dilationW: Int
    /// Zero rows above and below, zero columns left and right.
    public var padTop: Int, padBottom: Int, padLeft: Int, padRight: Int

    /// A window; every extent must be positive and every padding non-negative.
    public init(kernel: (Int, Int), stride: (Int, Int) = (1, 1),
                padding: (top: Int, bottom: Int, left: Int, right: Int) = (0, 0, 0, 0), dilation: (Int, Int) = (1, 1)) {
        precondition(kernel.0 > 0 && kernel.1 > 0 && stride.0 > 0 && stride.1 > 0 && dilation.0 > 0 && dilation.1 > 0
                     && padding.top >= 0 && padding.bottom >= 0 && padding.left >= 0 && padding.right >= 0,
                     "ConvWindow: kernel \(kernel), stride \(stride), dilation \(dilation) must be positive, padding \(padding) non-negative")
        (kernelH, kernelW) = kernel
        (strideH, strideW) = stride
        (dilationH, dilationW) = dilation
        (padTop, padBottom, padLeft, padRight) = padding
    }

    /// Output height and width for an `h`×`w` input (PyTorch's formula, floor division).
    public func outputSize(h: Int, w: Int) -> (h: Int, w: Int) {
        ((h + padTop + padBottom - dilationH * (kernelH - 1) - 1) / strideH + 1,
         (w + padLeft + padRight - dilationW * (kernelW - 1) - 1) / strideW + 1)
    }
}

/// Every extent of one window applied to one input shape, computed once per op call.
struct ConvPlan {
    private(set) var n: Int
    let c: Int, h: Int, w: Int
    let oh: Int, ow: Int
    let kh: Int, kw: Int, sh: Int, sw: Int, dh: Int, dw: Int, pt: Int, pl: Int
    var k: Int { kh * kw }
    var l: Int { oh * ow }

    init(input shape: [Int], window v: ConvWindow, op: String) {
        precondition(shape.count == 4, "\(op): input must be NCHW, got \(shape)")
        (n, c, h, w) = (shape[0], shape[1], shape[2], shape[3])
        (oh, ow) = v.outputSize(h: h, w: w)
        precondition(oh > 0 && ow > 0,
                     "\(op): window \(v.kernelH)×\(v.kernelW) (dilation \(v.dilationH)×\(v.dilationW)) does not fit input \(shape) with padding (\(v.padTop), \(v.padBottom), \(v.padLeft), \(v.padRight))")
        (kh, kw, sh, sw, dh, dw, pt, pl) = (v.kernelH, v.kernelW, v.strideH, v.strideW, v.dilationH, v.dilationW, v.padTop, v.padLeft)
    }

    /// The same plan for a batch of `n` images.
    func batch(_ n: Int) -> ConvPlan {
        var q = self
        q.n = n
        return q
    }

    /// The output rows r0..<r1 whose input row under kernel row `i` lies inside the image (the
    /// others read only padding); r0 == r1 when none does.
    func rowsInside(_ i: Int) -> (Int, Int) {
        var r0 = 0
        while r0 < oh && inputRow(r0, i) < 0 { r0 += 1 }
        var r1 = r0
        while r1 < oh && inputRow(r1, i) < h { r1 += 1 }
        return (r0, r1)
    }

    /// Input row of output row `oy` under kernel row `i` (may fall in the padding).
    @inline(__always) func inputRow(_ oy: Int, _ i: Int) -> Int { oy * sh - pt + i * dh }

    /// For kernel column `j`: the input column of output column ox is ox·SW + off, and the
    /// output columns lo..<hi are the ones that land inside the input.
    @inline(__always) func columns(_ j: Int) -> (off: Int, lo: Int, hi: Int) {
        let off = j * dw - pl
        let lo = off >= 0 ? 0 : Swift.min((-off + sw - 1) / sw, ow)
        let hi = w - off <= 0 ? 0 : Swift.min((w - off + sw - 1) / sw, ow)
        return (off, lo, Swift.max(lo, hi))
    }
}

extension Tensor {
    /// 2-D convolution, PyTorch's conv2d with zero padding, its output clamped to low…high
    /// (ReLU: `low: 0`; ReLU6: `low: 0, high: 6`; the gradient passes where low < y < high).
    /// Shapes: x [N, C, H, W], weight [O, C/G, KH, KW], bias [O] or nil → [N, O, OH, OW].
    /// Depthwise convolutions (G == C) take a direct loop, the rest im2col + one sgemm per group.
    /// With several chunks of images the chunks are spread over the worker threads (each with
    /// single-threaded GEMMs); one chunk (batch 1) splits its GEMMs instead.
    public static func conv2d(_ x: Tensor, weight: Tensor, bias: Tensor? = nil, window: ConvWindow, groups: Int = 1,
                              low: Float = -.infinity, high: Float = .infinity) -> Tensor {
        conv2d(x, weight: weight, bias: bias, window: window, groups: groups, low: low, high: high,
               imagesPerChunk: ConvKernels.imagesPerChunk)
    }

    /// `conv2d` with chunks of `imagesPerChunk` images (tests reach the several-image chunks here).
    static func conv2d(_ x: Tensor, weight: Tensor, bias: Tensor?, window: ConvWindow, groups: Int,
                       low: Float, high: Float, imagesPerChunk: Int) -> Tensor {
        let p = ConvPlan(input: x.shape, window: window, op: "conv2d")
        let g = groups
        precondition(weight.rank == 4 && g > 0 && p.c == weight.shape[1] * g && weight.shape[0] % g == 0
                     && weight.shape[2] == p.kh && weight.shape[3] == p.kw,
                     "conv2d: input \(x.shape) does not fit weight \(weight.shape) with \(g) groups and kernel \(p.kh)×\(p.kw)")
        precondition(low < high, "conv2d: clamp range \(low)...\(high) is empty")
        let o = weight.shape[0]
        if let bias { precondition(bias.shape == [o], "conv2d: bias \(bias.shape) must be [\(o)] for weight \(weight.shape)") }
        if g == p.c && g > 1 { return depthwiseConv2d(x, weight: weight, bias: bias, plan: p, low: low, high: high) }
        let clamps = low > -.infinity || high < .infinity
        let cgk = p.c / g * p.k, og = o / g, ck = p.c * p.k, chw = p.c * p.h * p.w, ol = o * p.l
        // The batch goes through in chunks of at most `nb` images (see `Chunking`): im2col of a
        // chunk [C·K, bn·L], then per image one GEMM per group, reading the image's columns in
        // place (row stride bn·L) and writing its output [O, L] directly.
        let chunking = ConvKernels.Chunking(n: p.n, imagesPerChunk: imagesPerChunk)
        let chunks = chunking.count, nb = chunking.largest
        // A 1×1, stride-1, unpadded convolution is its own im2col: an image's columns are its input.
        let pointwise = p.k == 1 && p.sh == 1 && p.sw == 1 && p.pt == 0 && p.pl == 0 && p.oh == p.h && p.ow == p.w
        // Image b of a chunk at b0: its columns [C·K, L] and their row stride.
        func columns(_ chunkCols: UnsafeMutablePointer<Float>?, _ b0: Int, _ b: Int, _ cl: Int) -> (UnsafePointer<Float>, Int) {
            chunkCols.map { (UnsafePointer($0 + b * p.l), cl) } ?? (UnsafePointer(x.storage.base + (b0 + b) * chw), p.l)
        }
        // Each chunk's columns live only beside its GEMMs (in cache); backward builds them again
        // for the weight gradient: cheaper than writing the whole batch's out to memory and
        // reading them back (at 16–64 channels the GEMMs are too short to hide that traffic).
        let gradBias = bias?.requiresGrad ?? false
        let backward = needsGrad(x, weight) || (gradBias && Autograd.isEnabled)
        let s = TensorStorage(uninitializedCount: p.n * ol)
        let pw = weight.storage.base, pbias = bias?.storage.base
        // Forward: every chunk is a part; the parts only write their own images.
        ConvKernels.runParts(chunks) { parts, concurrent in
            let gemm = concurrent ? BLAS.sgemmOnThisThread : BLAS.sgemm
            let chunkCols = pointwise ? nil : UnsafeMutablePointer<Float>.allocate(capacity: ck * nb * p.l)   // [C·K, nb·L]
            defer { chunkCols?.deallocate() }
            for ci in parts {
                let b0 = chunking.start(ci), bn = chunking.start(ci + 1) - b0, cl = bn * p.l
                if let chunkCols { ConvKernels.im2col(x.storage.base + b0 * chw, p.batch(bn), into: chunkCols) }
                for b in 0..<bn {
                    let (cb, ld) = columns(chunkCols, b0, b, cl)
                    let dst = s.base + (b0 + b) * ol                                                     // [O, L]
                    if let pbias { ConvKernels.fillRows(dst, values: pbias, rows: o, l: p.l) }
                    for gi in 0..<g {
                        gemm(false, false, og, p.l, cgk, 1, pw + gi * og * cgk, cgk, cb + gi * cgk * ld, ld,
                             pbias != nil ? 1 : 0, dst + gi * og * p.l, p.l)
                    }
                    if clamps { EpilogueKernels.affine(dst, 1, 0, low, high, into: dst, count: ol) }
                }
            }
        }
        let out = Tensor(shape: [p.n, o, p.oh, p.ow], storage: s)
        guard backward else { return out }
        out.record(bias.map { [x, weight, $0] } ?? [x, weight]) { gOut in
            let db = bias.flatMap { $0.requiresGrad ? $0.gradBuffer() : nil }
            let dw = weight.requiresGrad ? weight.gradBuffer() : nil
            let dx = x.requiresGrad ? x.gradBuffer() : nil
            let masked = clamps ? EpilogueKernels.maskedGradient(gOut, output: s.base, low, high, count: p.n * ol) : nil
            defer { masked?.deallocate() }
            let gAll = masked.map { UnsafePointer($0) } ?? gOut
            // Backward: at most four groups of consecutive chunks, fixed by the chunk count alone.
            // Each group accumulates into its own buffers, added into dW and db in group order
            // afterwards: the sums do not depend on the thread count. A group holds the weight
            // gradient transposed, dWᵀ_g = cols_g · gT_gᵀ [Cg·K, Og] per conv group: in that order
            // the GEMM packs the long columns without transposing them (10–20% faster at O ≤ 64).
            let groupCount = Swift.min(chunks, ConvKernels.maxReductionGroups)
            let wcount = o * cgk
            let partials = dw != nil || db != nil
                ? UnsafeMutablePointer<Float>.allocate(capacity: groupCount * (wcount + o)) : nil   // per group: dWᵀ [G, Cg·K, Og], db [O]
            partials?.initialize(repeating: 0, count: groupCount * (wcount + o))
            defer { partials?.deallocate() }
            ConvKernels.runParts(groupCount) { groupRange, concurrent in
                let gemm = concurrent ? BLAS.sgemmOnThisThread : BLAS.sgemm
                let chunkCols = dw != nil && !pointwise ? UnsafeMutablePointer<Float>.allocate(capacity: ck * nb * p.l) : nil // [C·K, nb·L]
                let dcols = dx != nil && !pointwise ? UnsafeMutablePointer<Float>.allocate(capacity: ck * nb * p.l) : nil     // [C·K, nb·L]
                defer { chunkCols?.deallocate(); dcols?.deallocate() }
                for gr in groupRange {
                    let mine = partials.map { $0 + gr * (wcount + o) }
                    let dwg = dw == nil ? nil : mine, dbg = db == nil ? nil : mine.map { $0 + wcount }
                    for ci in (gr * chunks / groupCount)..<((gr + 1) * chunks / groupCount) {
                        let b0 = chunking.start(ci), bn = chunking.start(ci + 1) - b0, cl = bn * p.l
                        if let chunkCols { ConvKernels.im2col(x.storage.base + b0 * chw, p.batch(bn), into: chunkCols) }
                        for b in 0..<bn {
                            let gb = gAll + (b0 + b) * ol                                                 // [O, L]
                            if let dbg { ConvKernels.addRowSums(gb, rows: o, cols: p.l, into: dbg) }     // db[o] += Σ g[o, ·]
                            if let dwg {                                                                  // dWᵀ_g += cols_g · g_gᵀ
                                let (cb, ld) = columns(chunkCols, b0, b, cl)
                                for gi in 0..<g {
                                    gemm(false, true, cgk, og, p.l, 1, cb + gi * cgk * ld, ld, gb + gi * og * p.l, p.l,
                                         1, dwg + gi * og * cgk, og)
                                }
                            }
                            if let dx {   // dcols_g = W_gᵀ · g_g, into the chunk's column gradients (pointwise: added into dx)
                                let (target, ld) = dcols.map { ($0 + b * p.l, cl) } ?? (dx + (b0 + b) * chw, p.l)
                                for gi in 0..<g {
                                    gemm(true, false, cgk, p.l, og, 1, pw + gi * og * cgk, cgk, gb + gi * og * p.l, p.l,
                                         dcols == nil ? 1 : 0, target + gi * cgk * ld, ld)
                                }
                            }
                        }
                        if let dcols, let dx { ConvKernels.col2im(dcols, p.batch(bn), into: dx + b0 * chw) }
                    }
                }
            }
            if let partials {
                for gr in 0..<groupCount {
                    let part = partials + gr * (wcount + o)
                    if let dw {
                        for gi in 0..<g {
                            ConvKernels.addTransposed(part + gi * og * cgk, rows: cgk, cols: og, into: dw + gi * og * cgk)
                        }
                    }
                    if let db { Kernels.add(into: db, from: part + wcount, count: o) }
                }
            }
        }
        return out
    }
}

/// The loops around the GEMMs, as plain functions of pointers so the compiler vectorises them.
enum ConvKernels {
    /// cols [C·K, N·L] = the kernel windows of x [N, C, H, W]: row (c, i, j), column (n, oy, ox)
    /// holds x[n, c, oy·SH − PT + i·DH, ox·SW − PL + j·DW], zero in the padding.
    static func im2col(_ x: UnsafePointer<Float>, _ p: ConvPlan, into cols: UnsafeMutablePointer<Float>) {
        let nl = p.n * p.l, hw = p.h * p.w
        for i in 0..<p.kh {
            let (r0, r1) = p.rowsInside(i)
            for j in 0..<p.kw {
                let (off, lo, hi) = p.columns(j)
                for c in 0..<p.c {
                    let row = cols + ((c * p.kh + i) * p.kw + j) * nl
                    for b in 0..<p.n {
                        let dst = row + b * p.l
                        if r0 > 0 { dst.update(repeating: 0, count: r0 * p.ow) }
                        if r1 < p.oh { (dst + r1 * p.ow).update(repeating: 0, count: (p.oh - r1) * p.ow) }
                        guard r0 < r1 else { continue }
                        gatherRows(x + (b * p.c + c) * hw + p.inputRow(r0, i) * p.w + off, rowStep: p.sh * p.w, stride: p.sw,
                                   into: dst + r0 * p.ow, rows: r1 - r0, ow: p.ow, lo, hi)
                    }
                }
            }
        }
    }

    /// dx [N, C, H, W] += the column gradients dcols [C·K, N·L] summed back onto the input
    /// positions they were read from (the adjoint of `im2col`). dcols is scratch: the entries of
    /// padding positions may be set to zero on the way.
    static func col2im(_ dcols: UnsafeMutablePointer<Float>, _ p: ConvPlan, into dx: UnsafeMutablePointer<Float>) {
        let nl = p.n * p.l, hw = p.h * p.w
        for i in 0..<p.kh {
            let (r0, r1) = p.rowsInside(i)
            guard r0 < r1 else { continue }
            for j in 0..<p.kw {
                let (off, lo, hi) = p.columns(j)
                guard lo < hi else { continue }
                for c in 0..<p.c {
                    let row = dcols + ((c * p.kh + i) * p.kw + j) * nl
                    for b in 0..<p.n {
                        scatterRows(from: row + b * p.l + r0 * p.ow, ow: p.ow, into: dx + (b * p.c + c) * hw + p.inputRow(r0, i) * p.w + off,
                                    rowStep: p.sh * p.w, stride: p.sw, rows: r1 - r0, lo, hi)
                    }
                }
            }
        }
    }

    /// For r in 0..<rows: dst[r·OW + t] = src[r·rowStep + t·stride] for t in lo..<hi, zero for
    /// the other t in 0..<OW. One call per plane and kernel tap (rows are short: 7 to 112).
    @inline(never)
    static func gatherRows(_ src: UnsafePointer<Float>, rowStep: Int, stride: Int, into dst: UnsafeMutablePointer<Float>,
                           rows: Int, ow: Int, _ lo: Int, _ hi: Int) {
        if stride == 1 && rowStep == ow && lo < hi {
            // The rows lie back to back in src as in dst: one run from the first row's lo to the
            // last row's hi, then the columns outside lo..<hi (read from the next or previous
            // row) set to zero.
            (dst + lo).update(from: src + lo, count: (rows - 1) * ow + hi - lo)
            if lo > 0 || hi < ow { zeroOutside(dst, rows: rows, ow: ow, lo, hi) }
            return
        }
        for r in 0..<rows {
            let d = dst + r * ow, s = src + r * rowStep
            for t in 0..<lo { d[t] = 0 }
            if stride == 1 {
                copyRun(from: s + lo, into: d + lo, count: hi - lo)
            } else if stride == 2 {
                var t = lo
                while t + 9 <= hi {   // sixteen values from s[2t], the last one read s[2(hi − 1)] at most
                    let v = UnsafeRawPointer(s + 2 * t).loadUnaligned(as: SIMD16<Float>.self)
                    UnsafeMutableRawPointer(d + t).storeBytes(of: v.evenHalf, as: SIMD8<Float>.self)
                    t += 8
                }
                while t < hi { d[t] = s[2 * t]; t += 1 }
            } else {
                for t in lo..<hi { d[t] = s[t * stride] }
            }
            for t in hi..<ow { d[t] = 0 }
        }
    }

    /// dst[t] = src[t] for t in 0..<count, eight lanes at a time (rows of 7 to 112 values: a
    /// memcpy call or a loop with an overlap check costs more than the copy).
    @inline(__always)
    static func copyRun(from src: UnsafePointer<Float>, into dst: UnsafeMutablePointer<Float>, count: Int) {
        var t = 0
        while t + 8 <= count {
            UnsafeMutableRawPointer(dst + t).storeBytes(of: UnsafeRawPointer(src + t).loadUnaligned(as: SIMD8<Float>.self), as: SIMD8<Float>.self)
            t += 8
        }
        while t < count { dst[t] = src[t]; t += 1 }
    }

    /// dst[t] += src[t] for t in 0..<count, eight lanes at a time (src and dst do not overlap).
    @inline(__always)
    static func addRun(from src: UnsafePointer<Float>, into dst: UnsafeMutablePointer<Float>, count: Int) {
        var t = 0
        while t + 8 <= count {
            let v = UnsafeRawPointer(dst + t).loadUnaligned(as: SIMD8<Float>.self) + UnsafeRawPointer(src + t).loadUnaligned(as: SIMD8<Float>.self)
            UnsafeMutableRawPointer(dst + t).storeBytes(of: v, as: SIMD8<Float>.self)
            t += 8
        }
        while t < count { dst[t] += src[t]; t += 1 }
    }

    /// For r in 0..<rows: dst[r·rowStep + t·stride] += src[r·OW + t] for t in lo..<hi (the
    /// adjoint of `gatherRows`). May set src's entries outside lo..<hi to zero.
    @inline(never)
    static func scatterRows(from src: UnsafeMutablePointer<Float>, ow: Int, into dst: UnsafeMutablePointer<Float>, rowStep: Int, stride: Int,
                            rows: Int, _ lo: Int, _ hi: Int) {
        if stride == 1 && rowStep == ow && lo < hi {
            // As in `gatherRows`: one run, after zeroing the entries that would land in the
            // neighbouring rows (the gradients of padding, which belong to no input).
            if lo > 0 || hi < ow { zeroOutside(src, rows: rows, ow: ow, lo, hi) }
            Kernels.add(into: dst + lo, from: src + lo, count: (rows - 1) * ow + hi - lo)
            return
        }
        for r in 0..<rows {
            let d = dst + r * rowStep, s = src + r * ow
            if stride == 1 {
                addRun(from: s + lo, into: d + lo, count: hi - lo)
            } else if stride == 2 {
                var t = lo
                while t + 9 <= hi {   // as in `gatherRows`; the odd entries are written back unchanged
                    var v = UnsafeRawPointer(d + 2 * t).loadUnaligned(as: SIMD16<Float>.self)
                    v.evenHalf += UnsafeRawPointer(s + t).loadUnaligned(as: SIMD8<Float>.self)
                    UnsafeMutableRawPointer(d + 2 * t).storeBytes(of: v, as: SIMD16<Float>.self)
                    t += 8
                }
                while t < hi { d[2 * t] += s[t]; t += 1 }
            } else {
                for t in lo..<hi { d[t * stride] += s[t] }
            }
        }
    }

    /// m[r·OW + t] = 0 for r in 0..<rows and t outside lo..<hi (mostly one column on each side:
    /// single stores, where the compiler would otherwise call memset for each).
    @inline(__always)
    static func zeroOutside(_ m: UnsafeMutablePointer<Float>, rows: Int, ow: Int, _ lo: Int, _ hi: Int) {
        for r in 0..<rows {
            let row = m + r * ow
            if lo == 1 { row[0] = 0 } else if lo > 1 { row.update(repeating: 0, count: lo) }
            if hi == ow - 1 { row[hi] = 0 } else if hi < ow - 1 { (row + hi).update(repeating: 0, count: ow - hi) }
        }
    }

    /// Images per chunk: one, whose columns (C·K·L values: 451 KB for a 3×3 convolution over 16
    /// channels at 28×28) stay in cache between im2col and the GEMMs, as the GEMMs run per image
    /// anyway; chunks of about 1024 columns (2 to 21 images in the small ResNet) trained it 1–5%
    /// slower. `TensorSettings.convolutionChunk` (`RUNG_CONV_CHUNK`) overrides it, for measurements.
    static var imagesPerChunk: Int { Swift.max(1, chunkOverride ?? 1) }

    /// How a batch of `n` images is cut into chunks: about `imagesPerChunk` images each, the
    /// count rounded up to a multiple of `maxReductionGroups` (at most n) so
    /// the reduction groups, and two threads, get equal shares; the images spread as evenly as
    /// the count allows (64 images at 6 a chunk: 12 chunks of 5 or 6, not 10 of 6 and one of 4).
    /// Depends on n and l only, so results do not depend on the thread count.
    struct Chunking {
        /// Images in the batch, and chunks.
        let n: Int, count: Int

        init(n: Int, imagesPerChunk: Int) {
            let first = Swift.max(1, Swift.min(n, imagesPerChunk))
            let q = maxReductionGroups
            self.n = n
            count = Swift.max(1, Swift.min(n, ((n + first - 1) / first + q - 1) / q * q))
        }

        /// The first image of chunk `i` (start(count) == n).
        func start(_ i: Int) -> Int { i * n / count }

        /// The most images in one chunk.
        var largest: Int { (n + count - 1) / count }
    }

    /// Groups of chunks whose weight gradients are summed separately in backward.
    static let maxReductionGroups = 4

    /// Runs `body(range, concurrent)` over parts 0..<count: one part at a time on the worker
    /// threads when the pool splits GEMMs itself and there are several parts (`concurrent`: GEMMs
    /// inside must stay on their thread), else all parts at once on the calling thread (its GEMMs
    /// may split). The same parts either way, so results do not depend on the thread count.
    static func runParts(_ count: Int, _ body: (Range<Int>, Bool) -> Void) {
        if count > 1 && BLAS.splitsItself && Parallel.threads > 1 {
            Parallel.run(parts: count) { p in body(p..<(p + 1), true) }
        } else {
            body(0..<count, false)
        }
    }

    /// `TensorSettings.convolutionChunk`, read once.
    static let chunkOverride: Int? = TensorSettings.current.convolutionChunk

    /// Row r of m [R, L] = values[r] for every r.
    static func fillRows(_ m: UnsafeMutablePointer<Float>, values: UnsafePointer<Float>, rows: Int, l: Int) {
        for r in 0..<rows { (m + r * l).update(repeating: values[r], count: l) }
    }

    /// into [C, R] += mᵀ for m [R, C].
    static func addTransposed(_ m: UnsafePointer<Float>, rows: Int, cols: Int, into: UnsafeMutablePointer<Float>) {
        for r in 0..<rows {
            for c in 0..<cols { into[c * rows + r] += m[r * cols + c] }
        }
    }

    /// into[r] += Σ_t m[r·cols + t].
    static func addRowSums(_ m: UnsafePointer<Float>, rows: Int, cols: Int, into: UnsafeMutablePointer<Float>) {
        for r in 0..<rows { into[r] += Kernels.sum(m + r * cols, cols) }
    }
}
