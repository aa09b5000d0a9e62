// The bridge between modules and the optimizer: one step over a module's named parameters,
// gradient clipping over their gradients, and the optimizer state as flat named arrays for
// checkpoints. Parameters without a gradient (unused, or frozen and skipped) are left alone.

import Tensors

extension Optimizer {
    /// Updates every unfrozen parameter of `module` that has a gradient, then advances the step.
    public mutating func step(_ module: any Module) {
        step(module.namedParameters())
    }

    /// Updates every unfrozen parameter in `parameters` that has a gradient, then advances the step.
    public mutating func step(_ parameters: [(name: String, tensor: Tensor)]) {
        for (name, tensor) in parameters {
            guard let grad = tensor.grad else { continue }
            grad.withUnsafeBufferPointer { g in
                tensor.withUnsafeMutableBufferPointer { p in update(name: name, parameter: p, gradient: g) }
            }
        }
        finishStep()
    }

    /// Marks parameters of frozen groups as not requiring a gradient and the others as requiring
    /// one, so that backward skips frozen weights (call after changing a group's `frozen` flag).
    public func applyFreezing(to module: any Module) {
        for (name, tensor) in module.namedParameters() {
            let frozen = isFrozen(name)
            tensor.requiresGrad = !frozen
            if frozen { tensor.clearGrad() }
        }
    }

    /// The state as flat arrays under `<prefix><parameter>.<buffer>` (e.g.
    /// `optimizer.layers.0.weight.exp_avg`), plus each parameter's step count under
    /// `<prefix><parameter>.step` as a one-element array.
    public func stateArrays(prefix: String = "optimizer.") -> [String: [Float]] {
        var out: [String: [Float]] = [:]
        let names = settings.stateBufferNames
        for (param, state) in states {
            out[prefix + param + ".step"] = [Float(state.step)]
            for (bufferName, values) in zip(names, state.buffers) { out[prefix + param + "." + bufferName] = values }
        }
        return out
    }

    /// Restores state written by `stateArrays(prefix:)` and the global step count.
    /// Throws when a parameter's buffers are incomplete.
    public mutating func restoreState(from arrays: [String: [Float]], stepCount: Int, prefix: String = "optimizer.") throws(FineTuneError) {
        var restored: [String: ParameterState] = [:]
        let names = settings.stateBufferNames
        for (key, value) in arrays where key.hasPrefix(prefix) && key.hasSuffix(".step") {
            let param = String(key.dropFirst(prefix.count).dropLast(".step".count))
            var buffers: [[Float]] = []
            for bufferName in names {
                guard let b = arrays[prefix + param + "." + bufferName] else {
                    throw FineTuneError(.invalidSafeTensors, "optimizer state for \"\(param)\" lacks \"\(bufferName)\"")
                }
                buffers.append(b)
            }
            guard let stepValue = value.first, stepValue >= 0 else {
                throw FineTuneError(.invalidSafeTensors, "optimizer step for \"\(param)\" is empty or negative")
            }
            restored[param] = ParameterState(step: Int(stepValue), buffers: buffers)
        }
        restore(stepCount: stepCount, states: restored)
    }
}

/// Clips the gradients of `parameters` to a global L2 norm of at most `maxNorm`
/// (torch.nn.utils.clip_grad_norm_); returns the norm before clipping.
@discardableResult
public func clipGradientNorm(_ parameters: [(name: String, tensor: Tensor)], maxNorm: Double) -> Double {
    let grads = parameters.compactMap { $0.tensor.grad }
    var buffers: [UnsafeMutableBufferPointer<Float>] = []
    // The gradient tensors share their storage with the parameters' gradients and stay alive
    // in `grads` for the whole call, so the pointers remain valid.
    for g in grads { g.withUnsafeMutableBufferPointer { buffers.append($0) } }
    return withExtendedLifetime(grads) { clipGradientNorm(buffers, maxNorm: maxNorm) }
}
