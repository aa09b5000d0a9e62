// The optimizer family: SGD (momentum, dampening, Nesterov) and Adam / AdamW as settings of one
// per-parameter update rule on raw Float buffers. Semantics and defaults follow torch.optim 2.x
// (single-tensor code path); AMSGrad, `maximize` and complex parameters are left out.

import Foundation

/// Which update rule an optimizer applies, with its hyperparameters.
///
/// SGD and Adam are settings of one family: both read a parameter, its gradient and a per-parameter
/// state, and write the parameter in place. Defaults match PyTorch's (`torch.optim.SGD`,
/// `torch.optim.Adam`, `torch.optim.AdamW`), except that SGD's learning rate lives in the
/// parameter groups / schedule, as for every rule here.
public enum OptimizerSettings: Sendable, Hashable, Codable {
    /// Stochastic gradient descent (torch.optim.SGD).
    /// - `momentum` μ (default 0), `dampening` τ (default 0), `nesterov` (default false; needs
    ///   μ > 0 and τ = 0, as in PyTorch), `weightDecay` λ as L2 added to the gradient (default 0).
    case sgd(momentum: Double, dampening: Double, nesterov: Bool, weightDecay: Double)
    /// Adam (Kingma & Ba, 2015) with bias correction and ε added after the square root of the
    /// corrected second moment (torch.optim.Adam). `decoupledWeightDecay` false: λ is L2 added to
    /// the gradient (Adam); true: the parameter is shrunk by `lr·λ` before the step (AdamW,
    /// Loshchilov & Hutter, 2019).
    case adam(beta1: Double, beta2: Double, eps: Double, weightDecay: Double, decoupledWeightDecay: Bool)

    /// torch.optim.SGD's defaults with the given momentum settings.
    public static func sgd(momentum: Double = 0, nesterov: Bool = false, weightDecay: Double = 0) -> OptimizerSettings {
        .sgd(momentum: momentum, dampening: 0, nesterov: nesterov, weightDecay: weightDecay)
    }

    /// torch.optim.Adam's defaults: β = (0.9, 0.999), ε = 1e-8, weight decay 0 (L2).
    public static func adam(weightDecay: Double = 0) -> OptimizerSettings {
        .adam(beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: weightDecay, decoupledWeightDecay: false)
    }

    /// torch.optim.AdamW's defaults: β = (0.9, 0.999), ε = 1e-8, decoupled weight decay 0.01.
    public static func adamW(weightDecay: Double = 0.01, beta1: Double = 0.9, beta2: Double = 0.999,
                             eps: Double = 1e-8) -> OptimizerSettings {
        .adam(beta1: beta1, beta2: beta2, eps: eps, weightDecay: weightDecay, decoupledWeightDecay: true)
    }

    /// The number of per-element state buffers the rule keeps for each parameter
    /// (SGD with momentum: 1, the momentum buffer; Adam: 2, first and second moments).
    public var stateBufferCount: Int {
        switch self {
        case .sgd(let momentum, _, _, _): return momentum == 0 ? 0 : 1
        case .adam: return 2
        }
    }

    /// The names of the state buffers, as PyTorch's optimizer `state_dict` calls them.
    public var stateBufferNames: [String] {
        switch self {
        case .sgd(let momentum, _, _, _): return momentum == 0 ? [] : ["momentum_buffer"]
        case .adam: return ["exp_avg", "exp_avg_sq"]
        }
    }

    /// Checks the hyperparameters; returns a message a person can act on, or nil when valid.
    public func validationProblem() -> String? {
        switch self {
        case let .sgd(momentum, dampening, nesterov, weightDecay):
            if !(momentum >= 0) { return "SGD momentum is \(momentum), but must be ≥ 0" }
            if !(weightDecay >= 0) { return "weight decay is \(weightDecay), but must be ≥ 0" }
            if nesterov && (momentum <= 0 || dampening != 0) {
                return "Nesterov momentum needs momentum > 0 and dampening = 0 (momentum \(momentum), dampening \(dampening))"
            }
        case let .adam(beta1, beta2, eps, weightDecay, _):
            if !(0 <= beta1 && beta1 < 1) { return "Adam beta1 is \(beta1), but must be in [0, 1)" }
            if !(0 <= beta2 && beta2 < 1) { return "Adam beta2 is \(beta2), but must be in [0, 1)" }
            if !(eps >= 0) { return "Adam eps is \(eps), but must be ≥ 0" }
            if !(weightDecay >= 0) { return "weight decay is \(weightDecay), but must be ≥ 0" }
        }
        return nil
    }
}

