// Batch normalisation over the channels of NCHW tensors (Ioffe & Szegedy, 2015) as
// torch.nn.BatchNorm2d: batch statistics and running averages in training, running statistics in
// evaluation, and an option to freeze the statistics while training. Left out: momentum = None.

import Tensors

/// A module holding non-parameter state saved with its weights (PyTorch's buffers).
public protocol BufferedModule: Module {
    /// This module's own buffers under their local names (`running_mean`), in order.
    var localBuffers: [(name: String, tensor: Tensor)] { get }
}

extension Module {
    /// Every buffer in the tree, depth first, under its dotted path (`bn1.running_mean`), as
    /// PyTorch's `named_buffers()` lists them (`num_batches_tracked` aside).
    public func namedBuffers() -> [(name: String, tensor: Tensor)] {
        var out = (self as? any BufferedModule)?.localBuffers ?? []
        for (childName, child) in children {
            for (name, tensor) in child.namedBuffers() { out.append((childName + "." + name, tensor)) }
        }
        return out
    }
}

/// Batch normalisation per channel: (x − mean) / √(var + ε) · weight + bias.
///
/// In training mode the mean and biased variance of the batch (over N, H, W) normalise, and the
/// running averages move by `momentum` towards the batch mean and the unbiased batch variance.
/// In evaluation mode, or when `freezeStatistics` is set, the running statistics normalise and
/// are left unchanged; `weight` and `bias` still receive gradients.
public final class BatchNorm2d: BufferedModule {
    /// Scale [C], initialised to ones.
    public let weight: Tensor
    /// Shift [C], initialised to zeros.
    public let bias: Tensor
    /// Running mean [C], initialised to zeros.
    public let runningMean: Tensor
    /// Running (unbiased) variance [C], initialised to ones.
    public let runningVar: Tensor
    /// Batches seen in training with live statistics (PyTorch's `num_batches_tracked`).
    public private(set) var numBatchesTracked = 0
    /// Added to the variance (PyTorch's default 1e-5; EfficientNet-Lite uses 1e-3).
    public let eps: Float
    /// Weight of the newest batch in the running averages (PyTorch's default 0.1).
    public let momentum: Float
    /// When true, the running statistics normalise even in training mode and are never updated.
    public var freezeStatistics = false
    /// Whether the module is in training mode.
    public var isTraining = true

    /// A layer for `channels` channels.
    public init(channels: Int, eps: Float = 1e-5, momentum: Float = 0.1) {
        precondition(channels > 0, "BatchNorm2d: channels must be positive, got \(channels)")
        precondition(momentum >= 0 && momentum <= 1, "BatchNorm2d: momentum must be in [0, 1], got \(momentum)")
        weight = Tensor.ones([channels], requiresGrad: true)
        bias = Tensor.zeros([channels], requiresGrad: true)
        runningMean = Tensor.zeros([channels])
        runningVar = Tensor.ones([channels])
        self.eps = eps
        self.momentum = momentum
    }

    /// Number of channels C.
    public var channels: Int { weight.count }

    /// `weight` then `bias`.
    public var localParameters: [(name: String, tensor: Tensor)] { [("weight", weight), ("bias", bias)] }
    /// `running_mean` then `running_var`.
    public var localBuffers: [(name: String, tensor: Tensor)] { [("running_mean", runningMean), ("running_var", runningVar)] }
    /// No sub-modules.
    public var children: [(name: String, module: any Module)] { [] }

    /// Sets the running statistics and the batch count (loading a checkpoint).
    public func loadStatistics(mean: [Float], variance: [Float], batchesTracked: Int = 0) {
        precondition(mean.count == channels && variance.count == channels,
                     "BatchNorm2d: statistics of \(mean.count) and \(variance.count) values for \(channels) channels")
        runningMean.assign(mean)
        runningVar.assign(variance)
        numBatchesTracked = batchesTracked
    }

    /// x [N, C, H, W] → same shape.
    public func callAsFunction(_ input: Tensor) -> Tensor { normalise(input, low: -.infinity, high: .infinity) }

    /// The normalised x clamped to `range` — batch norm followed by ReLU (`0...Float.infinity`)
    /// or ReLU6 (`0...6`); one fused pass with running statistics.
    public func callAsFunction(_ input: Tensor, clampedTo range: ClosedRange<Float>) -> Tensor {
        normalise(input, low: range.lowerBound, high: range.upperBound)
    }

    private func normalise(_ input: Tensor, low: Float, high: Float) -> Tensor {
        precondition(input.rank == 4 && input.shape[1] == channels,
                     "BatchNorm2d: input \(input.shape) is not NCHW with \(channels) channels")
        let c = channels
        if isTraining && !freezeStatistics {
            let perChannel = input.count / c
            precondition(perChannel > 1, "BatchNorm2d: training needs more than one value per channel, got input \(input.shape)")
            let (y, mean, variance) = Tensor.batchNorm2d(input, weight: weight, bias: bias, eps: eps, low: low, high: high)
            updateRunning(mean: mean, biasedVariance: variance, count: perChannel)
            return y
        }
        let invStd = Tensor(shape: [c], scalars: runningVar.scalars.map { 1 / ($0 + eps).squareRoot() })
        let scale = weight * invStd                                  // [C]
        let shift = bias - runningMean * scale                       // [C]
        return Tensor.channelAffine(input, scale: scale, shift: shift, low: low, high: high)
    }

    private func updateRunning(mean: [Float], biasedVariance: [Float], count: Int) {
        let m = momentum, unbias = Float(count) / Float(count - 1)
        runningMean.withUnsafeMutableBufferPointer { rm in
            for i in rm.indices { rm[i] = (1 - m) * rm[i] + m * mean[i] }
        }
        runningVar.withUnsafeMutableBufferPointer { rv in
            for i in rv.indices { rv[i] = (1 - m) * rv[i] + m * biasedVariance[i] * unbias }
        }
        numBatchesTracked += 1
    }
}
