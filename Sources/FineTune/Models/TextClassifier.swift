// A BERT encoder with a linear head, trained on cached features: the frozen bottom layers run once
// per data set (`frozenFeatures`), each step runs only the trained top layers and the head, with
// batches padded to their longest example. Leaves out token-level tasks.
import Foundation
import Tensors

/// Output of the frozen part for each example: pooled [H] when no layer trains, else the token
/// states [length, H] after the last frozen layer.
public struct TextFeatures {
    public var values: [[Float]]
    public var lengths: [Int]
    public var count: Int { values.count }
}

/// Encoder + dropout + linear head, parameters named `encoder.…` and `head.…`.
public final class TextClassifier: Module {
    public let encoder: BertEncoder
    public let head: Linear
    /// Encoder layers trained, from the top.
    public let trainedLayers: Int
    public let pooling: TextPooling
    /// Dropout on the pooled vector (and, at the same rate, inside the trained layers).
    public let dropout: Dropout
    public var isTraining = true

    public init(encoder: BertEncoder, classes: Int, trainedLayers: Int, pooling: TextPooling, dropout: Float, seed: UInt64) {
        var g = SplitMix64(seed: seed)
        self.encoder = encoder
        head = Linear(inFeatures: encoder.config.hiddenSize, outFeatures: classes, generator: &g)
        self.trainedLayers = trainedLayers
        self.pooling = pooling
        self.dropout = Dropout(probability: dropout, seed: g.next())
        let firstTrained = encoder.layers.count - trainedLayers
        for (name, t) in encoder.namedParameters() {
            t.requiresGrad = encoder.layers.indices.contains { i in i >= firstTrained && name.hasPrefix("encoder.layer.\(i).") }
        }
        for (i, layer) in encoder.layers.enumerated() { layer.dropout = Dropout(probability: i >= firstTrained ? dropout : 0) }
    }

    public var localParameters: [(name: String, tensor: Tensor)] { [] }
    public var children: [(name: String, module: any Module)] { [("encoder", encoder), ("head", head)] }

    /// Token ids as floats [B, T] (padding is id 0) → logits [B, classes]. Training and
    /// evaluation go through cached features instead.
    public func callAsFunction(_ input: Tensor) -> Tensor {
        let t = input.shape[1], flat = input.scalars.map { Int($0) }
        let ids = stride(from: 0, to: flat.count, by: t).map { Array(flat[$0..<$0 + t]) }
        return head(encoder.pooled(ids: ids, attentionMask: ids.map { $0.map { $0 == 0 ? 0 : 1 } }, pooling: pooling))
    }

    /// The parameters that train: the top layers and the head.
    public func trainableParameters() -> [(name: String, tensor: Tensor)] {
        namedParameters().filter { $0.tensor.requiresGrad }
    }

    /// Loads trained parameters saved from `trainableParameters()`; each must be present.
    public func loadTrainable(_ weights: [String: [Float]]) throws(FineTuneError) {
        for (name, tensor) in trainableParameters() {
            guard let v = weights[name], v.count == tensor.count else {
                throw FineTuneError(.invalidSafeTensors, "the checkpoint lacks \"\(name)\" (\(tensor.count) values) or holds another size")
            }
            tensor.assign(v)
        }
    }

    /// Runs embeddings and the frozen layers on every example once (no gradient), in batches of
    /// similar length.
    public func frozenFeatures(_ ids: [[Int]], batchSize: Int = 32) -> TextFeatures {
        let frozen = encoder.layers.count - trainedLayers
        let h = encoder.config.hiddenSize
        var values = [[Float]](repeating: [], count: ids.count)
        let order = ids.indices.sorted { ids[$0].count < ids[$1].count }
        Autograd.withoutGrad {
            var start = 0
            while start < order.count {
                let rows = Array(order[start..<min(start + batchSize, order.count)])
                start += rows.count
                let (padded, mask) = Self.pad(rows.map { ids[$0] })
                var states = encoder.run(layers: 0..<frozen, on: encoder.embed(ids: padded, attentionMask: mask), attentionMask: mask)
                if trainedLayers == 0 { states = BertEncoder.pool(states, attentionMask: mask, pooling: pooling) }
                let flat = states.scalars, t = padded[0].count
                for (j, row) in rows.enumerated() {
                    if trainedLayers == 0 {
                        values[row] = Array(flat[(j * h)..<((j + 1) * h)])
                    } else {
                        let len = ids[row].count
                        values[row] = Array(flat[(j * t * h)..<((j * t + len) * h)])
                    }
                }
            }
        }
        return TextFeatures(values: values, lengths: ids.map(\.count))
    }

