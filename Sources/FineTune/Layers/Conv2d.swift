// 2-D convolution (torch.nn.Conv2d) on NCHW tensors: stride, padding, dilation and groups
// (depthwise included), weight [out, in/groups, KH, KW], through the core's `Tensor.conv2d`
// (im2col + sgemm, a direct loop for depthwise).
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

    /// The weight and bias folded with a following batch norm, kept while neither changes
    /// (ConvBatchNorm.swift).
    var foldCache: FoldedConvBatchNorm?

    /// x [N, C, H, W] → [N, O, OH, OW].
    public func callAsFunction(_ input: Tensor) -> Tensor {
        Conv2d.convolve(input, weight: weight, bias: bias, window: window(for: input), groups: groups)
    }

    /// The window applied to `input`: `window`, or TensorFlow's "same" padding for its size.
    func window(for input: Tensor) -> Window2d {
        guard tfSamePadding else { return window }
        precondition(input.rank == 4, "Conv2d: input must be NCHW, got \(input.shape)")
        return Window2d.same(kernel: (window.kernel.h, window.kernel.w), stride: (window.stride.h, window.stride.w),
                             dilation: (window.dilation.h, window.dilation.w), inputH: input.shape[2], inputW: input.shape[3])
    }

    /// The convolution as a function (torch.nn.functional.conv2d with zero padding).
    public static func convolve(_ x: Tensor, weight: Tensor, bias: Tensor?, window: Window2d, groups: Int) -> Tensor {
        Tensor.conv2d(x, weight: weight, bias: bias, window: window.convWindow, groups: groups)
    }
}
