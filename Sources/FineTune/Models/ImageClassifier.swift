// A backbone's features, dropout and a new linear head: the model every image trial trains.
// Parameters are named `backbone.<the backbone's own names>` and `head.weight` / `head.bias`; the
// backbone's original classifier is left out (it neither runs nor counts). With feature taps the
// head reads standardised pooled maps of intermediate layers instead of the backbone's features. Freezing works per
// backbone block (`Backbone.blocks`, input side first). Leaves out multi-head and detection models.
import Foundation
import Tensors

/// Where a probe reads a backbone: the feature maps at taps `first … last` (`Backbone.tapMaps`),
/// each average-pooled to a `grid` × `grid` map and flattened, side by side. Intermediate layers
/// carry more of what a task far from the source needs than the last one does, and the grid keeps
/// where in the image a feature fired (Evci et al., 2022, "Head2Toe"; the pooled multi-layer
/// features of linear-probe evaluations).
public struct FeatureTaps: Sendable, Hashable, Codable {
    /// First and last tap, 1-based, input side first.
    public var first: Int, last: Int
    /// Side of the pooled map of each tap (1 = global average).
    public var grid: Int

    public init(first: Int, last: Int, grid: Int) { self.first = first; self.last = last; self.grid = grid }

    /// Parses `"3-5"` or `"4"`.
    public init?(range text: String, grid: Int) {
        let ends = text.split(separator: "-", omittingEmptySubsequences: false).map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard (1...2).contains(ends.count), let a = ends.first!, let b = ends.last!, a >= 1, a <= b else { return nil }
        self.init(first: a, last: b, grid: grid)
    }

    /// `"3-5"` (or `"4"`).
    public var rangeText: String { first == last ? "\(first)" : "\(first)-\(last)" }

    /// Length of the feature vector on `backbone`.
    public func featureCount(_ backbone: any Backbone) -> Int {
        backbone.tapChannels[(first - 1)..<last].reduce(0, +) * grid * grid
    }

    /// Checks the taps against what `backbone` offers.
    public func check(_ backbone: any Backbone, name: String) throws(FineTuneError) {
        let n = backbone.tapChannels.count
        guard n > 0 else { throw FineTuneError(.invalidOptions, "backbone \(name) has no feature taps") }
        guard last <= n else {
            throw FineTuneError(.invalidOptions, "feature_taps is \(rangeText); backbone \(name) has taps 1…\(n) (channels \(backbone.tapChannels.map(String.init).joined(separator: ", ")))")
        }
    }
}

/// A backbone without its own classifier, as a module: its parameters and buffers under the
/// backbone's names, its forward map the backbone's features (or, with taps, the pooled maps of
/// its intermediate layers).
public final class BackboneBody: Module {
    /// The wrapped network.
    public let network: any Backbone
    /// Intermediate layers read instead of the backbone's own features; nil = its features.
    public let taps: FeatureTaps?
    /// Whether the module is in training mode.
    public var isTraining = true

    /// Wraps `network`.
    public init(_ network: any Backbone, taps: FeatureTaps? = nil) {
        if let taps {
            precondition(taps.first >= 1 && taps.first <= taps.last && taps.last <= network.tapChannels.count && taps.grid >= 1,
                         "BackboneBody: taps \(taps) do not fit a backbone with \(network.tapChannels.count) taps")
        }
        self.network = network
        self.taps = taps
    }

    /// Length of the feature vector.
    public var featureCount: Int { taps?.featureCount(network) ?? network.featureCount }

    /// The backbone's own parameters.
    public var localParameters: [(name: String, tensor: Tensor)] { network.localParameters }
    /// The backbone's children except its classifier.
    public var children: [(name: String, module: any Module)] {
        network.children.filter { $0.module !== network.head }
    }
    /// Features [N, F].
    public func callAsFunction(_ input: Tensor) -> Tensor {
        guard let taps else { return network.features(input) }
        let n = input.shape[0]
        let parts = network.tapMaps(input, through: taps.last)[(taps.first - 1)...].map {
            Tensor.adaptiveAvgPool2d($0, outputHeight: taps.grid, outputWidth: taps.grid).reshape([n, -1])
        }
        return parts.count == 1 ? parts[0] : Tensor.concat(Array(parts), axis: 1)
    }
}

/// Per-feature standardisation with statistics fitted once on the training features and kept as
/// buffers (`mean`, `scale` = 1 / (standard deviation + 1e-5)), so that one penalty suits
/// features of every layer and scale.
public final class FeatureStandardizer: BufferedModule {
    /// Per-feature mean [F].
    public let mean: Tensor
    /// Per-feature 1 / (sample standard deviation + 1e-5) [F].
    public let scale: Tensor
    /// Whether the module is in training mode.
    public var isTraining = true

    /// The identity on `count` features until `fit` runs.
    public init(count: Int) {
        mean = Tensor(shape: [count], scalars: [Float](repeating: 0, count: count))
        scale = Tensor(shape: [count], scalars: [Float](repeating: 1, count: count))
    }

