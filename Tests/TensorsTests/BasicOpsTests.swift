// Exact-value checks of forward results and of a small backward pass (closed forms).
// Finite-difference gradient checks live in GradientCheckTests.swift.

import Testing
@testable import Tensors

@Test func broadcastAddGivesOuterSum() {
    let a = Tensor(shape: [3, 1], scalars: [1, 2, 3])
    let b = Tensor(shape: [1, 4], scalars: [10, 20, 30, 40])
    let c = a + b
    #expect(c.shape == [3, 4])
    #expect(c.scalars == [11, 21, 31, 41, 12, 22, 32, 42, 13, 23, 33, 43])
}

@Test func backwardOfProductSumIsOtherOperand() {
    let a = Tensor(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6], requiresGrad: true)
    let b = Tensor(shape: [3], scalars: [7, 8, 9], requiresGrad: true)
    (a * b).sum().backward()
    #expect(a.grad?.scalars == [7, 8, 9, 7, 8, 9])
    #expect(b.grad?.scalars == [5, 7, 9])
}

@Test func matmulSmallExact() {
    let a = Tensor(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6])
    let b = Tensor(shape: [3, 2], scalars: [7, 8, 9, 10, 11, 12])
    #expect(Tensor.matmul(a, b).scalars == [58, 64, 139, 154])
}

@Test func crossEntropyOfUniformLogitsIsLogC() {
    let logits = Tensor.zeros([4, 5], requiresGrad: true)
    let loss = Tensor.crossEntropy(logits: logits, labels: [0, 1, 2, 3])
    #expect(abs(loss.item - Float(1.6094379)) < 1e-6)
    loss.backward()
    // (softmax − onehot) / N = (0.2 − [label]) / 4
    #expect(abs(logits.grad![0, 0] - (0.2 - 1) / 4) < 1e-7)
    #expect(abs(logits.grad![0, 1] - 0.2 / 4) < 1e-7)
}

@Test func randomInitialisersHaveTheirMoments() {
    var rng = SeededRNG(seed: 5)
    let u = Tensor.uniform([20000], low: -2, high: 4, using: &rng).scalars
    #expect(u.allSatisfy { $0 >= -2 && $0 < 4 })
    let uMean = u.reduce(0, +) / Float(u.count)
    #expect(abs(uMean - 1) < 0.05)
    let n = Tensor.normal([20001], std: 3, using: &rng).scalars
    #expect(n.allSatisfy { $0.isFinite })
    let nMean = n.reduce(0, +) / Float(n.count)
    let nVar = n.map { ($0 - nMean) * ($0 - nMean) }.reduce(0, +) / Float(n.count)
    #expect(abs(nMean) < 0.1)
    #expect(abs(nVar.squareRoot() - 3) < 0.1)
}

@Test func shapeMismatchStopsTheProcess() async throws {
    try await #require(processExitsWith: .failure) {
        _ = Tensor.zeros([2, 3]) + Tensor.zeros([4])
    }
}

@Test func emptyTensorsFlowThroughBroadcastingAndReductions() {
    let a = Tensor.zeros([0, 4], requiresGrad: true)
    let b = Tensor(shape: [4], scalars: [1, 2, 3, 4], requiresGrad: true)
    let c = a * b + b
    #expect(c.shape == [0, 4])
    let s = c.sum(axis: 0)
    #expect(s.scalars == [0, 0, 0, 0])
    s.sum().backward()
    #expect(b.grad?.scalars == [0, 0, 0, 0])
}
