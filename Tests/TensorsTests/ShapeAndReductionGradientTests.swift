// Shape ops, reductions and the softmax family: forward against a Double reference, gradient
// against central finite differences in Double.

import Foundation
import Testing
@testable import Tensors

@Suite struct ShapeGradients {
    @Test func reshapeWithInferredExtent() {
        gradCheck([InputSpec(shape: [2, 3, 7])], op: { $0[0].reshape([6, -1]) * $0[0].reshape([6, 7]) },
                  ref: { x in Ref([6, 7], x[0].v.map { $0 * $0 }) })
    }

    @Test func transpose2D() {
        gradCheck([InputSpec(shape: [3, 5])], op: { $0[0].transpose() }, ref: { $0[0].swapAxes(0, 1) })
    }

    @Test(arguments: [(0, 2), (0, 1), (1, 2), (-1, -2)])
    func swapAxes(_ a0: Int, _ a1: Int) {
        gradCheck([InputSpec(shape: [2, 3, 7])], op: { $0[0].transpose(a0, a1) },
                  ref: { $0[0].swapAxes((a0 + 3) % 3, (a1 + 3) % 3) })
    }

    @Test(arguments: [0, 1, 2])
    func slice(_ axis: Int) {
        let shape = [4, 5, 3]
        let range = 1..<(shape[axis] - 1)
        gradCheck([InputSpec(shape: shape)], op: { $0[0].slice(axis: axis, range) }, ref: { x in
            var out = shape
            out[axis] = range.count
            let vals = (0..<out.reduce(1, *)).map { i -> Double in
                var idx = Ref.unravel(i, out)
                idx[axis] += range.lowerBound
                return x[0].v[Ref.ravel(idx, shape)]
            }
            return Ref(out, vals)
        })
    }

    @Test(arguments: [0, 1, 2])
    func concat(_ axis: Int) {
        var s1 = [2, 3, 4], s2 = [2, 3, 4]
        s1[axis] = 1
        s2[axis] = 3
        gradCheck([InputSpec(shape: s1), InputSpec(shape: s2)], op: { Tensor.concat($0, axis: axis) }, ref: { x in
            var out = s1
            out[axis] = 4
            let vals = (0..<out.reduce(1, *)).map { i -> Double in
                var idx = Ref.unravel(i, out)
                if idx[axis] < 1 { return x[0].v[Ref.ravel(idx, s1)] }
                idx[axis] -= 1
                return x[1].v[Ref.ravel(idx, s2)]
            }
            return Ref(out, vals)
        })
    }

    @Test func gatherRowsWithRepeatsAndIndexShape() {
        let idx = [4, 0, 4, 2, 1, 4]
        gradCheck([InputSpec(shape: [5, 3])], op: { $0[0].gather(rows: idx, indexShape: [2, 3]) },
                  ref: { x in Ref([2, 3, 3], idx.flatMap { x[0].index0($0).v }) })
    }
}

@Suite struct ReductionGradients {
    @Test(arguments: [[0], [1], [2], [0, 2], [-1], [0, 1, 2]])
    func sum(_ axes: [Int]) {
        for keep in [false, true] {
            gradCheck([InputSpec(shape: [2, 3, 7])], op: { $0[0].sum(axes: axes, keepDims: keep) }, ref: { x in
                let ax = Set(axes.map { ($0 + 3) % 3 })
                let r = x[0].sum(axes: ax)
                return keep ? r : Ref(r.shape.enumerated().filter { !ax.contains($0.offset) }.map(\.element), r.v)
            })
        }
    }

    @Test func wholeSumAndMeanAreScalars() {
        gradCheck([InputSpec(shape: [3, 5])], op: { $0[0].sum() + $0[0].mean() * 3 },
                  ref: { x in Ref([], [x[0].v.reduce(0, +) * (1 + 3.0 / 15)]) })
    }

    @Test(arguments: [[1], [0, 2]])
    func mean(_ axes: [Int]) {
        gradCheck([InputSpec(shape: [2, 3, 7])], op: { $0[0].mean(axes: axes, keepDims: true) }, ref: { x in
            let r = x[0].sum(axes: Set(axes))
            let n = Double(axes.reduce(1) { $0 * x[0].shape[$1] })
            return r.map { $0 / n }
        })
    }

    @Test(arguments: [0, 1, 2])
    func maxOverAxis(_ axis: Int) {
        gradCheck([InputSpec(shape: [2, 3, 7])], op: { $0[0].max(axis: axis, keepDims: true) },
                  ref: { $0[0].reduceAxis(axis) { $0.max()! } })
    }

    @Test func maxOverAxesAndWhole() {
        gradCheck([InputSpec(shape: [2, 3, 7])], op: { $0[0].max(axes: [0, 2]) * $0[0].max() },
                  ref: { x in
                      let m = x[0].reduceAxis(0) { $0.max()! }.reduceAxis(2) { $0.max()! }
                      let whole = x[0].v.max()!
                      return Ref([3], m.v.map { $0 * whole })
                  })
    }

    @Test func argmaxPicksFirstMaximum() {
        let x = Tensor(shape: [2, 3], scalars: [1, 5, 5, 7, 2, 7])
        #expect(x.argmax(axis: 1) == [1, 0])
        #expect(x.argmax(axis: 0) == [1, 0, 1])
        #expect(x.argmax() == 3)
    }
}

