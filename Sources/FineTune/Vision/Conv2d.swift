// 2-D convolution (torch.nn.Conv2d) on NCHW tensors: stride, padding, dilation and groups
// (depthwise included), weight [out, in/groups, KH, KW], as im2col (a gather) followed by sgemm.
// Legend: N batch, C in channels, O out channels, G groups, Cg = C/G, Og = O/G, K = KH·KW, L = OH·OW.
// Left out: padding modes other than zeros, transposed convolution.

import Tensors

/// A 2-D convolution layer in PyTorch's layout and default initialisation.
public final class Conv2d: Module {
    /// Weight [O, C/G, KH, KW].
    public let weight: Tensor
    /// Bias [O], or nil.
    public let bias: Tensor?
    /// Kernel, stride, padding and dilation.
    public var window: Window2d
    /// Number of groups G (C for a depthwise convolution).
    public let groups: Int
    /// When true, the padding is TensorFlow's "same" for each input's size (output ⌈size/stride⌉,
    /// the odd pixel below and right), as EfficientNet's TensorFlow-trained weights expect; the
    /// padding in `window` is then ignored.
    public var tfSamePadding = false
    /// Whether the module is in training mode (no effect on a convolution).
    public var isTraining = true
    private let cache = PatchIndexCache()

    /// A convolution initialised as PyTorch does by default: weight and bias drawn from
    /// U(−1/√fanIn, 1/√fanIn) with fanIn = C/G·KH·KW (weight first, row-major, then bias). The
    /// values differ from PyTorch's own random stream; the distribution is the same.
    public init<G: RandomNumberGenerator>(inChannels: Int, outChannels: Int, kernelSize: (Int, Int),
                                          stride: (Int, Int) = (1, 1), padding: (Int, Int) = (0, 0),
                                          dilation: (Int, Int) = (1, 1), groups: Int = 1, bias: Bool = true,
                                          generator: inout G) {
        precondition(inChannels > 0 && outChannels > 0 && groups > 0 && inChannels % groups == 0 && outChannels % groups == 0,
                     "Conv2d: channels in \(inChannels), out \(outChannels) must be positive multiples of groups \(groups)")
        precondition(kernelSize.0 > 0 && kernelSize.1 > 0 && stride.0 > 0 && stride.1 > 0 && dilation.0 > 0 && dilation.1 > 0
                     && padding.0 >= 0 && padding.1 >= 0,
                     "Conv2d: kernel \(kernelSize), stride \(stride), dilation \(dilation) must be positive, padding \(padding) non-negative")
        let fanIn = inChannels / groups * kernelSize.0 * kernelSize.1
        let bound = 1 / Float(fanIn).squareRoot()
        weight = Tensor.uniform([outChannels, inChannels / groups, kernelSize.0, kernelSize.1], low: -bound, high: bound,
                                using: &generator, requiresGrad: true)
        self.bias = bias ? Tensor.uniform([outChannels], low: -bound, high: bound, using: &generator, requiresGrad: true) : nil
        self.window = Window2d(kernel: kernelSize, stride: stride, padding: padding, dilation: dilation)
        self.groups = groups
    }

    /// A square-kernel convolution with the same stride, padding and dilation on both axes.
    public convenience init<G: RandomNumberGenerator>(_ inChannels: Int, _ outChannels: Int, kernelSize: Int,
                                                      stride: Int = 1, padding: Int = 0, dilation: Int = 1,
                                                      groups: Int = 1, bias: Bool = true, generator: inout G) {
        self.init(inChannels: inChannels, outChannels: outChannels, kernelSize: (kernelSize, kernelSize),
                  stride: (stride, stride), padding: (padding, padding), dilation: (dilation, dilation),
                  groups: groups, bias: bias, generator: &generator)
    }

    /// Input channels C.
    public var inChannels: Int { weight.shape[1] * groups }
    /// Output channels O.
    public var outChannels: Int { weight.shape[0] }

    /// `weight` and `bias` when present.
    public var localParameters: [(name: String, tensor: Tensor)] {
        [("weight", weight)] + (bias.map { [("bias", $0)] } ?? [])
    }
    /// No sub-modules.
    public var children: [(name: String, module: any Module)] { [] }

    /// x [N, C, H, W] → [N, O, OH, OW].
    public func callAsFunction(_ input: Tensor) -> Tensor {
        var w = window
        if tfSamePadding {
            precondition(input.rank == 4, "Conv2d: input must be NCHW, got \(input.shape)")
            w = Window2d.same(kernel: (window.kernel.h, window.kernel.w), stride: (window.stride.h, window.stride.w),
                              dilation: (window.dilation.h, window.dilation.w), inputH: input.shape[2], inputW: input.shape[3])
        }
        return Conv2d.convolve(input, weight: weight, bias: bias, window: w, groups: groups, cache: cache)
    }

    /// The convolution as a function (torch.nn.functional.conv2d with zero padding).
    public static func convolve(_ x: Tensor, weight: Tensor, bias: Tensor?, window: Window2d, groups: Int) -> Tensor {
        convolve(x, weight: weight, bias: bias, window: window, groups: groups, cache: PatchIndexCache())
    }

    static func convolve(_ x: Tensor, weight: Tensor, bias: Tensor?, window: Window2d, groups g: Int, cache: PatchIndexCache) -> Tensor {
        precondition(x.rank == 4 && weight.rank == 4, "Conv2d: input \(x.shape) must be NCHW and weight \(weight.shape) [O, C/G, KH, KW]")
        let n = x.shape[0], c = x.shape[1], o = weight.shape[0]
        precondition(c == weight.shape[1] * g && o % g == 0 && weight.shape[2] == window.kernel.h && weight.shape[3] == window.kernel.w,
                     "Conv2d: input \(x.shape) does not fit weight \(weight.shape) with \(g) groups and kernel \(window.kernel)")
        if g == c && o == c {
            let out = Tensor.depthwiseConvolution(x, weight: weight, window: window)   // [N, C, OH, OW]
            return bias.map { out + $0.reshape([1, o, 1, 1]) } ?? out
        }
        let k = window.kernel.h * window.kernel.w
        let pointwise = k == 1 && window.stride == (1, 1) && window.padding == (0, 0, 0, 0)
        let (outH, outW) = window.outputSize(h: x.shape[2], w: x.shape[3])
        let l = outH * outW
        // A 1×1 convolution with stride 1 and no padding needs no gather: the input is its own im2col.
        let cols = pointwise ? x.reshape([n, c, 1, l])                          // [N, C, K, L]
            : window.stride == (1, 1) ? Tensor.stride1Patches(x, window: window)
            : Tensor.patches(x, cache.indices(for: x.shape, window: window), window: window, padValue: 0)
        let cg = c / g, og = o / g
        var out: Tensor                                                         // [N, O, L]
        if g == 1 {
            out = Tensor.matmul(weight.reshape([o, c * k]), cols.reshape([n, c * k, l]))
        } else if og == 1 {
            // One output per group (depthwise): a weighted sum over each group's taps.
            out = (cols.reshape([n, g, cg * k, l]) * weight.reshape([1, g, cg * k, 1])).sum(axis: 2)
        } else {
            let w3 = weight.reshape([g, og, cg * k])
            let wb = n == 1 ? w3 : Tensor.concat(Array(repeating: w3, count: n), axis: 0)   // [N·G, Og, Cg·K]
            out = Tensor.matmul(wb, cols.reshape([n * g, cg * k, l])).reshape([n, o, l])
        }
        if let bias { out = out + bias.reshape([1, o, 1]) }
        return out.reshape([n, o, outH, outW])
    }
}
