// The small CNN of the benchmarks and the from-scratch baseline: conv 3×3 (32) → ReLU → max-pool 2
// → conv 3×3 (64) → ReLU → max-pool 2 → linear, with padding 1 so 28×28 inputs reach 7×7.
// Left out: batch norm and dropout variants.

import Tensors

/// conv(C→32, 3×3, pad 1) → ReLU → max-pool 2 → conv(32→64, 3×3, pad 1) → ReLU → max-pool 2 → linear.
public final class SmallCNN: Backbone {
    /// First convolution.
    public let conv1: Conv2d
    /// Second convolution.
    public let conv2: Conv2d
    /// Classifier over the flattened 64 × H/4 × W/4 features.
    public let fc: Linear
    private let pool = Pool2d(.max, kernelSize: 2)
    /// Channels, height and width of the input.
    public let inputShape: [Int]
    /// Whether the module is in training mode (no effect).
    public var isTraining = true

    /// A network for `channels`×`height`×`width` inputs (height and width divisible by 4).
    public init<G: RandomNumberGenerator>(channels: Int = 1, height: Int = 28, width: Int = 28, classes: Int = 10, generator: inout G) {
        precondition(height % 4 == 0 && width % 4 == 0, "SmallCNN: input \(height)×\(width) must be divisible by 4")
        conv1 = Conv2d(channels, 32, kernelSize: 3, padding: 1, generator: &generator)
        conv2 = Conv2d(32, 64, kernelSize: 3, padding: 1, generator: &generator)
        fc = Linear(inFeatures: 64 * (height / 4) * (width / 4), outFeatures: classes, generator: &generator)
        inputShape = [channels, height, width]
    }

    /// 64 · H/4 · W/4 (the flattened output of the second pooling).
    public var featureCount: Int { fc.inFeatures }
    /// `fc`.
    public var head: Linear { fc }
    /// `conv1`, `conv2`.
    public var blocks: [any Module] { [conv1, conv2] }

    /// x [N, C, H, W] → flattened features [N, 64 · H/4 · W/4].
    /// Pools before the ReLU: max-pool and ReLU commute (both monotone; values and gradients
    /// are identical, ties included), and the ReLU then runs on a quarter of the elements.
    public func features(_ input: Tensor) -> Tensor {
        pool(conv2(pool(conv1(input)).relu())).relu().reshape([input.shape[0], -1])
    }

    /// No own parameters.
    public var localParameters: [(name: String, tensor: Tensor)] { [] }
    /// `conv1`, `conv2`, `fc`.
    public var children: [(name: String, module: any Module)] { [("conv1", conv1), ("conv2", conv2), ("fc", fc)] }

    /// x [N, C, H, W] → logits [N, classes].
    public func callAsFunction(_ input: Tensor) -> Tensor { fc(features(input)) }

    /// Both stages after their ReLU and max-pool: 32 and 64 channels.
    public var tapChannels: [Int] { [conv1.outChannels, conv2.outChannels] }

    /// conv1 for tap 1, both convolutions for tap 2.
    public func blocksUsed(throughTap tap: Int) -> Int { tap }

    /// The pooled maps of conv1 and (when `last` is 2) conv2.
    public func tapMaps(_ input: Tensor, through last: Int) -> [Tensor] {
        precondition(last == 1 || last == 2, "SmallCNN: taps are 1…2, got \(last)")
        let first = pool(conv1(input)).relu()
        return last == 1 ? [first] : [first, pool(conv2(first)).relu()]
    }
}
