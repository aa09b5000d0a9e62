// A small ResNet for 28×28 grey or small RGB images, trainable from scratch in minutes on a CPU:
// a 3×3 stem, three stages of BasicBlocks (widths 16, 32, 64; stride 2 into stages 2 and 3, as
// He et al.'s CIFAR ResNets), global average pooling and a linear head. Left out: a max-pool stem.

import Tensors

/// stem conv3×3 (16) → BN → ReLU → stage 16 → stage 32 (/2) → stage 64 (/2) → global average
/// pool → linear. With one block per stage it is a ResNet-8, with three the CIFAR ResNet-20.
public final class SmallResNet: Backbone {
    /// Stem 3×3 convolution, C → 16, no bias.
    public let conv1: Conv2d
    /// Batch norm after the stem.
    public let bn1: BatchNorm2d
    /// The three stages, each a Sequential of BasicBlocks.
    public let layer1: Sequential, layer2: Sequential, layer3: Sequential
    /// Classifier, 64 → classes.
    public let fc: Linear
    /// Channels, height and width of the input.
    public let inputShape: [Int]
    /// Whether the module is in training mode.
    public var isTraining = true

    /// Stage widths.
    public static let widths = [16, 32, 64]

    /// A network for `channels`×`height`×`width` inputs with `blocksPerStage` BasicBlocks per stage.
    public init<G: RandomNumberGenerator>(channels: Int = 1, height: Int = 28, width: Int = 28, classes: Int = 10,
                                          blocksPerStage: Int = 1, generator: inout G) {
        precondition(channels > 0 && height >= 4 && width >= 4 && classes > 0 && blocksPerStage > 0,
                     "SmallResNet: input \(channels)×\(height)×\(width), \(classes) classes and \(blocksPerStage) blocks per stage must be positive (input at least 4×4)")
        let w = SmallResNet.widths
        conv1 = Conv2d(channels, w[0], kernelSize: 3, padding: 1, bias: false, generator: &generator)
        conv1.initialiseKaimingFanOut(generator: &generator)
        bn1 = BatchNorm2d(channels: w[0])
        var stages: [Sequential] = []
        var inC = w[0]
        for (s, outC) in w.enumerated() {
            var blocks: [any Module] = []
            for b in 0..<blocksPerStage {
                blocks.append(BasicBlock(inChannels: inC, outChannels: outC, stride: s > 0 && b == 0 ? 2 : 1, generator: &generator))
                inC = outC
            }
            stages.append(Sequential(blocks))
        }
        (layer1, layer2, layer3) = (stages[0], stages[1], stages[2])
        fc = Linear(inFeatures: w[2], outFeatures: classes, generator: &generator)
        inputShape = [channels, height, width]
    }

    /// No own parameters.
    public var localParameters: [(name: String, tensor: Tensor)] { [] }
    /// torchvision's names: `conv1`, `bn1`, `layer1` … `layer3`, `fc`.
    public var children: [(name: String, module: any Module)] {
        [("conv1", conv1), ("bn1", bn1), ("layer1", layer1), ("layer2", layer2), ("layer3", layer3), ("fc", fc)]
    }

    /// 64.
    public var featureCount: Int { fc.inFeatures }
    /// `fc`.
    public var head: Linear { fc }
    /// The stem (`conv1`, `bn1`), then every BasicBlock in order.
    public var blocks: [any Module] {
        [Sequential([conv1, bn1])] + layer1.layers + layer2.layers + layer3.layers
    }

    /// x [N, C, H, W] → pooled features [N, 64].
    public func features(_ input: Tensor) -> Tensor {
        Tensor.globalAvgPool2d(layer3(layer2(layer1(conv1(input, normalisedBy: bn1, clampedTo: 0...Float.infinity)))))
    }

    /// x [N, C, H, W] → logits [N, classes].
    public func callAsFunction(_ input: Tensor) -> Tensor { fc(features(input)) }

    /// The stem and the three stages: 16, 16, 32, 64 channels.
    public var tapChannels: [Int] { [SmallResNet.widths[0]] + SmallResNet.widths }

    /// The stem, then every block of the stages through the tap's.
    public func blocksUsed(throughTap tap: Int) -> Int { 1 + [layer1, layer2, layer3].prefix(tap - 1).reduce(0) { $0 + $1.layers.count } }

    /// The stem's map, then each stage's output through stage `last − 1`.
    public func tapMaps(_ input: Tensor, through last: Int) -> [Tensor] {
        precondition(last >= 1 && last <= 4, "SmallResNet: taps are 1…4, got \(last)")
        var maps = [conv1(input, normalisedBy: bn1, clampedTo: 0...Float.infinity)]
        for stage in [layer1, layer2, layer3].prefix(last - 1) { maps.append(stage(maps.last!)) }
        return maps
    }
}
