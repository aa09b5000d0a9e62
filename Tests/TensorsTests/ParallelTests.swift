// The worker pool and the kernels it splits: every part runs exactly once, nested calls run
// inline, and GEMMs, elementwise ops, layer norm and softmax give the same values split over
// threads as computed by plain loops.
import Foundation
import Synchronization
import Testing
@testable import Tensors

@Suite struct ParallelTests {
    @Test func everyPartRunsOnceAndNestedCallsRunInline() {
        for parts in [1, 2, 3, 7] {
            let counts = UnsafeMutablePointer<Int>.allocate(capacity: parts * 4)
            counts.initialize(repeating: 0, count: parts * 4)
            defer { counts.deallocate() }
            Parallel.run(parts: parts) { p in
                counts[p * 4] += 1
                Parallel.run(parts: 3) { inner in counts[p * 4 + 1 + inner] += 1 }
            }
            #expect((0..<(parts * 4)).allSatisfy { counts[$0] == 1 }, "parts \(parts)")
        }
    }

    /// Many short jobs back to back: every part of every job runs once, and no job outlives its
    /// call (a worker still holding one would trap in `withoutActuallyEscaping`).
    @Test func manyShortJobsEachRunEveryPartOnce() {
        BLAS.setThreads(2)
        let counts = UnsafeMutablePointer<Int>.allocate(capacity: 4)
        defer { counts.deallocate() }
        for round in 0..<20_000 {
            let parts = 2 + round % 3
            counts.initialize(repeating: 0, count: 4)
            Parallel.run(parts: parts) { p in counts[p] += 1 }
            if !(0..<parts).allSatisfy({ counts[$0] == 1 }) {
                Issue.record("round \(round): part counts \((0..<parts).map { counts[$0] })")
                return
            }
        }
    }

    @Test func rangesCoverEveryIndexOnce() {
        for count in [0, 1, 17, 65_537, 200_001] {
            let seen = UnsafeMutablePointer<UInt8>.allocate(capacity: max(count, 1))
            seen.initialize(repeating: 0, count: max(count, 1))
            defer { seen.deallocate() }
            Parallel.forRanges(count, minimumPerThread: 1_000) { r in for i in r { seen[i] += 1 } }
            #expect((0..<count).allSatisfy { seen[$0] == 1 }, "count \(count)")
        }
    }

    @Test(arguments: [(false, false), (false, true), (true, false), (true, true)])
    func splitGEMMMatchesNaiveLoop(_ tA: Bool, _ tB: Bool) {
        BLAS.setThreads(2)
        var rng = SeededRNG(seed: 31)
        // Taller than wide (split by rows), wider than tall (split by columns), both above the
        // splitting threshold; ragged last blocks.
        for (m, n, k) in [(203, 67, 50), (45, 301, 60)] {
            let a = (0..<(m * k)).map { _ in Float.random(in: -1...1, using: &rng) }
            let b = (0..<(k * n)).map { _ in Float.random(in: -1...1, using: &rng) }
            var c = (0..<(m * n)).map { _ in Float.random(in: -1...1, using: &rng) }
            let want = BLASTests.naive(a, b, m: m, n: n, k: k, tA: tA, tB: tB)
            let before = c
            c.withUnsafeMutableBufferPointer { cp in
                BLAS.sgemm(transA: tA, transB: tB, m: m, n: n, k: k, alpha: 0.5, a: a, lda: tA ? m : k,
                           b: b, ldb: tB ? k : n, beta: 1, c: cp.baseAddress!, ldc: n)
            }
            var worst = 0.0
            for i in 0..<(m * n) { worst = max(worst, abs(Double(c[i]) - (0.5 * want[i] + Double(before[i])))) }
            #expect(worst < 1e-5 * Double(k), "\(m)x\(n)x\(k) \(tA)/\(tB): worst element error \(worst)")
        }
    }

