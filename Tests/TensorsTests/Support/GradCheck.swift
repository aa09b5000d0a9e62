// The finite-difference gradient check: an op's forward against a Double reference forward,
// and its backward against central differences of that reference computed in Double.
// The loss is Σ out ⊙ w with fixed random weights w, so every output element matters.

import Testing
@testable import Tensors

/// How to draw an input: values in `range` (e.g. positive only for log and sqrt).
struct InputSpec {
    var shape: [Int]
    var range: ClosedRange<Float> = -1...1
}

/// Checks `op` (on Float tensors) against `ref` (on Double arrays): forward element by element,
/// then every input's gradient against central differences in Double.
func gradCheck(
    _ inputs: [InputSpec], seed: UInt64 = 1, forwardTolerance: Double = 2e-5, gradTolerance: Double = 2e-4,
    sourceLocation: SourceLocation = #_sourceLocation,
    op: ([Tensor]) -> Tensor, ref: ([Ref]) -> Ref
) {
    var rng = SeededRNG(seed: seed)
    let values: [[Float]] = inputs.map { spec in
        (0..<spec.shape.reduce(1, *)).map { _ in Float.random(in: spec.range, using: &rng) }
    }
    let tensors = zip(inputs, values).map { Tensor(shape: $0.shape, scalars: $1, requiresGrad: true) }
    let out = op(tensors)
    let refs = zip(inputs, values).map { Ref($0.shape, $1.map(Double.init)) }
    let expected = ref(refs)
    #expect(out.shape == expected.shape, "forward shape", sourceLocation: sourceLocation)
    guard out.shape == expected.shape else { return }
    for (i, (got, want)) in zip(out.scalars, expected.v).enumerated() where abs(Double(got) - want) > forwardTolerance * (1 + abs(want)) {
        Issue.record("forward element \(i): \(got) vs reference \(want)", sourceLocation: sourceLocation)
        return
    }
    let w: [Float] = (0..<out.count).map { _ in Float.random(in: -1...1, using: &rng) }
    (out * Tensor(shape: out.shape, scalars: w)).sum().backward()
    let wd = w.map(Double.init)
    func loss(_ xs: [Ref]) -> Double { zip(ref(xs).v, wd).reduce(0) { $0 + $1.0 * $1.1 } }
    let h = 1e-6
    for (t, tensor) in tensors.enumerated() {
        guard let grad = tensor.grad?.scalars else {
            Issue.record("input \(t) received no gradient", sourceLocation: sourceLocation)
            continue
        }
        for j in 0..<tensor.count {
            var plus = refs, minus = refs
            plus[t].v[j] += h
            minus[t].v[j] -= h
            let fd = (loss(plus) - loss(minus)) / (2 * h)
            if abs(Double(grad[j]) - fd) > gradTolerance * (1 + abs(fd)) {
                Issue.record("input \(t) \(tensor.shape) element \(j): gradient \(grad[j]) vs finite difference \(fd)",
                             sourceLocation: sourceLocation)
                return
            }
        }
    }
}
