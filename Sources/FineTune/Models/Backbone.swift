// What an image-classification network of the zoo exposes to fine-tuning: a feature extractor
// (the backbone, ending in a pooled vector), a linear head on top, and the backbone's parameter
// groups in input order for gradual unfreezing and per-block learning rates.
// Taps expose the feature maps at the ends of the stages, for probes on intermediate layers.
// Left out: detection / segmentation heads.

import Tensors

/// An image classifier split into a backbone that yields one feature vector per image and a
/// linear head: `model(x) == head(features(x))` (up to head dropout in training mode).
///
/// Gradual unfreezing (Howard & Ruder, 2018) trains `head` first, then `blocks.suffix(k)`
/// for growing k; `blocks` holds every backbone parameter exactly once.
public protocol Backbone: Module {
    /// Length F of the feature vector `features(_:)` returns.
    var featureCount: Int { get }
    /// Channels, height and width of the input the network is built for, e.g. `[1, 28, 28]`.
    var inputShape: [Int] { get }
    /// The backbone's output: x [N, C, H, W] → [N, F] (pooled or flattened, no classifier).
    func features(_ x: Tensor) -> Tensor
    /// The classifier, F → classes.
    var head: Linear { get }
    /// The backbone's parameter groups, input side first (stem, stages or blocks, final layers).
    /// Together they hold every parameter of the network except the head's, each once. They
    /// group parameters for freezing and learning rates; run the network through
    /// `features(_:)` or `callAsFunction(_:)`, not by chaining these.
    var blocks: [any Module] { get }
    /// Channels of the feature maps at the backbone's tap points (the ends of its stages), input
    /// side first; tap t (1-based) has `tapChannels[t - 1]` channels. Empty when the backbone
    /// offers no taps.
    var tapChannels: [Int] { get }
    /// The feature maps [N, C_t, H_t, W_t] at taps 1 … `last`, input side first, in one pass.
    func tapMaps(_ input: Tensor, through last: Int) -> [Tensor]
    /// How many of `blocks`, from the input side, compute tap `tap` (the rest do not run for it).
    func blocksUsed(throughTap tap: Int) -> Int
}

extension Backbone {
    /// No taps unless the backbone names them.
    public var tapChannels: [Int] { [] }
    /// No taps unless the backbone names them.
    public func tapMaps(_ input: Tensor, through last: Int) -> [Tensor] {
        preconditionFailure("\(type(of: self)) has no feature taps")
    }
    /// Every block, unless the backbone says otherwise.
    public func blocksUsed(throughTap tap: Int) -> Int { blocks.count }

    /// Parameters of the head.
    public var headParameters: [Tensor] { head.parameters }

    /// Parameters of the last `k` blocks (all blocks when `k` ≥ `blocks.count`), input order.
    public func parameters(ofLastBlocks k: Int) -> [Tensor] {
        precondition(k >= 0, "Backbone.parameters(ofLastBlocks:): k must be ≥ 0, got \(k)")
        return blocks.suffix(k).flatMap { $0.parameters }
    }
}
