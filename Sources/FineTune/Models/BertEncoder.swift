// A BERT-family text encoder (Devlin et al. 2019) with Hugging Face's parameter names, so that
// `model.safetensors` files of BertModel checkpoints (e.g. all-MiniLM-L6-v2) load as they are.
// Post-LayerNorm blocks, absolute positions, GELU (erf). Leaves out the masked-LM head, relative
// positions and cross-attention.
import Foundation
import Tensors

/// A BERT `config.json`: the fields the encoder needs.
public struct BertConfig: Codable, Sendable, Equatable {
    public var vocabSize: Int
    public var hiddenSize: Int
    public var numHiddenLayers: Int
    public var numAttentionHeads: Int
    public var intermediateSize: Int
    public var maxPositionEmbeddings: Int
    public var typeVocabSize: Int
    public var layerNormEps: Double
    public var hiddenAct: String

    enum CodingKeys: String, CodingKey {
        case vocabSize = "vocab_size", hiddenSize = "hidden_size", numHiddenLayers = "num_hidden_layers"
        case numAttentionHeads = "num_attention_heads", intermediateSize = "intermediate_size"
        case maxPositionEmbeddings = "max_position_embeddings", typeVocabSize = "type_vocab_size"
        case layerNormEps = "layer_norm_eps", hiddenAct = "hidden_act"
    }

    public init(vocabSize: Int, hiddenSize: Int, numHiddenLayers: Int, numAttentionHeads: Int,
                intermediateSize: Int, maxPositionEmbeddings: Int = 512, typeVocabSize: Int = 2,
                layerNormEps: Double = 1e-12, hiddenAct: String = "gelu") {
        self.vocabSize = vocabSize; self.hiddenSize = hiddenSize; self.numHiddenLayers = numHiddenLayers
        self.numAttentionHeads = numAttentionHeads; self.intermediateSize = intermediateSize
        self.maxPositionEmbeddings = maxPositionEmbeddings; self.typeVocabSize = typeVocabSize
        self.layerNormEps = layerNormEps; self.hiddenAct = hiddenAct
    }

    /// Reads and checks a `config.json`.
    public static func load(contentsOf url: URL) throws(FineTuneError) -> BertConfig {
        let config: BertConfig
        do {
            config = try JSONDecoder().decode(BertConfig.self, from: Data(contentsOf: url))
        } catch {
            throw FineTuneError(.unreadableFile, "\(url.path): not a BERT config.json (\(error))")
        }
        guard config.hiddenSize % config.numAttentionHeads == 0 else {
            throw FineTuneError(.invalidSafeTensors, "\(url.path): hidden_size \(config.hiddenSize) is not a multiple of num_attention_heads \(config.numAttentionHeads)")
        }
        guard config.hiddenAct == "gelu" else {
            throw FineTuneError(.invalidSafeTensors, "\(url.path): hidden_act is \"\(config.hiddenAct)\"; only \"gelu\" (erf) is supported")
        }
        return config
    }
}

/// A lookup table (torch.nn.Embedding): weight [count, dimension].
public final class Embedding: Module {
    /// Weight [count, dimension].
    public let weight: Tensor
    public var isTraining = true

    /// A table initialised from N(0, std²), as BERT initialises its embeddings.
    public init<G: RandomNumberGenerator>(count: Int, dimension: Int, std: Float = 0.02, generator: inout G) {
        weight = Tensor.normal([count, dimension], std: std, using: &generator, requiresGrad: true)
    }

    public var localParameters: [(name: String, tensor: Tensor)] { [("weight", weight)] }
    public var children: [(name: String, module: any Module)] { [] }

    /// ids (shape `shape`) → `shape + [dimension]`.
    public func lookup(_ ids: [Int], shape: [Int]) -> Tensor { weight.gather(rows: ids, indexShape: shape) }

    /// The input holds ids as floats.
    public func callAsFunction(_ input: Tensor) -> Tensor { lookup(input.scalars.map { Int($0) }, shape: input.shape) }
}

/// A module made of named children only (Hugging Face's nesting of `attention.self`, `output` …).
final class Container: Module {
    var isTraining = true
    let children: [(name: String, module: any Module)]
    init(_ children: [(String, any Module)]) { self.children = children.map { (name: $0.0, module: $0.1) } }
    var localParameters: [(name: String, tensor: Tensor)] { [] }
    func callAsFunction(_ input: Tensor) -> Tensor { preconditionFailure("a container has no forward map of its own") }
}

/// One transformer block: self-attention, add & norm, feed-forward (GELU), add & norm.
public final class BertLayer: Module {
    let query, key, value, attentionOutput, intermediate, output: Linear
    let attentionNorm, outputNorm: LayerNorm
    let heads: Int
    /// Dropout on attention output and feed-forward output, active while this layer trains.
    public var dropout = Dropout(probability: 0)
    public var isTraining = true

