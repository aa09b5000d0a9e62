// Pooling on NCHW tensors: max (padding counts as −∞), average (padding counts as zeros, PyTorch's
// count_include_pad = true) and global average, all through the same window gather as convolution.
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
    private let cache = PatchIndexCache()

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
        precondition(input.rank == 4, "Pool2d: input must be NCHW, got \(input.shape)")
        let k = window.kernel.h
        if window.stride.h == k, window.dilation.h == 1, window.padding == (0, 0, 0, 0) {
            // Non-overlapping windows: a view [N, C, OH, k, OW, k] reduced over its two k axes, no gather.
            let (n, c, h, w) = (input.shape[0], input.shape[1], input.shape[2], input.shape[3])
            let oh = h / k, ow = w / k
            precondition(oh > 0 && ow > 0, "Pool2d: window \(k)×\(k) does not fit input \(input.shape)")
            var x = input
            if h != oh * k { x = x.slice(axis: 2, 0..<(oh * k)) }
            if w != ow * k { x = x.slice(axis: 3, 0..<(ow * k)) }
            let blocks = x.reshape([n, c, oh, k, ow, k])
            return kind == .max ? blocks.max(axes: [3, 5]) : blocks.mean(axes: [3, 5])
        }
        let p = cache.indices(for: input.shape, window: window)
        let cols = Tensor.patches(input, p, window: window, padValue: kind == .max ? -Float.infinity : 0)   // [N, C, K, L]
        let pooled = kind == .max ? cols.max(axis: 2) : cols.mean(axis: 2)
        return pooled.reshape([input.shape[0], input.shape[1], p.outH, p.outW])
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
        precondition(input.rank == 4, "GlobalAveragePool2d: input must be NCHW, got \(input.shape)")
        return input.mean(axes: [2, 3], keepDims: keepDims)
    }
}

extension Tensor {
    /// min(max(x, 0), 6), as relu(x) − relu(x − 6); the gradient is 1 on (0, 6) and 0 elsewhere.
    public func relu6() -> Tensor { relu() - (self - 6).relu() }
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
