// The BERT encoder: Hugging Face parameter names, and the real all-MiniLM-L6-v2 against the
// reference BertModel's sentence embeddings (fixture from scripts/fixtures/minilm.py).
import Foundation
import Testing
import Tensors
@testable import FineTune

private let modelDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("data/models/all-minilm-l6-v2")

private struct MiniLMFixture: Decodable {
    let sentences: [String]
    let ids: [[Int]]
    let embeddings: [[Float]]
    let pairs: [[Double]]
    let tokenStates: [[Float]]
}

@Test func bertParameterNamesFollowHuggingFace() {
    var g = SplitMix64(seed: 1)
    let encoder = BertEncoder(config: BertConfig(vocabSize: 50, hiddenSize: 8, numHiddenLayers: 2,
                                                 numAttentionHeads: 2, intermediateSize: 16, maxPositionEmbeddings: 12),
                              generator: &g)
    let names = encoder.namedParameters().map(\.name)
    #expect(names.count == 5 + 2 * 16 + 2)
    #expect(names.contains("embeddings.word_embeddings.weight"))
    #expect(names.contains("embeddings.LayerNorm.bias"))
    #expect(names.contains("encoder.layer.1.attention.self.query.weight"))
    #expect(names.contains("encoder.layer.0.attention.output.LayerNorm.weight"))
    #expect(names.contains("encoder.layer.1.intermediate.dense.bias"))
    #expect(names.contains("encoder.layer.0.output.dense.weight"))
    #expect(names.contains("pooler.dense.weight"))
}

@Test func paddingDoesNotChangeRealTokens() {
    var g = SplitMix64(seed: 2)
    let encoder = BertEncoder(config: BertConfig(vocabSize: 30, hiddenSize: 12, numHiddenLayers: 2,
                                                 numAttentionHeads: 3, intermediateSize: 20, maxPositionEmbeddings: 10),
                              generator: &g)
    encoder.eval()
    let alone = encoder.pooled(ids: [[1, 5, 7, 2]], attentionMask: [[1, 1, 1, 1]], pooling: .mean).scalars
    let padded = encoder.pooled(ids: [[1, 5, 7, 2, 0, 0], [1, 9, 2, 0, 0, 0]],
                                attentionMask: [[1, 1, 1, 1, 0, 0], [1, 1, 1, 0, 0, 0]], pooling: .mean).scalars
    for i in 0..<12 { #expect(abs(alone[i] - padded[i]) < 1e-5, "dimension \(i)") }
}

@Test func miniLMMatchesReferenceEmbeddings() throws {
    guard FileManager.default.fileExists(atPath: modelDirectory.appendingPathComponent("model.safetensors").path) else {
        print("skipped: all-MiniLM-L6-v2 not fetched (scripts/fetch-minilm.sh)")
        return
    }
    let url = try #require(Bundle.module.url(forResource: "minilm", withExtension: "json", subdirectory: "Fixtures"))
    let fixture = try JSONDecoder().decode(MiniLMFixture.self, from: Data(contentsOf: url))
    let encoder = try BertEncoder.load(directory: modelDirectory)
    encoder.eval()
    let tokenizer = try WordPieceTokenizer(vocabularyFile: modelDirectory.appendingPathComponent("vocab.txt"))
    let ids = fixture.sentences.map(tokenizer.ids)
    #expect(ids == fixture.ids)
    let t = ids.map(\.count).max()!
    let padded = ids.map { $0 + [Int](repeating: 0, count: t - $0.count) }
    let mask = ids.map { [Int](repeating: 1, count: $0.count) + [Int](repeating: 0, count: t - $0.count) }
    let embeddings = try Autograd.withoutGrad {
        let states = encoder.hiddenStates(ids: padded, attentionMask: mask)
        for i in 0..<3 { for j in 0..<8 {
            #expect(abs(states[0, i, j] - fixture.tokenStates[i][j]) < 1e-4, "token state [0,\(i),\(j)]")
        } }
        return try SentenceEmbedding.normalized(encoder.pooled(ids: padded, attentionMask: mask, pooling: .mean))
    }
    for (row, expected) in zip(embeddings, fixture.embeddings) {
        for (a, b) in zip(row, expected) { #expect(abs(a - b) < 1e-4) }
    }
    for pair in fixture.pairs {
        let a = embeddings[Int(pair[0])], b = embeddings[Int(pair[1])]
        let cosine = zip(a, b).reduce(0) { $0 + Double($1.0) * Double($1.1) }
        #expect(abs(cosine - pair[2]) < 1e-4, "pair \(pair)")
    }
}
