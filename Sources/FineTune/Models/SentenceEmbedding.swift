// Sentence embeddings as sentence-transformers makes them: pooled encoder output, L2-normalised.
// Leaves out other normalisations and dimensionality reduction.
import Tensors

/// Helpers for turning pooled encoder output into unit-length sentence vectors.
public enum SentenceEmbedding {
    /// Rows of `pooled` [B, H] scaled to unit L2 norm (a zero row stays zero).
    public static func normalized(_ pooled: Tensor) throws -> [[Float]] {
        precondition(pooled.rank == 2, "SentenceEmbedding.normalized: needs [B, H], got \(pooled.shape)")
        let h = pooled.shape[1]
        let values = pooled.scalars
        return stride(from: 0, to: values.count, by: h).map { start in
            let row = values[start..<start + h]
            let norm = row.reduce(0) { $0 + $1 * $1 }.squareRoot()
            return row.map { norm > 0 ? $0 / norm : 0 }
        }
    }
}