    init<G: RandomNumberGenerator>(_ config: BertConfig, generator: inout G) {
        let h = config.hiddenSize, eps = Float(config.layerNormEps)
        query = Linear(inFeatures: h, outFeatures: h, generator: &generator)
        key = Linear(inFeatures: h, outFeatures: h, generator: &generator)
        value = Linear(inFeatures: h, outFeatures: h, generator: &generator)
        attentionOutput = Linear(inFeatures: h, outFeatures: h, generator: &generator)
        intermediate = Linear(inFeatures: h, outFeatures: config.intermediateSize, generator: &generator)
        output = Linear(inFeatures: config.intermediateSize, outFeatures: h, generator: &generator)
        attentionNorm = LayerNorm(features: h, eps: eps)
        outputNorm = LayerNorm(features: h, eps: eps)
        heads = config.numAttentionHeads
    }

    public var localParameters: [(name: String, tensor: Tensor)] { [] }
    public var children: [(name: String, module: any Module)] {
        [("attention", Container([
            ("self", Container([("query", query), ("key", key), ("value", value)])),
            ("output", Container([("dense", attentionOutput), ("LayerNorm", attentionNorm)])),
         ])),
         ("intermediate", Container([("dense", intermediate)])),
         ("output", Container([("dense", output), ("LayerNorm", outputNorm)]))]
    }

    /// hidden [B, T, H] with every position attended.
    public func callAsFunction(_ input: Tensor) -> Tensor { forward(input, attentionBias: nil) }

    /// hidden [B, T, H]; attentionBias [B, 1, T] holds 0 for real tokens and a large negative
    /// number for padding (added to every query's scores).
    public func forward(_ x: Tensor, attentionBias: Tensor?) -> Tensor {
        // softmax(Q_h·K_hᵀ/√dh + bias)·V_h per head, heads side by side in [B, T, H]
        let context = Tensor.attention(query: query(x), key: key(x), value: value(x), heads: heads, bias: attentionBias)
        let attended = attentionNorm(applyDropout(attentionOutput(context)) + x)
        let fed = output(intermediate(attended).gelu())
        return outputNorm(applyDropout(fed) + attended)
    }

    func applyDropout(_ y: Tensor) -> Tensor { isTraining ? dropout(y) : y }
}

/// How token vectors become one sentence vector.
public enum TextPooling: String, Codable, Sendable, CaseIterable {
    /// The [CLS] token's final hidden state.
    case cls
    /// The mean over real (non-padding) tokens, as sentence-transformers does.
    case mean
}

/// A BERT encoder with Hugging Face names: `embeddings.*`, `encoder.layer.N.*`, and `pooler.*`
/// (loaded and kept so checkpoints round-trip, unused by mean or CLS pooling).
public final class BertEncoder: Module {
    public let config: BertConfig
    let wordEmbeddings, positionEmbeddings, tokenTypeEmbeddings: Embedding
    let embeddingNorm: LayerNorm
    /// The transformer blocks, bottom first.
    public let layers: [BertLayer]
    let pooler: Linear
    public var isTraining = true

    /// A randomly initialised encoder (weights are normally loaded with `load(weights:)`).
    public init<G: RandomNumberGenerator>(config: BertConfig, generator: inout G) {
        self.config = config
        let h = config.hiddenSize
        wordEmbeddings = Embedding(count: config.vocabSize, dimension: h, generator: &generator)
        positionEmbeddings = Embedding(count: config.maxPositionEmbeddings, dimension: h, generator: &generator)
        tokenTypeEmbeddings = Embedding(count: config.typeVocabSize, dimension: h, generator: &generator)
        embeddingNorm = LayerNorm(features: h, eps: Float(config.layerNormEps))
        layers = (0..<config.numHiddenLayers).map { _ in BertLayer(config, generator: &generator) }
        pooler = Linear(inFeatures: h, outFeatures: h, generator: &generator)
    }

    public var localParameters: [(name: String, tensor: Tensor)] { [] }
    public var children: [(name: String, module: any Module)] {
        [("embeddings", Container([("word_embeddings", wordEmbeddings), ("position_embeddings", positionEmbeddings),
                                   ("token_type_embeddings", tokenTypeEmbeddings), ("LayerNorm", embeddingNorm)])),
         ("encoder", Container([("layer", Container(layers.enumerated().map { (String($0.offset), $0.element as any Module) }))])),
         ("pooler", Container([("dense", pooler)]))]
    }

