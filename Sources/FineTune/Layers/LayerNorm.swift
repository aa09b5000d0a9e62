// Layer normalisation over the last axis (Ba, Kiros & Hinton, 2016), as torch.nn.LayerNorm with
// elementwise affine weight (ones) and bias (zeros), through the core's fused op. Normalising
// over several trailing axes is left out.

import Tensors

/// Layer normalisation over the last axis: (x − mean) / √(var + ε) · weight + bias, with the
/// biased variance, as torch.nn.LayerNorm(normalizedShape, eps: 1e-5).
public final class LayerNorm: Module {
    /// Scale [features], initialised to ones.
    public let weight: Tensor
    /// Shift [features], initialised to zeros.
    public let bias: Tensor
    /// Added to the variance (PyTorch's default 1e-5).
    public let eps: Float
    /// Whether the module is in training mode (no effect).
    public var isTraining = true

    /// A layer normalising `features` values per row.
    public init(features: Int, eps: Float = 1e-5) {
        precondition(features > 0, "LayerNorm: features must be positive, got \(features)")
        weight = Tensor.ones([features], requiresGrad: true)
        bias = Tensor.zeros([features], requiresGrad: true)
        self.eps = eps
    }

    /// `weight` then `bias`.
    public var localParameters: [(name: String, tensor: Tensor)] { [("weight", weight), ("bias", bias)] }
    /// No sub-modules.
    public var children: [(name: String, module: any Module)] { [] }

    /// x [..., features] → same shape.
    public func callAsFunction(_ input: Tensor) -> Tensor {
        precondition(input.shape.last == weight.count,
                     "LayerNorm: input \(input.shape) does not end in \(weight.count) features")
        return Tensor.layerNorm(input, weight: weight, bias: bias, eps: eps)
    }
}
