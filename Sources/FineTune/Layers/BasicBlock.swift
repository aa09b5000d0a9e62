// The residual block of ResNet-18/34 (He et al., 2016): two 3×3 convolutions with batch norm and
// ReLU, the input added back through the identity or a 1×1 projection (convolution + batch norm)
// when the stride or the width changes. Named as torchvision's BasicBlock. Each convolution and
// its batch norm run as one call (folded in evaluation). Left out: Bottleneck.

import Tensors

/// conv3×3(stride) → BN → ReLU → conv3×3 → BN, plus the shortcut, then ReLU.
public final class BasicBlock: Module {
    /// First 3×3 convolution (carries the stride), no bias.
    public let conv1: Conv2d
    /// Batch norm after `conv1`.
    public let bn1: BatchNorm2d
    /// Second 3×3 convolution, no bias.
    public let conv2: Conv2d
    /// Batch norm after `conv2`.
    public let bn2: BatchNorm2d
    /// The projection shortcut (1×1 convolution with the stride, then batch norm), or nil for
    /// the identity.
    public let downsample: Sequential?
    /// Whether the module is in training mode.
    public var isTraining = true

    /// A block from `inChannels` to `outChannels`; a projection shortcut is made when the
    /// stride is not 1 or the widths differ. Convolution weights are drawn as torchvision's
    /// ResNet does: Kaiming normal, fan-out, ReLU gain (std √(2 / (O·KH·KW))).
    public init<G: RandomNumberGenerator>(inChannels: Int, outChannels: Int, stride: Int = 1, generator: inout G) {
        precondition(inChannels > 0 && outChannels > 0 && stride > 0,
                     "BasicBlock: channels \(inChannels) → \(outChannels) and stride \(stride) must be positive")
        conv1 = Conv2d(inChannels, outChannels, kernelSize: 3, stride: stride, padding: 1, bias: false, generator: &generator)
        bn1 = BatchNorm2d(channels: outChannels)
        conv2 = Conv2d(outChannels, outChannels, kernelSize: 3, padding: 1, bias: false, generator: &generator)
        bn2 = BatchNorm2d(channels: outChannels)
        if stride != 1 || inChannels != outChannels {
            let proj = Conv2d(inChannels, outChannels, kernelSize: 1, stride: stride, bias: false, generator: &generator)
            proj.initialiseKaimingFanOut(generator: &generator)
            downsample = Sequential([proj, BatchNorm2d(channels: outChannels)])
        } else {
            downsample = nil
        }
        conv1.initialiseKaimingFanOut(generator: &generator)
        conv2.initialiseKaimingFanOut(generator: &generator)
    }

    /// No own parameters.
    public var localParameters: [(name: String, tensor: Tensor)] { [] }
    /// `conv1`, `bn1`, `conv2`, `bn2`, then `downsample` (`0` convolution, `1` batch norm) if any.
    public var children: [(name: String, module: any Module)] {
        var out: [(name: String, module: any Module)] = [("conv1", conv1), ("bn1", bn1), ("conv2", conv2), ("bn2", bn2)]
        if let downsample { out.append(("downsample", downsample)) }
        return out
    }

    /// x [N, C, H, W] → [N, O, ⌈H/stride⌉, ⌈W/stride⌉]. Each convolution and its batch norm
    /// (and ReLU) go through `Conv2d.callAsFunction(_:normalisedBy:clampedTo:)`: one op in
    /// evaluation without gradients. The sum and the last ReLU are one op too.
    public func callAsFunction(_ input: Tensor) -> Tensor {
        let y = conv2(conv1(input, normalisedBy: bn1, clampedTo: 0...Float.infinity), normalisedBy: bn2)
        return Tensor.clampedSum(y, shortcut(input), low: 0)
    }

    /// The identity, or the projection (its convolution and batch norm as one call when it is
    /// the pair `init` builds).
    private func shortcut(_ input: Tensor) -> Tensor {
        guard let downsample else { return input }
        if downsample.layers.count == 2, let conv = downsample.layers[0] as? Conv2d, let bn = downsample.layers[1] as? BatchNorm2d {
            return conv(input, normalisedBy: bn)
        }
        return downsample(input)
    }
}

extension Conv2d {
    /// Redraws the weight from N(0, 2 / (O/G·KH·KW)) (torch.nn.init.kaiming_normal_ with
    /// mode "fan_out" and the ReLU gain, as torchvision's ResNet) and zeroes the bias.
    public func initialiseKaimingFanOut<G: RandomNumberGenerator>(generator: inout G) {
        let fanOut = outChannels / groups * weight.shape[2] * weight.shape[3]
        let fresh = Tensor.normal(weight.shape, std: (2 / Float(fanOut)).squareRoot(), using: &generator)
        weight.assign(fresh.scalars)
        bias?.assign([Float](repeating: 0, count: outChannels))
    }
}
