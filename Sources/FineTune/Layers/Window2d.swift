// The window geometry of convolution and pooling layers (kernel, stride, dilation, padding on each
// side), TensorFlow's "same" padding, and its translation into the core's `ConvWindow`.
// The kernels themselves live in Tensors (Ops/Convolution*.swift).

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

    /// The same geometry as the core's `ConvWindow`, which `Tensor.conv2d` and the pools take.
    public var convWindow: ConvWindow {
        ConvWindow(kernel: (kernel.h, kernel.w), stride: (stride.h, stride.w),
                   padding: (padding.top, padding.bottom, padding.left, padding.right), dilation: (dilation.h, dilation.w))
    }

    public static func == (a: Window2d, b: Window2d) -> Bool {
        a.kernel == b.kernel && a.stride == b.stride && a.dilation == b.dilation && a.padding == b.padding
    }

    public func hash(into hasher: inout Hasher) {
        for v in [kernel.h, kernel.w, stride.h, stride.w, dilation.h, dilation.w,
                  padding.top, padding.bottom, padding.left, padding.right] { hasher.combine(v) }
    }
}
