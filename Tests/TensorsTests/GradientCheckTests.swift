// Every differentiable op: forward against a Double reference, gradient against central finite
// differences in Double, on odd shapes and broadcasting cases.

import Foundation
import Testing
@testable import Tensors

@Suite struct ElementwiseGradients {
    static let binaryCases: [([Int], [Int])] = [([3, 5], [3, 5]), ([3, 1], [1, 4]), ([2, 3, 4], [4]), ([2, 3, 7], [3, 1]), ([1], [2, 3])]

    @Test(arguments: binaryCases) func add(_ a: [Int], _ b: [Int]) {
        gradCheck([InputSpec(shape: a), InputSpec(shape: b)], op: { $0[0] + $0[1] }, ref: { Ref.broadcast($0[0], $0[1], +) })
    }

    @Test(arguments: binaryCases) func subtract(_ a: [Int], _ b: [Int]) {
        gradCheck([InputSpec(shape: a), InputSpec(shape: b)], op: { $0[0] - $0[1] }, ref: { Ref.broadcast($0[0], $0[1], -) })
    }

    @Test(arguments: binaryCases) func multiply(_ a: [Int], _ b: [Int]) {
        gradCheck([InputSpec(shape: a), InputSpec(shape: b)], op: { $0[0] * $0[1] }, ref: { Ref.broadcast($0[0], $0[1], *) })
    }

    @Test(arguments: binaryCases) func divide(_ a: [Int], _ b: [Int]) {
        gradCheck([InputSpec(shape: a), InputSpec(shape: b, range: 0.5...2)], op: { $0[0] / $0[1] },
                  ref: { Ref.broadcast($0[0], $0[1], /) })
    }

    @Test func sameTensorOnBothSides() {
        gradCheck([InputSpec(shape: [3, 5])], op: { $0[0] * $0[0] + $0[0] }, ref: { $0[0].map { $0 * $0 + $0 } })
    }

    @Test func dropoutMaskMultiplyLeavesMaskWithoutGradient() {
        let x = Tensor(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6], requiresGrad: true)
        let mask = Tensor(shape: [2, 3], scalars: [2, 0, 2, 0, 2, 2])
        (x * mask).sum().backward()
        #expect(x.grad?.scalars == [2, 0, 2, 0, 2, 2])
        #expect(mask.grad == nil)
    }

    @Test func scalarOperands() {
        gradCheck([InputSpec(shape: [3, 5], range: 0.5...2)],
                  op: { (2 * $0[0] + 1) - (3 / $0[0]) + (1 - $0[0]) * 0.5 - $0[0] / 4 + ($0[0] - 2) },
                  ref: { $0[0].map { (2 * $0 + 1) - 3 / $0 + (1 - $0) * 0.5 - $0 / 4 + ($0 - 2) } })
    }

    static let unaryCases: [(String, ClosedRange<Float>)] = [
        ("neg", -1...1), ("exp", -2...2), ("log", 0.2...3), ("sqrt", 0.2...3), ("pow3", -1.5...1.5), ("pow2", -1.5...1.5),
        ("pow-0.5", 0.3...2), ("abs", -1...1), ("relu", -1...1), ("gelu", -3...3), ("tanh", -2...2), ("sigmoid", -4...4),
    ]

    @Test(arguments: unaryCases) func unary(_ name: String, _ range: ClosedRange<Float>) {
        let (op, ref): ((Tensor) -> Tensor, (Double) -> Double) = switch name {
        case "neg": ({ -$0 }, { -$0 })
        case "exp": ({ $0.exp() }, { Foundation.exp($0) })
        case "log": ({ $0.log() }, { Foundation.log($0) })
        case "sqrt": ({ $0.sqrt() }, { $0.squareRoot() })
        case "pow3": ({ $0.pow(3) }, { $0 * $0 * $0 })
        case "pow2": ({ $0.pow(2) }, { $0 * $0 })
        case "pow-0.5": ({ $0.pow(-0.5) }, { 1 / $0.squareRoot() })
        case "abs": ({ $0.abs() }, { Swift.abs($0) })
        case "relu": ({ $0.relu() }, { Swift.max($0, 0) })
        case "gelu": ({ $0.gelu() }, { 0.5 * $0 * (1 + Foundation.erf($0 / 2.0.squareRoot())) })
        case "tanh": ({ $0.tanh() }, { Foundation.tanh($0) })
        default: ({ $0.sigmoid() }, { 1 / (1 + Foundation.exp(-$0)) })
        }
        gradCheck([InputSpec(shape: [2, 3, 7], range: range)], op: { op($0[0]) }, ref: { $0[0].map(ref) })
    }

    @Test func reluAndAbsAtZeroHaveZeroGradient() {
        let x = Tensor(shape: [3], scalars: [-1, 0, 2], requiresGrad: true)
        (x.relu() + x.abs()).sum().backward()
        #expect(x.grad?.scalars == [-1, 0, 2])
    }
}

