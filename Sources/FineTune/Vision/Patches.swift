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

/// Remembers the patch indices of the last input shape and window, so a layer computes them once.
final class PatchIndexCache {
    private var key: [Int] = []
    private var keyWindow: Window2d?
    private var cached: PatchIndices?

    func indices(for shape: [Int], window: Window2d) -> PatchIndices {
        if let cached, key == shape, keyWindow == window { return cached }
        let p = PatchIndices(n: shape[0], c: shape[1], h: shape[2], w: shape[3], window: window)
        key = shape
        keyWindow = window
        cached = p
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
