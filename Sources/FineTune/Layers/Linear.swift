// Fully connected layer y = x·Wᵀ + b in PyTorch's layout (weight [out, in]) and PyTorch's default
// initialisation, seeded. No low-rank or quantised variants.

import Tensors

/// A fully connected layer (torch.nn.Linear): weight [outFeatures, inFeatures], bias [outFeatures].
public final class Linear: Module {
    /// Weight [outFeatures, inFeatures].
    public let weight: Tensor
    /// Bias [outFeatures], or nil.
    public let bias: Tensor?
    /// Whether the module is in training mode (no effect on a linear layer).
    public var isTraining = true

    /// A layer initialised as PyTorch does by default: weight by Kaiming-uniform with a = √5,
    /// which is U(−1/√in, 1/√in), and bias U(−1/√in, 1/√in); both drawn from `generator`
    /// (weight first, row-major, then bias). The values differ from PyTorch's own random
    /// stream; the distribution is the same.
    public init<G: RandomNumberGenerator>(inFeatures: Int, outFeatures: Int, bias: Bool = true, generator: inout G) {
        precondition(inFeatures > 0 && outFeatures > 0, "Linear: features must be positive, got in \(inFeatures), out \(outFeatures)")
        let bound = 1 / Float(inFeatures).squareRoot()
        weight = Tensor.uniform([outFeatures, inFeatures], low: -bound, high: bound, using: &generator, requiresGrad: true)
        self.bias = bias ? Tensor.uniform([outFeatures], low: -bound, high: bound, using: &generator, requiresGrad: true) : nil
    }

    /// Input features (columns of the weight).
    public var inFeatures: Int { weight.shape[1] }
    /// Output features (rows of the weight).
    public var outFeatures: Int { weight.shape[0] }

    /// `weight` and `bias` when present.
    public var localParameters: [(name: String, tensor: Tensor)] {
        [("weight", weight)] + (bias.map { [("bias", $0)] } ?? [])
    }
    /// No sub-modules.
    public var children: [(name: String, module: any Module)] { [] }

    /// x [..., in] → [..., out].
    public func callAsFunction(_ input: Tensor) -> Tensor {
        Tensor.linear(input, weight: weight, bias: bias)
    }
}
