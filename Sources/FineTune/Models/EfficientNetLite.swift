// EfficientNet-Lite0 (Tan & Le, 2019; the Lite variant: ReLU6, no squeeze-excite, fixed stem and
// head), named as lukemelas/EfficientNet-PyTorch so its ImageNet checkpoint loads by name.
// TensorFlow "same" padding, BatchNorm ε = 1e-3; each convolution and its batch norm run as one
// call (folded in evaluation). Left out: drop-connect, other widths (Lite1–4).

import Tensors

/// One stage of the network: `repeats` blocks of kernel `kernel`, the first with `stride`.
public struct MBConvStage: Sendable, Hashable {
    /// Blocks in the stage.
    public var repeats: Int
    /// Depthwise kernel size.
    public var kernel: Int
    /// Stride of the stage's first block.
    public var stride: Int
    /// Expansion ratio of the inverted bottleneck.
    public var expansion: Int
    /// Output channels.
    public var outChannels: Int
}

/// A mobile inverted bottleneck block: 1×1 expansion, depthwise convolution, 1×1 projection,
/// each followed by batch norm (ReLU6 after the first two), and the input added back when the
/// stride is 1 and the channels match.
public final class MBConvBlock: Module {
    /// 1×1 expansion (absent when the expansion ratio is 1).
    public let expandConv: Conv2d?
    /// Batch norm after the expansion.
    public let bn0: BatchNorm2d?
    /// Depthwise convolution.
    public let depthwiseConv: Conv2d
    /// Batch norm after the depthwise convolution.
    public let bn1: BatchNorm2d
    /// 1×1 projection.
    public let projectConv: Conv2d
    /// Batch norm after the projection.
    public let bn2: BatchNorm2d
    /// Whether the input is added to the output.
    public let residual: Bool
    /// Whether the module is in training mode.
    public var isTraining = true

    /// A block from `inChannels` to `outChannels`.
    public init<G: RandomNumberGenerator>(inChannels: Int, outChannels: Int, kernel: Int, stride: Int, expansion: Int,
                                          eps: Float = 1e-3, momentum: Float = 0.01, generator: inout G) {
        let mid = inChannels * expansion
        if expansion != 1 {
            expandConv = Conv2d(inChannels, mid, kernelSize: 1, bias: false, generator: &generator)
            bn0 = BatchNorm2d(channels: mid, eps: eps, momentum: momentum)
        } else {
            expandConv = nil
            bn0 = nil
        }
        depthwiseConv = Conv2d(mid, mid, kernelSize: kernel, stride: stride, groups: mid, bias: false, generator: &generator)
        depthwiseConv.tfSamePadding = true
        bn1 = BatchNorm2d(channels: mid, eps: eps, momentum: momentum)
        projectConv = Conv2d(mid, outChannels, kernelSize: 1, bias: false, generator: &generator)
        bn2 = BatchNorm2d(channels: outChannels, eps: eps, momentum: momentum)
        residual = stride == 1 && inChannels == outChannels
    }

    /// No own parameters.
    public var localParameters: [(name: String, tensor: Tensor)] { [] }
    /// The layers under lukemelas/EfficientNet-PyTorch's names.
    public var children: [(name: String, module: any Module)] {
        var out: [(name: String, module: any Module)] = []
        if let expandConv, let bn0 { out += [("_expand_conv", expandConv), ("_bn0", bn0)] }
        out += [("_depthwise_conv", depthwiseConv), ("_bn1", bn1), ("_project_conv", projectConv), ("_bn2", bn2)]
        return out
    }

    /// x [N, C, H, W] → [N, O, H/stride, W/stride].
    public func callAsFunction(_ input: Tensor) -> Tensor {
        var x = input
        if let expandConv, let bn0 { x = expandConv(x, normalisedBy: bn0, clampedTo: 0...6) }
        x = depthwiseConv(x, normalisedBy: bn1, clampedTo: 0...6)
        x = projectConv(x, normalisedBy: bn2)
        return residual ? x + input : x
    }
}

/// EfficientNet-Lite: stem, mobile inverted bottleneck stages, 1×1 head, global average pool,
/// dropout and a linear classifier.
public final class EfficientNetLite: Backbone {
    /// EfficientNet-Lite0's stages (repeats, kernel, stride, expansion, output channels).
    public static let lite0Stages: [MBConvStage] = [
        .init(repeats: 1, kernel: 3, stride: 1, expansion: 1, outChannels: 16),
        .init(repeats: 2, kernel: 3, stride: 2, expansion: 6, outChannels: 24),
        .init(repeats: 2, kernel: 5, stride: 2, expansion: 6, outChannels: 40),
        .init(repeats: 3, kernel: 3, stride: 2, expansion: 6, outChannels: 80),
        .init(repeats: 3, kernel: 5, stride: 1, expansion: 6, outChannels: 112),
        .init(repeats: 4, kernel: 5, stride: 2, expansion: 6, outChannels: 192),
        .init(repeats: 1, kernel: 3, stride: 1, expansion: 6, outChannels: 320),
    ]

