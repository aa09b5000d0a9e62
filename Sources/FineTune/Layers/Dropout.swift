// Inverted dropout (torch.nn.Dropout): in training, zero each element with probability p and
// scale the rest by 1/(1−p); in evaluation, the identity. Its random stream is explicit and
// reseedable, so a run resumed at an epoch boundary draws the same masks as an uninterrupted one.

import Tensors

/// Inverted dropout with its own seeded random stream.
public final class Dropout: Module {
    /// Probability of zeroing an element, in [0, 1).
    public let probability: Float
    /// Whether the module is in training mode (masks drawn) or evaluation (identity).
    public var isTraining = true
    /// The random stream masks are drawn from; reseed it to make runs repeatable.
    public var generator: SplitMix64

    /// A dropout layer zeroing with probability `probability`, drawing from a stream seeded by `seed`.
    public init(probability: Float, seed: UInt64 = 0) {
        precondition(probability >= 0 && probability < 1, "Dropout: probability \(probability) must be in [0, 1)")
        self.probability = probability
        generator = SplitMix64(seed: seed)
    }

    /// No parameters.
    public var localParameters: [(name: String, tensor: Tensor)] { [] }
    /// No sub-modules.
    public var children: [(name: String, module: any Module)] { [] }

    /// In training: x ⊙ mask with mask ∈ {0, 1/(1−p)}; otherwise x.
    public func callAsFunction(_ input: Tensor) -> Tensor {
        guard isTraining, probability > 0 else { return input }
        let keepScale = 1 / (1 - probability)
        let p = Double(probability)
        // One draw per element in row-major order, written straight into the buffer (the
        // initialiser-closure form costs a call per element across the module boundary).
        let mask = Tensor.zeros(input.shape)
        mask.withUnsafeMutableBufferPointer { m in
            var g = generator
            for i in m.indices { m[i] = g.unitDouble() < p ? 0 : keepScale }
            generator = g
        }
        return input * mask
    }
}
