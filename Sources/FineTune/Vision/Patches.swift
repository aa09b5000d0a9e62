// im2col as an index gather: the positions of every kernel window of an NCHW input, so that
// convolution and pooling become one differentiable `gather` of the core plus a GEMM or a reduction.
// Legend: N batch, C channels, H×W input, KH×KW kernel, OH×OW output, L = OH·OW, K = KH·KW.
// Left out: a fused im2col kernel (the core has no public custom-op API); this gathers one element per index.

import Tensors

/// Window geometry of a 2-D convolution or pooling: kernel, stride, dilation and zero padding on
/// each side (asymmetric padding allows TensorFlow's "same").
public struct Window2d: Sendable, Hashable {
    /// Kernel height and width.
    public var kernel: (h: Int, w: Int)
    /// Step between windows.
    public var stride: (h: Int, w: Int)
    /// Spacing of the kernel taps.
    public var dilation: (h: Int, w: Int)
    /// Padding added above, below, left and right.
    public var padding: (top: Int, bottom: Int, left: Int, right: Int)

    /// A window with the given geometry; padding is the same on both sides of each axis.
    public init(kernel: (Int, Int), stride: (Int, Int) = (1, 1), padding: (Int, Int) = (0, 0), dilation: (Int, Int) = (1, 1)) {
        self.kernel = (kernel.0, kernel.1)
        self.stride = (stride.0, stride.1)
        self.dilation = (dilation.0, dilation.1)
        self.padding = (padding.0, padding.0, padding.1, padding.1)
    }

    /// A window with explicit padding on each side.
    public init(kernel: (Int, Int), stride: (Int, Int), padding: (top: Int, bottom: Int, left: Int, right: Int), dilation: (Int, Int) = (1, 1)) {
        self.kernel = (kernel.0, kernel.1)
        self.stride = (stride.0, stride.1)
        self.dilation = (dilation.0, dilation.1)
        self.padding = padding
    }

    /// Output height and width for an input of `h`×`w` (PyTorch's formula, floor division).
    public func outputSize(h: Int, w: Int) -> (h: Int, w: Int) {
        let oh = (h + padding.top + padding.bottom - dilation.h * (kernel.h - 1) - 1) / stride.h + 1
        let ow = (w + padding.left + padding.right - dilation.w * (kernel.w - 1) - 1) / stride.w + 1
        return (oh, ow)
    }

    /// TensorFlow's "same" padding for an input of `h`×`w`: output ⌈h/stride⌉, the odd pixel of
    /// padding going below and right.
    public static func same(kernel: (Int, Int), stride: (Int, Int), dilation: (Int, Int) = (1, 1), inputH h: Int, inputW w: Int) -> Window2d {
        func pads(_ n: Int, _ k: Int, _ s: Int, _ d: Int) -> (Int, Int) {
            let out = (n + s - 1) / s
            let total = Swift.max((out - 1) * s + (k - 1) * d + 1 - n, 0)
            return (total / 2, total - total / 2)
        }
        let (t, b) = pads(h, kernel.0, stride.0, dilation.0)
        let (l, r) = pads(w, kernel.1, stride.1, dilation.1)
        return Window2d(kernel: kernel, stride: stride, padding: (t, b, l, r), dilation: dilation)
    }

    public static func == (a: Window2d, b: Window2d) -> Bool {
        a.kernel == b.kernel && a.stride == b.stride && a.dilation == b.dilation && a.padding == b.padding
    }

    public func hash(into hasher: inout Hasher) {
        for v in [kernel.h, kernel.w, stride.h, stride.w, dilation.h, dilation.w,
                  padding.top, padding.bottom, padding.left, padding.right] { hasher.combine(v) }
    }
}

/// Gather indices of the kernel windows of an NCHW input, laid out [N, C, K, L]; positions in the
/// padding point at one extra row past the input (`padRow`).
struct PatchIndices {
    let indices: [Int]
    let outH: Int
    let outW: Int
    let padRow: Int

