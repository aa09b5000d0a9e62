// Pooling on NCHW tensors: max (padding counts as −∞), average (padding counts as zeros, PyTorch's
// count_include_pad = true) and global average, as layers over the core's direct pooling ops.
// Left out: ceil_mode, adaptive pooling to sizes other than 1×1.

import Tensors

/// The kind of reduction a pooling window applies.
public enum PoolKind: String, Sendable, Hashable, Codable {
    /// Maximum of the window (torch.nn.MaxPool2d).
    case max
    /// Mean of the window, padding included as zeros (torch.nn.AvgPool2d).
    case average
}

/// Max or average pooling over windows (torch.nn.MaxPool2d / AvgPool2d); no parameters.
public final class Pool2d: Module {
    /// Maximum or average.
    public let kind: PoolKind
    /// Kernel, stride, padding and dilation.
    public let window: Window2d
    /// Whether the module is in training mode (no effect).
    public var isTraining = true

    /// A pooling layer; the stride defaults to the kernel size, as in PyTorch.
    public init(_ kind: PoolKind, kernelSize: Int, stride: Int? = nil, padding: Int = 0, dilation: Int = 1) {
        let s = stride ?? kernelSize
        precondition(kernelSize > 0 && s > 0 && dilation > 0 && padding >= 0 && padding * 2 <= kernelSize,
                     "Pool2d: kernel \(kernelSize), stride \(s), dilation \(dilation) must be positive and padding \(padding) at most half the kernel")
        precondition(kind == .max || dilation == 1, "Pool2d: average pooling has no dilation, got \(dilation)")
        self.kind = kind
        self.window = Window2d(kernel: (kernelSize, kernelSize), stride: (s, s), padding: (padding, padding), dilation: (dilation, dilation))
    }

    /// No parameters.
    public var localParameters: [(name: String, tensor: Tensor)] { [] }
    /// No sub-modules.
    public var children: [(name: String, module: any Module)] { [] }

    /// x [N, C, H, W] → [N, C, OH, OW].
    public func callAsFunction(_ input: Tensor) -> Tensor {
        kind == .max ? Tensor.maxPool2d(input, window: window.convWindow) : Tensor.avgPool2d(input, window: window.convWindow)
    }
}

/// Mean over the spatial axes: [N, C, H, W] → [N, C] (or [N, C, 1, 1] with `keepDims`), as
/// torch.nn.AdaptiveAvgPool2d(1) followed by flattening.
public final class GlobalAveragePool2d: Module {
    /// Whether the output keeps the two spatial axes as 1×1.
    public let keepDims: Bool
    /// Whether the module is in training mode (no effect).
    public var isTraining = true

    /// A global average pool.
    public init(keepDims: Bool = false) { self.keepDims = keepDims }

    /// No parameters.
    public var localParameters: [(name: String, tensor: Tensor)] { [] }
    /// No sub-modules.
    public var children: [(name: String, module: any Module)] { [] }

    /// x [N, C, H, W] → [N, C].
    public func callAsFunction(_ input: Tensor) -> Tensor {
        let pooled = Tensor.globalAvgPool2d(input)
        return keepDims ? pooled.reshape([input.shape[0], input.shape[1], 1, 1]) : pooled
    }
}

extension Tensor {
    /// min(max(x, 0), 6) in one pass; the gradient is 1 on (0, 6) and 0 elsewhere.
    public func relu6() -> Tensor { clamped(low: 0, high: 6) }
}

/// ReLU6 (torch.nn.ReLU6); no parameters.
public final class ReLU6: Module {
    /// Whether the module is in training mode (no effect).
    public var isTraining = true
    /// A ReLU6 layer.
    public init() {}
    /// No parameters.
    public var localParameters: [(name: String, tensor: Tensor)] { [] }
    /// No sub-modules.
    public var children: [(name: String, module: any Module)] { [] }
    /// Applies min(max(x, 0), 6) elementwise.
    public func callAsFunction(_ input: Tensor) -> Tensor { input.relu6() }
}
