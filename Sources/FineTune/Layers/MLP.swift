// A multilayer perceptron built like a torch.nn.Sequential stored as `layers`:
// [Linear, (LayerNorm), activation, Dropout] per hidden size, then a Linear head, so parameter
// names are PyTorch's (`layers.0.weight`, …, `layers.6.bias`). Residual connections are left out.

import Tensors

/// A multilayer perceptron: for each hidden size a block Linear → (LayerNorm) → activation →
/// Dropout, then a Linear to the outputs. Dropout is present even at p = 0, so the parameter
/// names do not depend on it (with hidden [256, 256]: Linear at `layers.0`, `layers.3`, `layers.6`).
public final class MLP: Module {
    /// The layers, as PyTorch's `self.layers = nn.Sequential(...)`.
    public let layers: Sequential
    /// Whether the module is in training mode.
    public var isTraining = true

    /// An MLP `inputs → hidden… → outputs`, parameters drawn from `generator` layer by layer.
    /// Each Dropout gets its own stream derived from `dropoutSeed` (see `reseedDropout`).
    public init<G: RandomNumberGenerator>(inputs: Int, hidden: [Int], outputs: Int, activation: ActivationKind = .relu,
                                          dropout: Float = 0, layerNorm: Bool = false, dropoutSeed: UInt64 = 0,
                                          generator: inout G) {
        var list: [any Module] = []
        var width = inputs
        for h in hidden {
            list.append(Linear(inFeatures: width, outFeatures: h, generator: &generator))
            if layerNorm { list.append(LayerNorm(features: h)) }
            list.append(Activation(activation))
            list.append(Dropout(probability: dropout))
            width = h
        }
        list.append(Linear(inFeatures: width, outFeatures: outputs, generator: &generator))
        layers = Sequential(list)
        reseedDropout(dropoutSeed)
    }

    /// No own parameters.
    public var localParameters: [(name: String, tensor: Tensor)] { [] }
    /// The one child, `layers`.
    public var children: [(name: String, module: any Module)] { [("layers", layers)] }

    /// x [N, inputs] → logits [N, outputs].
    public func callAsFunction(_ input: Tensor) -> Tensor { layers(input) }

    /// Reseeds every Dropout: the k-th gets a stream from (seed, k). Trainers call this with a
    /// seed derived from (run seed, epoch) so that masks depend only on where training is.
    public func reseedDropout(_ seed: UInt64) {
        var k: UInt64 = 0
        for case let d as Dropout in layers.layers {
            var mix = SplitMix64(seed: seed &+ 0x9E37_79B9_7F4A_7C15 &* (k &+ 1))
            d.generator = SplitMix64(seed: mix.next())
            k += 1
        }
    }
}