    init(n: Int, c: Int, h: Int, w: Int, window: Window2d) {
        let (oh, ow) = window.outputSize(h: h, w: w)
        precondition(oh > 0 && ow > 0, "window \(window.kernel) (dilation \(window.dilation)) does not fit input \(h)×\(w) with padding \(window.padding)")
        let kh = window.kernel.h, kw = window.kernel.w
        let pad = n * c * h * w
        var idx = [Int](repeating: pad, count: n * c * kh * kw * oh * ow)
        var r = 0
        for plane in 0..<(n * c) {
            let base = plane * h * w
            for i in 0..<kh {
                for j in 0..<kw {
                    for y in 0..<oh {
                        let hi = y * window.stride.h - window.padding.top + i * window.dilation.h
                        let rowOK = hi >= 0 && hi < h
                        for x in 0..<ow {
                            let wi = x * window.stride.w - window.padding.left + j * window.dilation.w
                            if rowOK && wi >= 0 && wi < w { idx[r] = base + hi * w + wi }
                            r += 1
                        }
                    }
                }
            }
        }
        indices = idx
        outH = oh
        outW = ow
        padRow = pad
    }
}

/// Remembers the patch indices per input shape and window (a layer may see several shapes, as
/// one pooling layer used twice in a network does), so each is computed once.
final class PatchIndexCache {
    private var entries: [(shape: [Int], window: Window2d, indices: PatchIndices)] = []

    func indices(for shape: [Int], window: Window2d) -> PatchIndices {
        if let hit = entries.first(where: { $0.shape == shape && $0.window == window }) { return hit.indices }
        let p = PatchIndices(n: shape[0], c: shape[1], h: shape[2], w: shape[3], window: window)
        if entries.count >= 4 { entries.removeFirst() }
        entries.append((shape, window, p))
        return p
    }
}

extension Tensor {
    /// The kernel windows of an NCHW input as [N, C, K, L] (im2col), padding filled with
    /// `padValue`; differentiable through the core's `gather`.
    static func patches(_ x: Tensor, _ p: PatchIndices, window: Window2d, padValue: Float) -> Tensor {
        precondition(x.rank == 4, "patches: input must be NCHW, got \(x.shape)")
        let rows = Tensor.concat([x.reshape([x.count, 1]), Tensor(shape: [1, 1], repeating: padValue)], axis: 0)
        let k = window.kernel.h * window.kernel.w
        return rows.gather(rows: p.indices, indexShape: [x.shape[0], x.shape[1], k, p.outH * p.outW])
            .reshape([x.shape[0], x.shape[1], k, p.outH * p.outW])
    }
}