@Suite struct MatmulGradients {
    @Test(arguments: [(false, false), (true, false), (false, true), (true, true)])
    func twoD(_ tA: Bool, _ tB: Bool) {
        let a = tA ? [5, 3] : [3, 5], b = tB ? [4, 5] : [5, 4]
        gradCheck([InputSpec(shape: a), InputSpec(shape: b)],
                  op: { Tensor.matmul($0[0], $0[1], transposeA: tA, transposeB: tB) },
                  ref: { Ref.matmul($0[0], $0[1], tA: tA, tB: tB) })
    }

    @Test(arguments: [(false, false), (true, false), (false, true), (true, true)])
    func batched(_ tA: Bool, _ tB: Bool) {
        let a = tA ? [2, 5, 3] : [2, 3, 5], b = tB ? [2, 4, 5] : [2, 5, 4]
        gradCheck([InputSpec(shape: a), InputSpec(shape: b)],
                  op: { Tensor.matmul($0[0], $0[1], transposeA: tA, transposeB: tB) },
                  ref: { x in Ref.stack((0..<2).map { Ref.matmul(x[0].index0($0), x[1].index0($0), tA: tA, tB: tB) }) })
    }

    @Test(arguments: [(false, false), (true, true)])
    func batchedWithSharedRight(_ tA: Bool, _ tB: Bool) {
        let a = tA ? [3, 5, 2] : [3, 2, 5], b = tB ? [4, 5] : [5, 4]
        gradCheck([InputSpec(shape: a), InputSpec(shape: b)],
                  op: { Tensor.matmul($0[0], $0[1], transposeA: tA, transposeB: tB) },
                  ref: { x in Ref.stack((0..<3).map { Ref.matmul(x[0].index0($0), x[1], tA: tA, tB: tB) }) })
    }

    @Test func batchedWithSharedLeft() {
        gradCheck([InputSpec(shape: [3, 5]), InputSpec(shape: [2, 5, 4])],
                  op: { Tensor.matmul($0[0], $0[1]) },
                  ref: { x in Ref.stack((0..<2).map { Ref.matmul(x[0], x[1].index0($0)) }) })
    }

    @Test func linearWithBias() {
        gradCheck([InputSpec(shape: [3, 7]), InputSpec(shape: [5, 7]), InputSpec(shape: [5])],
                  op: { Tensor.linear($0[0], weight: $0[1], bias: $0[2]) },
                  ref: { Ref.broadcast(Ref.matmul($0[0], $0[1], tB: true), $0[2], +) })
    }

    @Test func linearOnThreeDimensionalInputWithoutBias() {
        gradCheck([InputSpec(shape: [2, 3, 7]), InputSpec(shape: [5, 7])],
                  op: { Tensor.linear($0[0], weight: $0[1]) },
                  ref: { x in Ref.stack((0..<2).map { Ref.matmul(x[0].index0($0), x[1], tB: true) }) })
    }
}
