// A backbone's features, dropout and a new linear head: the model every image trial trains.
// Parameters are named `backbone.<the backbone's own names>` and `head.weight` / `head.bias`; the
// backbone's original classifier is left out (it neither runs nor counts). Freezing works per
// backbone block (`Backbone.blocks`, input side first). Leaves out multi-head and detection models.
import Tensors

/// A backbone without its own classifier, as a module: its parameters and buffers under the
/// backbone's names, its forward map the backbone's features.
public final class BackboneBody: Module {
    /// The wrapped network.
    public let network: any Backbone
    /// Whether the module is in training mode.
    public var isTraining = true

    /// Wraps `network`.
    public init(_ network: any Backbone) { self.network = network }

    /// The backbone's own parameters.
    public var localParameters: [(name: String, tensor: Tensor)] { network.localParameters }
    /// The backbone's children except its classifier.
    public var children: [(name: String, module: any Module)] {
        network.children.filter { $0.module !== network.head }
    }
    /// Features [N, F].
    public func callAsFunction(_ input: Tensor) -> Tensor { network.features(input) }
}

/// Backbone features → dropout → linear head.
public final class ImageClassifier: Module {
    /// The feature extractor.
    public let body: BackboneBody
    /// Dropout on the features (the head's input).
    public let dropout: Dropout
    /// The classifier, F → classes.
    public let head: Linear
    /// Whether the module is in training mode.
    public var isTraining = true
    /// Backbone blocks that train, counted from the output side (set through `setTrainedBlocks`).
    public private(set) var trainedBlocks = 0
    /// Whether BatchNorm keeps its running statistics in the trained blocks too.
    public var freezeBatchNorm = false

    /// A classifier on `backbone` with a fresh head of `classes` outputs seeded by `seed`.
    public init(backbone: any Backbone, classes: Int, dropout: Float, seed: UInt64) {
        var g = SplitMix64(seed: seed)
        body = BackboneBody(backbone)
        head = Linear(inFeatures: backbone.featureCount, outFeatures: classes, generator: &g)
        self.dropout = Dropout(probability: dropout, seed: g.next())
        setTrainedBlocks(backbone.blocks.count)
    }

    /// The backbone.
    public var backbone: any Backbone { body.network }
    /// Number of backbone blocks.
    public var blockCount: Int { backbone.blocks.count }

    /// No own parameters.
    public var localParameters: [(name: String, tensor: Tensor)] { [] }
    /// `backbone`, `head` (dropout has no parameters).
    public var children: [(name: String, module: any Module)] { [("backbone", body), ("dropout", dropout), ("head", head)] }

    /// Logits [N, classes].
    public func callAsFunction(_ input: Tensor) -> Tensor { head(dropout(body(input))) }

    /// Logits from precomputed features [N, F] (a linear probe's cached features).
    public func headLogits(features: Tensor) -> Tensor { head(dropout(features)) }

    /// Lets the last `k` backbone blocks (and always the head) train; the others get no
    /// gradient. Their mode follows in `train()`: frozen blocks run in evaluation mode.
    public func setTrainedBlocks(_ k: Int) {
        precondition(k >= 0, "ImageClassifier: trained blocks must be ≥ 0, got \(k)")
        trainedBlocks = min(k, blockCount)
        let blocks = backbone.blocks
        for (i, block) in blocks.enumerated() {
            let on = i >= blocks.count - trainedBlocks
            for p in block.parameters {
                p.requiresGrad = on
                if !on { p.clearGrad() }
            }
        }
        for p in head.parameters { p.requiresGrad = true }
    }

    /// Training mode for the head and the trained blocks; frozen blocks stay in evaluation mode
    /// (BatchNorm normalises with, and keeps, its running statistics), and with `freezeBatchNorm`
    /// every BatchNorm keeps its statistics.
    public func trainMode() {
        train()
        let blocks = backbone.blocks
        for block in blocks.prefix(blocks.count - trainedBlocks) { block.eval() }
        setBatchNormStatisticsFrozen(freezeBatchNorm)
    }

    /// Parameter names of each backbone block, input side first (for learning-rate groups).
    public func blockParameterNames() -> [[String]] {
        var owner: [ObjectIdentifier: Int] = [:]
        for (i, block) in backbone.blocks.enumerated() {
            for p in block.parameters { owner[ObjectIdentifier(p)] = i }
        }
        var names = [[String]](repeating: [], count: blockCount)
        for (name, t) in namedParameters() {
            if let i = owner[ObjectIdentifier(t)] { names[i].append(name) }
        }
        return names
    }

    /// Parameters that currently train.
    public func trainableParameters() -> [(name: String, tensor: Tensor)] {
        namedParameters().filter { $0.tensor.requiresGrad }
    }
}