@Suite struct SoftmaxGradients {
    static func softmax(_ line: [Double]) -> [Double] {
        let m = line.max()!
        let e = line.map { Foundation.exp($0 - m) }
        let s = e.reduce(0, +)
        return e.map { $0 / s }
    }

    @Test(arguments: [2, 1, 0])
    func softmaxAlongAxis(_ axis: Int) {
        gradCheck([InputSpec(shape: [2, 3, 7], range: -3...3)], op: { $0[0].softmax(axis: axis) },
                  ref: { $0[0].alongAxis(axis, SoftmaxGradients.softmax) })
    }

    @Test(arguments: [2, 1])
    func logSoftmaxAlongAxis(_ axis: Int) {
        gradCheck([InputSpec(shape: [2, 3, 7], range: -3...3)], op: { $0[0].logSoftmax(axis: axis) },
                  ref: { $0[0].alongAxis(axis) { SoftmaxGradients.softmax($0).map { Foundation.log($0) } } })
    }

    @Test(arguments: [Float(0), 0.1, 0.3])
    func crossEntropy(_ smoothing: Float) {
        let labels = [2, 0, 4, 4, 1]
        gradCheck([InputSpec(shape: [5, 6], range: -3...3)],
                  op: { Tensor.crossEntropy(logits: $0[0], labels: labels, labelSmoothing: smoothing) },
                  ref: { x in
                      let eps = Double(smoothing)
                      var total = 0.0
                      for (r, label) in labels.enumerated() {
                          let logp = SoftmaxGradients.softmax(x[0].index0(r).v).map { Foundation.log($0) }
                          total += -(1 - eps) * logp[label] - eps / 6 * logp.reduce(0, +)
                      }
                      return Ref([], [total / 5])
                  })
    }

    @Test func fusedSoftmaxMatchesComposite() {
        var rng = SeededRNG(seed: 9)
        let x = Tensor.uniform([3, 5], low: -3, high: 3, using: &rng)
        let composite = x.exp() / x.exp().sum(axis: -1, keepDims: true)
        let logComposite = x - x.exp().sum(axis: -1, keepDims: true).log()
        for (a, b) in zip(x.softmax().scalars, composite.scalars) { #expect(abs(a - b) < 1e-6) }
        for (a, b) in zip(x.logSoftmax().scalars, logComposite.scalars) { #expect(abs(a - b) < 1e-5) }
    }

    @Test func layerNormFromPrimitives() {
        gradCheck([InputSpec(shape: [3, 7]), InputSpec(shape: [7]), InputSpec(shape: [7])], op: { t in
            let mu = t[0].mean(axis: -1, keepDims: true)
            let xc = t[0] - mu
            let v = xc.pow(2).mean(axis: -1, keepDims: true)
            return xc / (v + 1e-5).sqrt() * t[1] + t[2]
        }, ref: { x in
            var out = x[0].alongAxis(1) { line in
                let mu = line.reduce(0, +) / 7
                let v = line.map { ($0 - mu) * ($0 - mu) }.reduce(0, +) / 7
                return line.map { ($0 - mu) / (v + 1e-5).squareRoot() }
            }
            out = Ref.broadcast(Ref.broadcast(out, x[1], *), x[2], +)
            return out
        })
    }
}

@Suite struct LayerNormGradients {
    static func reference(_ x: Ref, eps: Double) -> Ref {
        let d = x.shape.last!
        return x.alongAxis(x.shape.count - 1) { line in
            let mu = line.reduce(0, +) / Double(d)
            let v = line.map { ($0 - mu) * ($0 - mu) }.reduce(0, +) / Double(d)
            return line.map { ($0 - mu) / (v + eps).squareRoot() }
        }
    }

    @Test func fusedWithAffine() {
        gradCheck([InputSpec(shape: [2, 3, 7]), InputSpec(shape: [7]), InputSpec(shape: [7])],
                  op: { Tensor.layerNorm($0[0], weight: $0[1], bias: $0[2], eps: 1e-5) },
                  ref: { x in Ref.broadcast(Ref.broadcast(LayerNormGradients.reference(x[0], eps: 1e-5), x[1], *), x[2], +) })
    }

    @Test func fusedWithoutAffine() {
        gradCheck([InputSpec(shape: [3, 5])], op: { Tensor.layerNorm($0[0], weight: nil, bias: nil, eps: 1e-3) },
                  ref: { LayerNormGradients.reference($0[0], eps: 1e-3) })
    }

    @Test func fusedMatchesComposite() {
        var rng = SeededRNG(seed: 11)
        let x = Tensor.uniform([4, 9], low: -2, high: 2, using: &rng)
        let w = Tensor.uniform([9], low: -1, high: 1, using: &rng)
        let b = Tensor.uniform([9], low: -1, high: 1, using: &rng)
        let xc = x - x.mean(axis: -1, keepDims: true)
        let composite = xc / (xc.pow(2).mean(axis: -1, keepDims: true) + 1e-5).sqrt() * w + b
        let fused = Tensor.layerNorm(x, weight: w, bias: b)
        for (a, c) in zip(fused.scalars, composite.scalars) { #expect(abs(a - c) < 1e-5) }
    }
}
