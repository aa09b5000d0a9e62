// Gradients of the encoder's layers as a whole — embedding lookup, multi-head self-attention with a
// padding mask, GELU feed-forward, LayerNorm, mean and CLS pooling — against central differences.
// (Each primitive is checked in Double in TensorsTests; here the composition is checked in Float
// with a step and tolerance to match.)
import Testing
import Tensors
@testable import FineTune

private func smallEncoder() -> BertEncoder {
    var g = SplitMix64(seed: 11)
    let encoder = BertEncoder(config: BertConfig(vocabSize: 9, hiddenSize: 6, numHiddenLayers: 2, numAttentionHeads: 2,
                                                 intermediateSize: 10, maxPositionEmbeddings: 8), generator: &g)
    encoder.eval()
    return encoder
}

/// A scalar of the pooled output that weighs every element differently.
private func objective(_ encoder: BertEncoder, pooling: TextPooling) -> Tensor {
    let ids = [[2, 5, 7, 3, 0], [2, 4, 3, 0, 0]]
    let mask = [[1, 1, 1, 1, 0], [1, 1, 1, 0, 0]]
    let pooled = encoder.pooled(ids: ids, attentionMask: mask, pooling: pooling)
    let weights = Tensor(shape: pooled.shape) { Float(($0 * 7) % 11) / 11 - 0.4 }
    return (pooled * weights).sum()
}

@Test(arguments: [TextPooling.mean, .cls])
func encoderGradientsMatchCentralDifferences(pooling: TextPooling) throws {
    let encoder = smallEncoder()
    let loss = objective(encoder, pooling: pooling)
    loss.backward()
    let checked = ["embeddings.word_embeddings.weight", "embeddings.position_embeddings.weight",
                   "encoder.layer.0.attention.self.query.weight", "encoder.layer.0.attention.self.key.bias",
                   "encoder.layer.1.attention.self.value.weight", "encoder.layer.0.attention.output.LayerNorm.weight",
                   "encoder.layer.1.intermediate.dense.weight", "encoder.layer.1.output.dense.bias"]
    let params = Dictionary(uniqueKeysWithValues: encoder.namedParameters().map { ($0.name, $0.tensor) })
    var compared = 0
    for name in checked {
        let p = try #require(params[name])
        let analytic = try #require(p.grad).scalars
        // Every 3rd element, so each tensor is sampled across its rows.
        for i in stride(from: 0, to: p.count, by: 3) {
            var values = p.scalars
            let original = values[i], h: Float = 1e-3
            values[i] = original + h; p.assign(values)
            let up = Autograd.withoutGrad { objective(encoder, pooling: pooling).item }
            values[i] = original - h; p.assign(values)
            let down = Autograd.withoutGrad { objective(encoder, pooling: pooling).item }
            values[i] = original; p.assign(values)
            let numeric = (up - down) / (2 * h)
            #expect(abs(numeric - analytic[i]) <= 2e-3 + 2e-2 * abs(numeric), "\(name)[\(i)]: analytic \(analytic[i]), numeric \(numeric)")
            compared += 1
        }
    }
    #expect(compared > 50)
}

@Test func paddingReceivesNoGradientAndChangesNothing() throws {
    let encoder = smallEncoder()
    let states = encoder.hiddenStates(ids: [[2, 5, 3, 0]], attentionMask: [[1, 1, 1, 0]])
    let other = encoder.hiddenStates(ids: [[2, 5, 3, 8]], attentionMask: [[1, 1, 1, 0]])
    // Real tokens do not see the padded position, whatever id it holds.
    for t in 0..<3 { for d in 0..<6 { #expect(abs(states[0, t, d] - other[0, t, d]) < 1e-6) } }
    // Mean pooling's gradient reaches no word embedding through a padded position.
    let pooled = encoder.pooled(ids: [[2, 5, 3, 8]], attentionMask: [[1, 1, 1, 0]], pooling: .mean)
    pooled.sum().backward()
    let grad = try #require(encoder.namedParameters().first { $0.name == "embeddings.word_embeddings.weight" }?.tensor.grad)
    for d in 0..<6 { #expect(grad[8, d] == 0, "padded id 8, dimension \(d)") }
}