    /// Logits [B, classes] for the examples `rows` of `features`.
    func logits(_ features: TextFeatures, rows: [Int]) -> Tensor {
        let h = encoder.config.hiddenSize
        var pooled: Tensor
        if trainedLayers == 0 {
            pooled = Tensor(shape: [rows.count, h], scalars: rows.flatMap { features.values[$0] })
        } else {
            let t = rows.map { features.lengths[$0] }.max()!
            var scalars = [Float](repeating: 0, count: rows.count * t * h)
            var mask: [[Int]] = []
            for (j, row) in rows.enumerated() {
                let len = features.lengths[row]
                scalars.replaceSubrange((j * t * h)..<((j * t + len) * h), with: features.values[row])
                mask.append([Int](repeating: 1, count: len) + [Int](repeating: 0, count: t - len))
            }
            let states = encoder.run(layers: (encoder.layers.count - trainedLayers)..<encoder.layers.count,
                                     on: Tensor(shape: [rows.count, t, h], scalars: scalars), attentionMask: mask)
            pooled = BertEncoder.pool(states, attentionMask: mask, pooling: pooling)
        }
        if isTraining { pooled = dropout(pooled) }
        return head(pooled)
    }

    /// One shuffled pass; returns the mean training loss.
    func trainEpoch(_ features: TextFeatures, labels: [Int], optimizer: inout Optimizer, batchSize: Int,
                    labelSmoothing: Float, seed: UInt64) -> Double {
        train()
        var g = SplitMix64(seed: seed)
        dropout.generator = SplitMix64(seed: g.next())
        for layer in encoder.layers { layer.dropout.generator = SplitMix64(seed: g.next()) }
        var order = Array(0..<features.count)
        g.shuffle(&order)
        let params = trainableParameters()
        var total = 0.0, start = 0
        while start < order.count {
            let rows = Array(order[start..<min(start + batchSize, order.count)])
            start += rows.count
            for (_, t) in params { t.zeroGrad() }
            let loss = Tensor.crossEntropy(logits: logits(features, rows: rows), labels: rows.map { labels[$0] },
                                           labelSmoothing: labelSmoothing)
            loss.backward()
            optimizer.step(params)
            total += Double(loss.item) * Double(rows.count)
        }
        return total / Double(max(1, features.count))
    }

    /// Mean cross-entropy and softmax probabilities [count × classes], in evaluation mode.
    func evaluate(_ features: TextFeatures, labels: [Int], batchSize: Int = 64) -> (loss: Double, probabilities: [Float]) {
        eval()
        defer { train() }
        return Autograd.withoutGrad {
            var probabilities: [Float] = [], total = 0.0, start = 0
            while start < features.count {
                let rows = Array(start..<min(start + batchSize, features.count))
                start += rows.count
                let z = logits(features, rows: rows)
                total += Double(Tensor.crossEntropy(logits: z, labels: rows.map { labels[$0] }).item) * Double(rows.count)
                probabilities += z.softmax(axis: -1).scalars
            }
            return (total / Double(max(1, features.count)), probabilities)
        }
    }

    /// Pads id rows to the longest with 0 ([PAD]) and returns the attention mask.
    static func pad(_ rows: [[Int]]) -> ([[Int]], [[Int]]) {
        let t = rows.map(\.count).max() ?? 0
        return (rows.map { $0 + [Int](repeating: 0, count: t - $0.count) },
                rows.map { [Int](repeating: 1, count: $0.count) + [Int](repeating: 0, count: t - $0.count) })
    }
}