    /// Sets the statistics from features [N, F].
    public func fit(_ features: Tensor) {
        precondition(features.rank == 2 && features.shape[1] == mean.count, "FeatureStandardizer: features \(features.shape) must be [N, \(mean.count)]")
        let n = features.shape[0], f = features.shape[1], x = features.scalars
        var m = [Double](repeating: 0, count: f), v = [Double](repeating: 0, count: f)
        for r in 0..<n { for c in 0..<f { m[c] += Double(x[r * f + c]) } }
        for c in 0..<f { m[c] /= Double(max(n, 1)) }
        for r in 0..<n { for c in 0..<f { let d = Double(x[r * f + c]) - m[c]; v[c] += d * d } }
        mean.assign(m.map(Float.init))
        scale.assign(v.map { Float(1 / (($0 / Double(max(n - 1, 1))).squareRoot() + 1e-5)) })
    }

    /// No trained parameters.
    public var localParameters: [(name: String, tensor: Tensor)] { [] }
    /// `mean`, `scale`.
    public var localBuffers: [(name: String, tensor: Tensor)] { [("mean", mean), ("scale", scale)] }
    /// No sub-modules.
    public var children: [(name: String, module: any Module)] { [] }
    /// (x − mean) · scale on [N, F].
    public func callAsFunction(_ input: Tensor) -> Tensor { (input - mean) * scale }
}

/// Backbone features → dropout → linear head.
public final class ImageClassifier: Module {
    /// The feature extractor.
    public let body: BackboneBody
    /// Standardises tap features (present only with taps).
    public let standardizer: FeatureStandardizer?
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
    /// With `taps`, the head reads the standardised pooled maps of those intermediate layers.
    public init(backbone: any Backbone, classes: Int, dropout: Float, seed: UInt64, taps: FeatureTaps? = nil) {
        var g = SplitMix64(seed: seed)
        body = BackboneBody(backbone, taps: taps)
        standardizer = taps == nil ? nil : FeatureStandardizer(count: body.featureCount)
        head = Linear(inFeatures: body.featureCount, outFeatures: classes, generator: &g)
        self.dropout = Dropout(probability: dropout, seed: g.next())
        setTrainedBlocks(backbone.blocks.count)
    }

    /// The backbone.
    public var backbone: any Backbone { body.network }
    /// Number of backbone blocks that run: all of them, or with taps those through the last tap
    /// (the input-side ones). Only these train, counted from the output side.
    public var blockCount: Int { body.taps.map { backbone.blocksUsed(throughTap: $0.last) } ?? backbone.blocks.count }

    /// No own parameters.
    public var localParameters: [(name: String, tensor: Tensor)] { [] }
    /// `backbone`, `head` (dropout has no parameters).
    public var children: [(name: String, module: any Module)] {
        [("backbone", body)] + (standardizer.map { [("standardizer", $0 as any Module)] } ?? []) + [("dropout", dropout), ("head", head)]
    }

    /// Logits [N, classes].
    public func callAsFunction(_ input: Tensor) -> Tensor { headLogits(features: body(input)) }

    /// Logits from precomputed backbone features [N, F] (a linear probe's cached features).
    public func headLogits(features: Tensor) -> Tensor { head(dropout(standardizer?(features) ?? features)) }

    /// Lets the last `k` backbone blocks (and always the head) train; the others get no
    /// gradient. Their mode follows in `train()`: frozen blocks run in evaluation mode.
    public func setTrainedBlocks(_ k: Int) {
        precondition(k >= 0, "ImageClassifier: trained blocks must be ≥ 0, got \(k)")
        trainedBlocks = min(k, blockCount)
        let used = blockCount
        for (i, block) in backbone.blocks.enumerated() {
            let on = i < used && i >= used - trainedBlocks
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
        let used = blockCount
        for (i, block) in backbone.blocks.enumerated() where i < used - trainedBlocks || i >= used { block.eval() }
        setBatchNormStatisticsFrozen(freezeBatchNorm)
    }

    /// Parameter names of each backbone block, input side first (for learning-rate groups).
    public func blockParameterNames() -> [[String]] {
        var owner: [ObjectIdentifier: Int] = [:]
        for (i, block) in backbone.blocks.enumerated() {
            for p in block.parameters { owner[ObjectIdentifier(p)] = i }
        }
        var names = [[String]](repeating: [], count: backbone.blocks.count)
        for (name, t) in namedParameters() {
            if let i = owner[ObjectIdentifier(t)] { names[i].append(name) }
        }
        return names
    }

    /// Parameter and buffer values of the network as it runs: blocks past the last tap left out.
    public func runningSize() -> (parameters: Int, bufferValues: Int) {
        let idle = backbone.blocks.dropFirst(blockCount)
        let idleParameters = idle.reduce(0) { $0 + $1.parameterCount }
        let idleBuffers = idle.reduce(0) { $0 + $1.namedBuffers().reduce(0) { $0 + $1.tensor.count } }
        return (parameterCount - idleParameters, namedBuffers().reduce(0) { $0 + $1.tensor.count } - idleBuffers)
    }

    /// Parameters of the head and of the last `k` blocks that run (what trains with `k` thawed).
    public func trainedParameterCount(blocks k: Int) -> Int {
        let used = blockCount
        return head.parameterCount + backbone.blocks[max(0, used - k)..<used].reduce(0) { $0 + $1.parameterCount }
    }

    /// Parameters that currently train.
    public func trainableParameters() -> [(name: String, tensor: Tensor)] {
        namedParameters().filter { $0.tensor.requiresGrad }
    }
}
