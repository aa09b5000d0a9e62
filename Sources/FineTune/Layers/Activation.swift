// Parameter-free activation layers for Sequential models: ReLU and GELU (erf form).
// They hold no state; the math lives in the tensor core.

import Tensors

/// An elementwise activation function.
public enum ActivationKind: String, Sendable, Hashable, Codable, CaseIterable {
    /// max(0, x).
    case relu
    /// x·Φ(x) with the exact erf form (PyTorch's default `approximate='none'`).
    case gelu
}

/// An activation layer (torch.nn.ReLU / torch.nn.GELU); no parameters.
public final class Activation: Module {
    /// Which function.
    public let kind: ActivationKind
    /// Whether the module is in training mode (no effect).
    public var isTraining = true

    /// A layer applying `kind`.
    public init(_ kind: ActivationKind) { self.kind = kind }

    /// No parameters.
    public var localParameters: [(name: String, tensor: Tensor)] { [] }
    /// No sub-modules.
    public var children: [(name: String, module: any Module)] { [] }

    /// Applies the function elementwise.
    public func callAsFunction(_ input: Tensor) -> Tensor {
        switch kind {
        case .relu: return input.relu()
        case .gelu: return input.gelu()
        }
    }
}
