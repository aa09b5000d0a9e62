// Graph behaviour: accumulation across backward passes, zeroing, detach, no-grad mode, views,
// diamond-shaped graphs, and that only leaves keep their gradients.

import Testing
@testable import Tensors

@Suite struct AutogradTests {
    @Test func gradientsAccumulateUntilZeroed() {
        let w = Tensor(shape: [2], scalars: [1, 2], requiresGrad: true)
        (w * 3).sum().backward()
        (w * 3).sum().backward()
        #expect(w.grad?.scalars == [6, 6])
        w.zeroGrad()
        #expect(w.grad?.scalars == [0, 0])
        (w.pow(2)).sum().backward()
        #expect(w.grad?.scalars == [2, 4])
        w.clearGrad()
        #expect(w.grad == nil)
    }

    @Test func diamondGraphSumsBothPaths() {
        // y = (x·2) · (x + 1), dy/dx = 4x + 2
        let x = Tensor(shape: [3], scalars: [1, -2, 0.5], requiresGrad: true)
        let a = x * 2
        ((a * (x + 1)).sum()).backward()
        #expect(x.grad?.scalars == [6, -6, 4])
    }

    @Test func onlyLeavesKeepGradients() {
        let x = Tensor(shape: [2], scalars: [1, 2], requiresGrad: true)
        let h = x.exp()
        h.sum().backward()
        #expect(h.grad == nil)
        #expect(!h.isLeaf && x.isLeaf)
        #expect(x.grad != nil)
    }

    @Test func withoutGradRecordsNothing() {
        let x = Tensor(shape: [2], scalars: [1, 2], requiresGrad: true)
        let y = Autograd.withoutGrad { x * 2 }
        #expect(!y.requiresGrad && y.isLeaf)
        #expect(Autograd.gradEnabled)
    }

    @Test func detachSharesStorageAndCutsTheGraph() {
        let x = Tensor(shape: [2], scalars: [1, 2], requiresGrad: true)
        let d = (x * 2).detach()
        #expect(!d.requiresGrad && d.isLeaf)
        let y = x * d
        y.sum().backward()
        #expect(x.grad?.scalars == [2, 4])
    }

    @Test func reshapeIsAViewAndInPlaceWritesShowThrough() {
        let x = Tensor(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6])
        let v = x.reshape([3, 2])
        x.withUnsafeMutableBufferPointer { $0[5] = 60 }
        #expect(v[2, 1] == 60)
        #expect(x.storage === v.storage)
    }

    @Test func gradientTensorWritesThroughToTheGradient() {
        let w = Tensor(shape: [2], scalars: [1, 2], requiresGrad: true)
        (w * 4).sum().backward()
        w.grad!.withUnsafeMutableBufferPointer { g in for i in g.indices { g[i] *= 0.5 } }
        #expect(w.grad?.scalars == [2, 2])
    }

    @Test func inputsWithoutRequiresGradGetNothing() {
        let x = Tensor(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6])
        let w = Tensor(shape: [4, 3], repeating: 0.5, requiresGrad: true)
        Tensor.linear(x, weight: w).sum().backward()
        #expect(x.grad == nil)
        #expect(w.grad?.scalars == [5, 7, 9, 5, 7, 9, 5, 7, 9, 5, 7, 9])
    }
}
