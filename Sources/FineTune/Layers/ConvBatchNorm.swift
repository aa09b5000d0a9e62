// A convolution followed by batch norm (and ReLU / ReLU6) as one call. In evaluation mode, with no
// gradient wanted, the batch norm is folded into the convolution's weight and bias (cached until
// either layer's tensors are written) and the clamp runs inside the convolution: one op instead of
// two passes. Training, and anything that needs gradients, takes the two layers one after the other.

import Tensors

extension Conv2d {
    /// `bn(self(input))` clamped to `range` (nil: no clamp; `0...Float.infinity` is ReLU,
    /// `0...6` ReLU6), as `bn(conv(x), clampedTo:)` computes it.
    ///
    /// With `bn` in evaluation mode and no gradient needed (inside `Autograd.withoutGrad`, or no
    /// tensor involved requires one), the convolution runs once with the folded weight
    /// W·s[o] and bias (b[o] − μ[o])·s[o] + β[o], s = γ/√(σ² + ε), from the running statistics,
    /// and the clamp fused into it; the result equals the two-step path up to float rounding.
    public func callAsFunction(_ input: Tensor, normalisedBy bn: BatchNorm2d, clampedTo range: ClosedRange<Float>? = nil) -> Tensor {
        precondition(bn.channels == outChannels, "Conv2d: batch norm of \(bn.channels) channels after a convolution to \(outChannels)")
        guard !bn.isTraining && !needsGradient(input, bn) else {
            let y = self(input)
            return range.map { bn(y, clampedTo: $0) } ?? bn(y)
        }
        let folded = foldedParameters(with: bn)
        return Tensor.conv2d(input, weight: folded.weight, bias: folded.bias, window: window(for: input).convWindow, groups: groups,
                             low: range?.lowerBound ?? -.infinity, high: range?.upperBound ?? .infinity)
    }

    /// Whether a graph would be recorded through this convolution or `bn`.
    private func needsGradient(_ input: Tensor, _ bn: BatchNorm2d) -> Bool {
        guard Autograd.gradEnabled else { return false }
        return input.requiresGrad || weight.requiresGrad || (bias?.requiresGrad ?? false) || bn.weight.requiresGrad || bn.bias.requiresGrad
    }

    /// The folded weight and bias for `bn`, computed again only when a tensor they come from has
    /// been written since (its storage's `version` moved) or another batch norm is asked for.
    func foldedParameters(with bn: BatchNorm2d) -> (weight: Tensor, bias: Tensor) {
        let key = FoldedConvBatchNorm.key(self, bn)
        if let cache = foldCache, cache.key == key { return (cache.weight, cache.bias) }
        let fresh = FoldedConvBatchNorm.fold(self, bn, key: key)
        foldCache = fresh
        return (fresh.weight, fresh.bias)
    }
}

/// A convolution's weight and bias with a batch norm folded in, and what they were computed from.
final class FoldedConvBatchNorm {
    /// The batch norm's identity and the storage versions of every tensor read.
    let key: [Int]
    /// W [O, C/G, KH, KW] scaled per output channel.
    let weight: Tensor
    /// The bias [O] with the normalisation's shift.
    let bias: Tensor

    private init(key: [Int], weight: Tensor, bias: Tensor) {
        self.key = key
        self.weight = weight
        self.bias = bias
    }

    /// Identity of `bn` and the versions of the convolution's and the batch norm's tensors.
    static func key(_ conv: Conv2d, _ bn: BatchNorm2d) -> [Int] {
        [ObjectIdentifier(bn).hashValue, conv.weight.storage.version, conv.bias?.storage.version ?? -1,
         bn.weight.storage.version, bn.bias.storage.version, bn.runningMean.storage.version, bn.runningVar.storage.version]
    }

    /// s = γ/√(σ² + ε) per output channel o: W'[o] = W[o]·s, b'[o] = (b[o] − μ[o])·s + β[o].
    static func fold(_ conv: Conv2d, _ bn: BatchNorm2d, key: [Int]) -> FoldedConvBatchNorm {
        let o = conv.outChannels, per = conv.weight.count / o
        let gamma = bn.weight.scalars, beta = bn.bias.scalars, mean = bn.runningMean.scalars, variance = bn.runningVar.scalars
        let b = conv.bias?.scalars ?? [Float](repeating: 0, count: o)
        // The same 1/√(σ² + ε) as BatchNorm2d's evaluation path.
        let scale = (0..<o).map { gamma[$0] * (1 / (variance[$0] + bn.eps).squareRoot()) }
        var w = conv.weight.scalars
        for oc in 0..<o { for t in (oc * per)..<((oc + 1) * per) { w[t] *= scale[oc] } }
        let shift = (0..<o).map { (b[$0] - mean[$0]) * scale[$0] + beta[$0] }
        return FoldedConvBatchNorm(key: key, weight: Tensor(shape: conv.weight.shape, scalars: w),
                                   bias: Tensor(shape: [o], scalars: shift))
    }
}