extension Tensor {
    /// The kernel windows [N, C, K, L] of a stride-1 window, built from whole padded input rows:
    /// one gather of rows (KH per output row), then KW column slices. Same values as `patches`,
    /// with row copies and slices instead of one gather call per element.
    static func stride1Patches(_ x: Tensor, window: Window2d) -> Tensor {
        precondition(x.rank == 4 && window.stride == (1, 1), "stride1Patches: NCHW input and stride 1, got \(x.shape), stride \(window.stride)")
        let (n, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let pad = window.padding
        var xp = x
        if pad.left + pad.right > 0 {
            var parts: [Tensor] = []
            if pad.left > 0 { parts.append(Tensor.zeros([n, c, h, pad.left])) }
            parts.append(xp)
            if pad.right > 0 { parts.append(Tensor.zeros([n, c, h, pad.right])) }
            xp = Tensor.concat(parts, axis: 3)
        }
        let wp = w + pad.left + pad.right
        if pad.top + pad.bottom > 0 {
            var parts: [Tensor] = []
            if pad.top > 0 { parts.append(Tensor.zeros([n, c, pad.top, wp])) }
            parts.append(xp)
            if pad.bottom > 0 { parts.append(Tensor.zeros([n, c, pad.bottom, wp])) }
            xp = Tensor.concat(parts, axis: 2)
        }
        let hp = h + pad.top + pad.bottom
        let (oh, ow) = window.outputSize(h: h, w: w)
        precondition(oh > 0 && ow > 0, "window \(window.kernel) (dilation \(window.dilation)) does not fit input \(h)×\(w) with padding \(pad)")
        let kh = window.kernel.h, kw = window.kernel.w, dh = window.dilation.h, dw = window.dilation.w
        var rows = [Int]()
        rows.reserveCapacity(n * c * kh * oh)
        for plane in 0..<(n * c) {
            for i in 0..<kh {
                for y in 0..<oh { rows.append(plane * hp + y + i * dh) }
            }
        }
        let gathered = xp.reshape([n * c * hp, wp]).gather(rows: rows, indexShape: [n, c, kh, oh])   // [N, C, KH, OH, Wp]
        let columns = (0..<kw).map { j in
            gathered.slice(axis: 4, (j * dw)..<(j * dw + ow)).reshape([n, c, kh, 1, oh * ow])
        }
        let cols = kw == 1 ? columns[0] : Tensor.concat(columns, axis: 3)                       // [N, C, KH, KW, L]
        return cols.reshape([n, c, kh * kw, oh * ow])
    }
}

extension Tensor {
    /// Depthwise convolution (one filter per channel, weight [C, 1, KH, KW]) as a sum over kernel
    /// taps of shifted input planes times per-channel weights: no K-times-larger im2col buffer.
    /// Strides are handled by splitting the padded input into stride phases once
    /// ([N, C, SH, SW, H/SH, W/SW]), so every tap is two contiguous slices.
    static func depthwiseConvolution(_ x: Tensor, weight: Tensor, window: Window2d) -> Tensor {
        let (n, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        precondition(weight.shape == [c, 1, window.kernel.h, window.kernel.w], "depthwise: weight \(weight.shape) for \(c) channels and kernel \(window.kernel)")
        let (oh, ow) = window.outputSize(h: h, w: w)
        precondition(oh > 0 && ow > 0, "window \(window.kernel) (dilation \(window.dilation)) does not fit input \(h)×\(w) with padding \(window.padding)")
        let (sh, sw) = (window.stride.h, window.stride.w), (dh, dw) = (window.dilation.h, window.dilation.w)
        let (kh, kw) = (window.kernel.h, window.kernel.w)
        func roundUp(_ v: Int, _ m: Int) -> Int { (v + m - 1) / m * m }
        // Padded extents: the top/left padding, the data, then zeros up to what the last tap needs,
        // rounded up to a multiple of the stride.
        let hp = roundUp(Swift.max((oh - 1) * sh + (kh - 1) * dh + 1, window.padding.top + h), sh)
        let wp = roundUp(Swift.max((ow - 1) * sw + (kw - 1) * dw + 1, window.padding.left + w), sw)
        var xp = x
        let right = wp - w - window.padding.left, bottom = hp - h - window.padding.top
        if window.padding.left > 0 || right > 0 {
            var parts: [Tensor] = []
            if window.padding.left > 0 { parts.append(Tensor.zeros([n, c, h, window.padding.left])) }
            parts.append(xp)
            if right > 0 { parts.append(Tensor.zeros([n, c, h, right])) }
            xp = Tensor.concat(parts, axis: 3)
        }
        if window.padding.top > 0 || bottom > 0 {
            var parts: [Tensor] = []
            if window.padding.top > 0 { parts.append(Tensor.zeros([n, c, window.padding.top, wp])) }
            parts.append(xp)
            if bottom > 0 { parts.append(Tensor.zeros([n, c, bottom, wp])) }
            xp = Tensor.concat(parts, axis: 2)
        }
        let (ah, aw) = (hp / sh, wp / sw)
        // Stride phases: phase (p, q) holds padded rows p, p + SH, … and columns q, q + SW, ….
        // [N, C, AH, SH, SW, AW] once, so a phase is two slices of whole rows.
        let split = sh == 1 && sw == 1 ? xp : xp.reshape([n, c, ah, sh, aw, sw]).transpose(4, 5)
        var phases: [Int: Tensor] = [:]
        func phase(_ p: Int, _ q: Int) -> Tensor {
            if let t = phases[p * sw + q] { return t }
            let t = sh == 1 && sw == 1 ? xp
                : split.slice(axis: 3, p..<(p + 1)).slice(axis: 4, q..<(q + 1)).reshape([n, c, ah, aw])
            phases[p * sw + q] = t
            return t
        }
        // Rows of a phase for one kernel row, shared by the taps of that row.
        var rowPlanes: [[Int]: Tensor] = [:]
        func rows(_ p: Int, _ q: Int, _ start: Int) -> Tensor {
            if let t = rowPlanes[[p, q, start]] { return t }
            let t = phase(p, q).slice(axis: 2, start..<(start + oh))
            rowPlanes[[p, q, start]] = t
            return t
        }
        let taps = weight.reshape([c, kh * kw])
        var out: Tensor? = nil
        for i in 0..<kh {
            for j in 0..<kw {
                let (offH, offW) = (i * dh, j * dw)
                let band = rows(offH % sh, offW % sw, offH / sh)
                let shifted = band.slice(axis: 3, (offW / sw)..<(offW / sw + ow))
                let term = shifted * taps.slice(axis: 1, (i * kw + j)..<(i * kw + j + 1)).reshape([1, c, 1, 1])
                out = out.map { $0 + term } ?? term
            }
        }
        return out!
    }
}