    /// Loads Hugging Face BertModel weights. Names may carry a `bert.` prefix; buffers such as
    /// `embeddings.position_ids` and heads the encoder lacks are ignored; every encoder parameter
    /// must be present with its shape.
    public func load(weights: [String: TensorData]) throws(FineTuneError) {
        var values: [String: [Float]] = [:]
        let wanted = Dictionary(uniqueKeysWithValues: namedParameters().map { ($0.name, $0.tensor.shape) })
        for (name, data) in weights {
            let key = name.hasPrefix("bert.") ? String(name.dropFirst(5)) : name
            guard let shape = wanted[key] else { continue }
            guard data.shape == shape else {
                throw FineTuneError(.invalidSafeTensors, "weight \(name) has shape \(data.shape); the encoder's config needs \(shape)")
            }
            values[key] = data.floats
        }
        try loadStateDict(values)
    }

    /// Loads a Hugging Face model directory: `config.json` and `model.safetensors`.
    public static func load(directory: URL) throws(FineTuneError) -> BertEncoder {
        let config = try BertConfig.load(contentsOf: directory.appendingPathComponent("config.json"))
        var generator = SplitMix64(seed: 0)
        let encoder = BertEncoder(config: config, generator: &generator)
        try encoder.load(weights: SafeTensors.read(directory.appendingPathComponent("model.safetensors")))
        return encoder
    }

    /// Final hidden states [B, T, H] of a padded batch (`attentionMask` 1 for real tokens).
    public func hiddenStates(ids: [[Int]], attentionMask: [[Int]]) -> Tensor {
        run(layers: 0..<layers.count, on: embed(ids: ids, attentionMask: attentionMask), attentionMask: attentionMask)
    }

    /// Embedding output [B, T, H] (word + position + token type 0, then LayerNorm).
    public func embed(ids: [[Int]], attentionMask: [[Int]]) -> Tensor {
        let b = ids.count, t = ids.first?.count ?? 0
        precondition(b > 0 && t > 0 && t <= config.maxPositionEmbeddings, "BertEncoder: batch of \(b)×\(t) tokens; at most \(config.maxPositionEmbeddings) positions")
        precondition(ids.allSatisfy { $0.count == t } && attentionMask.count == b && attentionMask.allSatisfy { $0.count == t },
                     "BertEncoder: every row of ids and attentionMask must hold \(t) entries")
        let words = wordEmbeddings.lookup(ids.flatMap { $0 }, shape: [b, t])
        let positions = positionEmbeddings.lookup(Array(0..<t), shape: [1, t])
        let types = tokenTypeEmbeddings.lookup([0], shape: [1, 1])
        return embeddingNorm(words + positions + types)
    }

    /// Runs the blocks in `range` on hidden states [B, T, H].
    public func run(layers range: Range<Int>, on states: Tensor, attentionMask: [[Int]]) -> Tensor {
        let bias = Self.attentionBias(attentionMask)
        var x = states
        for i in range { x = layers[i].forward(x, attentionBias: bias) }
        return x
    }

    /// [B, 1, T]: 0 for real tokens, −10⁹ for padding.
    public static func attentionBias(_ attentionMask: [[Int]]) -> Tensor {
        Tensor(shape: [attentionMask.count, 1, attentionMask.first?.count ?? 0],
               scalars: attentionMask.flatMap { $0.map { $0 == 0 ? -1e9 as Float : 0 } })
    }

    /// Pools hidden states [B, T, H] into [B, H].
    public static func pool(_ states: Tensor, attentionMask: [[Int]], pooling: TextPooling) -> Tensor {
        let b = states.shape[0], t = states.shape[1], h = states.shape[2]
        switch pooling {
        case .cls:
            return states.slice(axis: 1, 0..<1).reshape([b, h])
        case .mean:
            let mask = Tensor(shape: [b, t, 1], scalars: attentionMask.flatMap { $0.map(Float.init) })
            let counts = Tensor(shape: [b, 1], scalars: attentionMask.map { Float(max(1, $0.reduce(0, +))) })
            return (states * mask).sum(axis: 1) / counts
        }
    }

    /// Pooled sentence vectors [B, H].
    public func pooled(ids: [[Int]], attentionMask: [[Int]], pooling: TextPooling) -> Tensor {
        Self.pool(hiddenStates(ids: ids, attentionMask: attentionMask), attentionMask: attentionMask, pooling: pooling)
    }

    /// The input holds token ids as floats [B, T]; padding is id 0. Returns hidden states.
    public func callAsFunction(_ input: Tensor) -> Tensor {
        let t = input.shape[1]
        let ids = stride(from: 0, to: input.count, by: t).map { start in input.scalars[start..<start + t].map { Int($0) } }
        return hiddenStates(ids: ids, attentionMask: ids.map { $0.map { $0 == 0 ? 0 : 1 } })
    }
}