/// Per-parameter optimizer state: the step count and the rule's element buffers
/// (`momentum_buffer` for SGD with momentum; `exp_avg`, `exp_avg_sq` for Adam).
public struct ParameterState: Sendable, Hashable, Codable {
    /// Number of updates applied so far (PyTorch's `step`).
    public var step: Int
    /// One buffer per entry of `OptimizerSettings.stateBufferNames`, each the parameter's size.
    /// Empty until the first update (PyTorch creates state lazily too).
    public var buffers: [[Float]]

    /// An empty state (no update applied yet).
    public init(step: Int = 0, buffers: [[Float]] = []) {
        self.step = step
        self.buffers = buffers
    }
}

extension OptimizerSettings {
    /// Applies one update to `parameter` in place, PyTorch's single-tensor algorithm.
    ///
    /// - Parameters:
    ///   - parameter: the parameter's elements [n], updated in place.
    ///   - gradient: its gradient [n].
    ///   - state: the parameter's state, created on the first call.
    ///   - learningRate: this step's learning rate (group multiplier and schedule applied).
    public func update(parameter: UnsafeMutableBufferPointer<Float>, gradient: UnsafeBufferPointer<Float>,
                       state: inout ParameterState, learningRate: Double) {
        precondition(parameter.count == gradient.count,
                     "optimizer update: parameter has \(parameter.count) elements, gradient \(gradient.count)")
        let n = parameter.count
        let p = parameter.baseAddress!, g = gradient.baseAddress!
        if n == 0 { state.step += 1; return }
        switch self {
        case let .sgd(momentum, dampening, nesterov, weightDecay):
            let lr = Float(learningRate), wd = Float(weightDecay)
            if momentum == 0 {
                UpdateKernels.sgd(n: n, p: p, g: g, lr: lr, wd: wd)
            } else {
                // First step: the buffer is a copy of the gradient (no dampening), as in PyTorch.
                let first = state.buffers.isEmpty
                if first { state.buffers = [[Float](repeating: 0, count: n)] }
                precondition(state.buffers[0].count == n, "optimizer state has \(state.buffers[0].count) elements, parameter \(n)")
                state.buffers[0].withUnsafeMutableBufferPointer { bufp in
                    UpdateKernels.sgdMomentum(n: n, p: p, g: g, b: bufp.baseAddress!, lr: lr, wd: wd,
                                              mu: Float(momentum), keep: Float(1 - dampening), first: first, nesterov: nesterov)
                }
            }
            state.step += 1
        case let .adam(beta1, beta2, eps, weightDecay, decoupled):
            if state.buffers.isEmpty {
                state.buffers = [[Float](repeating: 0, count: n), [Float](repeating: 0, count: n)]
            }
            precondition(state.buffers.count == 2 && state.buffers[0].count == n && state.buffers[1].count == n,
                         "Adam state does not match a parameter of \(n) elements")
            state.step += 1
            let t = Double(state.step)
            // Bias corrections are scalars, computed in Double as PyTorch does in Python.
            let bc1 = 1 - pow(beta1, t), bc2 = 1 - pow(beta2, t)
            // Adam: L2 term on the gradient; AdamW: the parameter shrinks by lr·λ before the step.
            let l2 = decoupled ? 0 : Float(weightDecay)
            let shrink = decoupled ? Float(1 - learningRate * weightDecay) : 1
            // Move the moments out of the state so each buffer stays uniquely referenced.
            var first = state.buffers[0], second = state.buffers[1]
            state.buffers = []
            defer { state.buffers = [first, second] }
            first.withUnsafeMutableBufferPointer { mp in
                second.withUnsafeMutableBufferPointer { vp in
                    UpdateKernels.adam(n: n, p: p, g: g, m: mp.baseAddress!, v: vp.baseAddress!, l2: l2, shrink: shrink,
                                       w1: Float(1 - beta1), b2: Float(beta2), w2: Float(1 - beta2),
                                       bc2Sqrt: Float(bc2.squareRoot()), eps: Float(eps), stepSize: Float(learningRate / bc1))
                }
            }
        }
    }
}