    /// 3×3 stride-2 stem convolution, 3 → 32 channels.
    public let convStem: Conv2d
    /// Batch norm after the stem.
    public let bn0: BatchNorm2d
    /// The MBConv blocks, named `0` … `15` (child `_blocks`).
    public let mbconvBlocks: Sequential
    /// 1×1 head convolution to 1280 channels.
    public let convHead: Conv2d
    /// Batch norm after the head.
    public let bn1: BatchNorm2d
    /// Dropout before the classifier.
    public let dropout: Dropout
    /// The classifier, 1280 → classes.
    public let fc: Linear
    /// Whether the module is in training mode.
    public var isTraining = true
    /// The stages the blocks were built from.
    public let stages: [MBConvStage]

    /// A network with freshly initialised weights; load ImageNet weights with `loadWeights`.
    public init<G: RandomNumberGenerator>(classes: Int = 1000, stages: [MBConvStage] = EfficientNetLite.lite0Stages,
                                          dropout: Float = 0.2, generator: inout G) {
        self.stages = stages
        convStem = Conv2d(3, 32, kernelSize: 3, stride: 2, bias: false, generator: &generator)
        convStem.tfSamePadding = true
        bn0 = BatchNorm2d(channels: 32, eps: 1e-3, momentum: 0.01)
        var layers: [any Module] = []
        var channels = 32
        for stage in stages {
            for r in 0..<stage.repeats {
                layers.append(MBConvBlock(inChannels: channels, outChannels: stage.outChannels, kernel: stage.kernel,
                                          stride: r == 0 ? stage.stride : 1, expansion: stage.expansion, generator: &generator))
                channels = stage.outChannels
            }
        }
        mbconvBlocks = Sequential(layers)
        convHead = Conv2d(channels, 1280, kernelSize: 1, bias: false, generator: &generator)
        bn1 = BatchNorm2d(channels: 1280, eps: 1e-3, momentum: 0.01)
        self.dropout = Dropout(probability: dropout)
        fc = Linear(inFeatures: 1280, outFeatures: classes, generator: &generator)
    }

    /// No own parameters.
    public var localParameters: [(name: String, tensor: Tensor)] { [] }
    /// The layers under lukemelas/EfficientNet-PyTorch's names.
    public var children: [(name: String, module: any Module)] {
        [("_conv_stem", convStem), ("_bn0", bn0), ("_blocks", mbconvBlocks), ("_conv_head", convHead), ("_bn1", bn1),
         ("_dropout", dropout), ("_fc", fc)]
    }

    /// 1280.
    public var featureCount: Int { fc.inFeatures }
    /// [3, 224, 224], the ImageNet resolution of Lite0 (other sizes work: the network is fully
    /// convolutional up to the pooling).
    public var inputShape: [Int] { [3, 224, 224] }
    /// `fc` (dropout comes before it in `callAsFunction`).
    public var head: Linear { fc }
    /// The stem (`convStem`, `bn0`), the 16 MBConv blocks, then the head convolution
    /// (`convHead`, `bn1`): 18 groups.
    public var blocks: [any Module] {
        [Sequential([convStem, bn0])] + mbconvBlocks.layers + [Sequential([convHead, bn1])]
    }

    /// Pooled features: x [N, 3, H, W] → [N, 1280].
    public func features(_ input: Tensor) -> Tensor {
        let x = mbconvBlocks(convStem(input, normalisedBy: bn0, clampedTo: 0...6))
        return Tensor.globalAvgPool2d(convHead(x, normalisedBy: bn1, clampedTo: 0...6))
    }

    /// Logits: x [N, 3, H, W] → [N, classes].
    public func callAsFunction(_ input: Tensor) -> Tensor { fc(dropout(features(input))) }

    /// Indices of the last block of each stage in `mbconvBlocks`.
    private var stageEnds: [Int] {
        var total = 0
        return stages.map { total += $0.repeats; return total - 1 }
    }

    /// The output channels of the seven stages (16, 24, 40, 80, 112, 192, 320 for Lite0), then
    /// the head convolution's 1280: tap 8 is the map that `features` averages.
    public var tapChannels: [Int] {
        stages.map(\.outChannels) + [convHead.outChannels]
    }

    /// The stem and the blocks through the tap's stage (all 18 groups for tap 8).
    public func blocksUsed(throughTap tap: Int) -> Int { tap > stages.count ? blocks.count : 2 + stageEnds[tap - 1] }

    /// Stage outputs 1 … `last` (and the head convolution's map when `last` is 8).
    public func tapMaps(_ input: Tensor, through last: Int) -> [Tensor] {
        precondition(last >= 1 && last <= tapChannels.count, "EfficientNetLite: taps are 1…\(tapChannels.count), got \(last)")
        let ends = stageEnds
        var maps: [Tensor] = []
        var x = convStem(input, normalisedBy: bn0, clampedTo: 0...6)
        for (i, block) in mbconvBlocks.layers.enumerated() {
            x = block(x)
            if ends.contains(i) {
                maps.append(x)
                if maps.count == last { return maps }
            }
        }
        maps.append(convHead(x, normalisedBy: bn1, clampedTo: 0...6))
        return maps
    }
}
