// The module abstraction: a layer that owns named parameters and sub-modules, maps a tensor to a
// tensor, and switches between training and evaluation. Names compose with dots exactly as
// PyTorch's `state_dict` keys (`layers.0.weight`). Buffers (BatchNorm statistics) are left out.

import Tensors

/// A layer or model: parameters and sub-modules under names, a forward map, a train/eval mode.
///
/// Modules are classes (like `torch.nn.Module`): parameters are tensors updated in place by the
/// optimizer. Like tensors, modules stay inside the task that made them (not `Sendable`).
public protocol Module: AnyObject {
    /// This module's own parameters under their local names (`weight`, `bias`), in order.
    var localParameters: [(name: String, tensor: Tensor)] { get }
    /// Direct sub-modules under their local names (`layers`, `0`), in order.
    var children: [(name: String, module: any Module)] { get }
    /// Whether the module is in training mode (dropout active). Set it through `train()` / `eval()`.
    var isTraining: Bool { get set }
    /// The forward map.
    func callAsFunction(_ input: Tensor) -> Tensor
}

extension Module {
    /// Every parameter, depth first, under its dotted path (`layers.0.weight`), in the order
    /// PyTorch's `named_parameters()` lists them.
    public func namedParameters() -> [(name: String, tensor: Tensor)] {
        var out = localParameters
        for (childName, child) in children {
            for (name, tensor) in child.namedParameters() { out.append((childName + "." + name, tensor)) }
        }
        return out
    }

    /// Every parameter tensor, in `namedParameters()` order.
    public var parameters: [Tensor] { namedParameters().map(\.tensor) }

    /// Total number of parameter elements.
    public var parameterCount: Int { namedParameters().reduce(0) { $0 + $1.tensor.count } }

    /// Switches this module and all sub-modules to training mode (dropout active).
    public func train() { setTraining(true) }

    /// Switches this module and all sub-modules to evaluation mode (dropout is the identity).
    public func eval() { setTraining(false) }

    private func setTraining(_ on: Bool) {
        for module in modules() { module.isTraining = on }
    }

    /// The parameter values by name, a copy (PyTorch's `state_dict()`).
    public func stateDict() -> [String: [Float]] {
        Dictionary(uniqueKeysWithValues: namedParameters().map { ($0.name, $0.tensor.scalars) })
    }

    /// Copies values into the parameters by name. Every parameter must be present with its exact
    /// element count; extra names are an error too. Throws `FineTuneError` naming what differs.
    public func loadStateDict(_ values: [String: [Float]]) throws(FineTuneError) {
        let named = namedParameters()
        let known = Set(named.map(\.name))
        if let extra = values.keys.sorted().first(where: { !known.contains($0) }) {
            throw FineTuneError(.invalidSafeTensors, "weights hold \"\(extra)\", which the model does not have (it has \(named.map(\.name).joined(separator: ", ")))")
        }
        for (name, tensor) in named {
            guard let v = values[name] else {
                throw FineTuneError(.invalidSafeTensors, "weights lack \"\(name)\" (shape \(tensor.shape))")
            }
            guard v.count == tensor.count else {
                throw FineTuneError(.invalidSafeTensors, "weights for \"\(name)\" hold \(v.count) values, the model needs \(tensor.count) (shape \(tensor.shape))")
            }
            tensor.assign(v)
        }
    }

    /// Sets every parameter's gradient to zero (keeping the buffers).
    public func zeroGrad() {
        for (_, t) in namedParameters() { t.zeroGrad() }
    }

    /// All modules in the tree, depth first, this one first.
    public func modules() -> [any Module] {
        [self] + children.flatMap { $0.module.modules() }
    }
}

/// Modules in order, each fed the previous one's output (torch.nn.Sequential); children are
/// named `0`, `1`, ….
public final class Sequential: Module {
    /// The layers, in order.
    public let layers: [any Module]
    /// Whether the module is in training mode.
    public var isTraining = true

    /// A chain of `layers`.
    public init(_ layers: [any Module]) { self.layers = layers }

    /// No own parameters.
    public var localParameters: [(name: String, tensor: Tensor)] { [] }
    /// The layers named by their index.
    public var children: [(name: String, module: any Module)] { layers.enumerated().map { (String($0.offset), $0.element) } }

    /// Applies the layers in order.
    public func callAsFunction(_ input: Tensor) -> Tensor {
        var x = input
        for layer in layers { x = layer(x) }
        return x
    }
}