    /// oneDNN for the large blocks, OpenBLAS for the rest, in a fresh process (chosen once).
    @Test(.enabled(if: SystemLibrary.installed("libdnnl.so.2") && SystemLibrary.installed("libopenblas.so.0"),
                   "needs oneDNN (libdnnl2) and OpenBLAS (libopenblas0); deploy/test.sh installs both"))
    func oneDNNForLargeGEMMsIsCorrect() async throws {
        try await #require(processExitsWith: .success) {
            TensorSettings.use(TensorSettings(environment: ["RUNG_LARGE_GEMM": "onednn"]))
            BLAS.setThreads(2)
            guard BLASLoader.backend.kind == .openBLAS, BLASLoader.largeGEMM?.kind == .oneDNN else { exit(1) }
            var rng = SeededRNG(seed: 34)
            let (m, n, k) = (150, 90, 70)
            let a = (0..<(m * k)).map { _ in Float.random(in: -1...1, using: &rng) }
            let b = (0..<(k * n)).map { _ in Float.random(in: -1...1, using: &rng) }
            let got = Tensor.matmul(Tensor(shape: [m, k], scalars: a), Tensor(shape: [k, n], scalars: b)).scalars
            let want = BLASTests.naive(a, b, m: m, n: n, k: k, tA: false, tB: false)
            for (g, w) in zip(got, want) where abs(Double(g) - w) > 1e-5 * Double(k) { exit(2) }
            exit(0)
        }
    }

    @Test func largeElementwiseOpsMatchPlainLoops() {
        var rng = SeededRNG(seed: 32)
        let n = 150_001
        let a = Tensor.uniform([n], low: -3, high: 3, using: &rng, requiresGrad: true)
        let b = Tensor.uniform([n], low: 0.5, high: 2, using: &rng, requiresGrad: true)
        let y = (a * b + a.gelu()) / b
        y.sum().backward()
        let av = a.scalars, bv = b.scalars, yv = y.scalars, da = a.grad!.scalars, db = b.grad!.scalars
        for i in stride(from: 0, to: n, by: 997) {
            let x = av[i], z = bv[i]
            let gelu = 0.5 * x * (1 + erff(x / 2.0.squareRoot().float))
            #expect(abs(yv[i] - (x * z + gelu) / z) < 1e-4)
            let dgelu = 0.5 * (1 + erff(x / 2.0.squareRoot().float)) + x * expf(-0.5 * x * x) / (2 * Float.pi).squareRoot()
            #expect(abs(da[i] - (z + dgelu) / z) < 1e-4, "da[\(i)]")
            #expect(abs(db[i] - (-gelu / (z * z))) < 1e-4, "db[\(i)]")
        }
    }

    @Test func largeLayerNormAndSoftmaxMatchComposites() {
        var rng = SeededRNG(seed: 33)
        let x = Tensor.uniform([700, 64], low: -2, high: 2, using: &rng, requiresGrad: true)
        let w = Tensor.uniform([64], low: -1, high: 1, using: &rng, requiresGrad: true)
        let bias = Tensor.uniform([64], low: -1, high: 1, using: &rng, requiresGrad: true)
        let weights = Tensor.uniform([700, 64], low: -1, high: 1, using: &rng)
        let fused = Tensor.layerNorm(x, weight: w, bias: bias) + x.softmax(axis: -1) * 3
        (fused * weights).sum().backward()
        let grads = [x, w, bias].map { $0.grad!.scalars }
        for t in [x, w, bias] { t.clearGrad() }
        let xc = x - x.mean(axis: -1, keepDims: true)
        let composite = xc / (xc.pow(2).mean(axis: -1, keepDims: true) + 1e-5).sqrt() * w + bias
            + x.exp() / x.exp().sum(axis: -1, keepDims: true) * 3
        (composite * weights).sum().backward()
        for (a, c) in zip(fused.scalars, composite.scalars) { #expect(abs(a - c) < 1e-4) }
        for (name, (t, got)) in zip(["x", "weight", "bias"], zip([x, w, bias], grads)) {
            var worst: Float = 0
            for (g, c) in zip(got, t.grad!.scalars) { worst = max(worst, abs(g - c) / (1 + abs(c))) }
            #expect(worst < 1e-4, "\(name) gradient: worst relative difference \(worst)")
        }
    }
}

private extension Double {
    var float: Float { Float(self) }
}
