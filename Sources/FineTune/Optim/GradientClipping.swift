// Gradient-norm clipping over all parameters at once (torch.nn.utils.clip_grad_norm_ with the
// L2 norm). Other norms (L1, ∞) and per-parameter clipping by value are left out.

/// Scales all gradients together so that their global L2 norm is at most `maxNorm`, as
/// `torch.nn.utils.clip_grad_norm_(…, max_norm, norm_type=2)`: the coefficient is
/// `min(1, maxNorm / (norm + 1e-6))`. Returns the norm before clipping.
///
/// - Parameter gradients: every parameter's gradient buffer, scaled in place.
@discardableResult
public func clipGradientNorm(_ gradients: [UnsafeMutableBufferPointer<Float>], maxNorm: Double) -> Double {
    precondition(maxNorm > 0, "clipGradientNorm: maxNorm is \(maxNorm), but must be > 0")
    // PyTorch takes the norm of per-parameter norms, each accumulated in Float;
    // Double accumulation here is at least as accurate.
    var total = 0.0
    for g in gradients {
        var s = 0.0
        for x in g { s += Double(x) * Double(x) }
        total += s
    }
    let norm = total.squareRoot()
    let coefficient = Float(min(1, maxNorm / (norm + 1e-6)))
    if coefficient < 1 {
        for g in gradients {
            for i in g.indices { g[i] *= coefficient }
        }
    }
    return norm
}
