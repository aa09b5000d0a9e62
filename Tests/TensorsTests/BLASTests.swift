// The BLAS path: the loaded library's matmul against a naive triple loop element by element on
// odd shapes and every transpose combination, the kernel choice from CPU flags, thread control.

#if canImport(Glibc)
import Glibc
#endif
import Testing
@testable import Tensors

@Suite struct BLASTests {
    /// op(A)·op(B) by the textbook triple loop, in Double.
    static func naive(_ a: [Float], _ b: [Float], m: Int, n: Int, k: Int, tA: Bool, tB: Bool) -> [Double] {
        var c = [Double](repeating: 0, count: m * n)
        for i in 0..<m {
            for j in 0..<n {
                for p in 0..<k {
                    c[i * n + j] += Double(tA ? a[p * m + i] : a[i * k + p]) * Double(tB ? b[j * k + p] : b[p * n + j])
                }
            }
        }
        return c
    }

    @Test(arguments: [(false, false), (false, true), (true, false), (true, true)])
    func matmulMatchesNaiveLoop(_ tA: Bool, _ tB: Bool) {
        var rng = SeededRNG(seed: 3)
        for (m, n, k) in [(1, 1, 1), (7, 3, 5), (33, 65, 17), (64, 30, 129), (130, 97, 70)] {
            let a = (0..<(m * k)).map { _ in Float.random(in: -1...1, using: &rng) }
            let b = (0..<(k * n)).map { _ in Float.random(in: -1...1, using: &rng) }
            let ta = Tensor(shape: tA ? [k, m] : [m, k], scalars: a)
            let tb = Tensor(shape: tB ? [n, k] : [k, n], scalars: b)
            let got = Tensor.matmul(ta, tb, transposeA: tA, transposeB: tB)
            #expect(got.shape == [m, n])
            let want = BLASTests.naive(a, b, m: m, n: n, k: k, tA: tA, tB: tB)
            var worst = 0.0
            for (g, w) in zip(got.scalars, want) { worst = Swift.max(worst, Swift.abs(Double(g) - w)) }
            #expect(worst < 1e-5 * Double(k), "\(m)x\(n)x\(k) \(tA)/\(tB): worst element error \(worst)")
        }
    }

    @Test func batchedMatmulMatchesNaiveLoopPerBatch() {
        var rng = SeededRNG(seed: 4)
        let (bt, m, n, k) = (3, 9, 11, 13)
        let a = (0..<(bt * m * k)).map { _ in Float.random(in: -1...1, using: &rng) }
        let b = (0..<(bt * k * n)).map { _ in Float.random(in: -1...1, using: &rng) }
        let got = Tensor.matmul(Tensor(shape: [bt, m, k], scalars: a), Tensor(shape: [bt, k, n], scalars: b))
        for i in 0..<bt {
            let want = BLASTests.naive(Array(a[(i * m * k)..<((i + 1) * m * k)]), Array(b[(i * k * n)..<((i + 1) * k * n)]),
                                       m: m, n: n, k: k, tA: false, tB: false)
            for (j, w) in want.enumerated() { #expect(Swift.abs(Double(got.scalars[i * m * n + j]) - w) < 1e-4) }
        }
    }

    @Test func loadedLibraryPassesItsSelfCheck() {
        #expect(BLASLoader.selfCheck(BLASLoader.backend))
        #expect(!BLAS.backendDescription.isEmpty)
    }

    @Test func anOptimisedLibraryIsUsedWhereInstalled() throws {
        try #require(access("/usr/lib/x86_64-linux-gnu/libdnnl.so.2", R_OK) == 0
                     || access("/usr/lib/x86_64-linux-gnu/libopenblas.so.0", R_OK) == 0,
                     "neither oneDNN nor OpenBLAS is installed here; the fallback is covered by the self-check test")
        #expect(BLASLoader.backend.kind != .reference, "loaded \(BLAS.backendDescription); notes: \(BLAS.loadNotes)")
        #expect(!BLAS.backendDescription.contains("Prescott"), "\(BLAS.backendDescription)")
    }

    // Each fallback library in a fresh process (the choice is made once per process): it must
    // load when asked for first and agree with the naive GEMM.
    @Test(.enabled(if: SystemLibrary.installed("libopenblas.so.0"),
                   "OpenBLAS (Debian's libopenblas0) is not installed here; deploy/setup.sh installs it"))
    func openBLASFallbackLoadsWithAnAVXKernelAndIsCorrect() async throws {
        try await #require(processExitsWith: .success) {
            TensorSettings.use(TensorSettings(environment: ["RUNG_BLAS": "openblas"]))
            let b = BLASLoader.backend
            let flags = BLASLoader.cpuFlags()
            guard b.kind == .openBLAS, BLASLoader.selfCheck(b) else { exit(1) }
            if flags.contains("avx2") && b.description.contains("Prescott") { exit(2) }
            exit(0)
        }
    }

    @Test(.enabled(if: SystemLibrary.installed("libdnnl.so.2"),
                   "oneDNN (Debian's libdnnl2) is not installed here; deploy/test.sh installs it"))
    func oneDNNFallbackLoadsAndIsCorrect() async throws {
        try await #require(processExitsWith: .success) {
            TensorSettings.use(TensorSettings(environment: ["RUNG_BLAS": "onednn"]))
            let b = BLASLoader.backend
            BLAS.setThreads(1)
            guard b.kind == .oneDNN, BLAS.threads == 1, BLASLoader.selfCheck(b) else { exit(1) }
            exit(0)
        }
    }

    @Test(.enabled(if: SystemLibrary.installed("libblis.so.4"),
                   "BLIS (Debian's libblis4) is not installed here; deploy/test.sh installs it"))
    func blisFallbackLoadsAndIsCorrect() async throws {
        try await #require(processExitsWith: .success) {
            TensorSettings.use(TensorSettings(environment: ["RUNG_BLAS": "blis"]))
            let b = BLASLoader.backend
            exit(b.kind == .blis && BLASLoader.selfCheck(b) ? 0 : 1)
        }
    }

    @Test func chosenKernelIsNotLeftInTheEnvironment() async throws {
        try #require(access("/usr/lib/x86_64-linux-gnu/libopenblas.so.0", R_OK) == 0, "OpenBLAS is not installed here")
        try await #require(processExitsWith: .success) {
            unsetenv("OPENBLAS_CORETYPE")
            TensorSettings.use(TensorSettings(environment: ["RUNG_BLAS": "openblas"]))
            _ = BLASLoader.backend
            exit(getenv("OPENBLAS_CORETYPE") == nil ? 0 : 1)
        }
    }

    @Test func referenceGEMMIsTheLastResort() async throws {
        try await #require(processExitsWith: .success) {
            TensorSettings.use(TensorSettings(environment: ["RUNG_BLAS": "reference"]))
            let c = Tensor.matmul(Tensor(shape: [1, 2], scalars: [1, 2]), Tensor(shape: [2, 1], scalars: [3, 4]))
            exit(BLASLoader.backend.kind == .reference && c.scalars == [11] ? 0 : 1)
        }
    }

    @Test func referenceGEMMHonoursAlphaBetaAndStrides() {
        // A is 2×3 stored with row length 4; C starts at 1 and keeps half of it (beta 0.5).
        let a: [Float] = [1, 2, 3, 99, 4, 5, 6, 99]
        let b: [Float] = [1, 0, 0, 1, 1, 1]
        var c: [Float] = [1, 1, 1, 1]
        c.withUnsafeMutableBufferPointer { cp in
            ReferenceGEMM.sgemm(transA: false, transB: false, m: 2, n: 2, k: 3, alpha: 2, a: a, lda: 4,
                                b: b, ldb: 2, beta: 0.5, c: cp.baseAddress!, ldc: 2)
        }
        #expect(c == [8.5, 10.5, 20.5, 22.5])
    }

    @Test func kernelFamilyFollowsCPUFlags() {
        let avx512: Set = ["avx2", "fma", "avx512f", "avx512bw", "avx512vl", "avx512dq", "avx512cd"]
        #expect(BLASLoader.openBLASCoreType(flags: avx512.union(["avx512_bf16"])) == "Cooperlake")
        #expect(BLASLoader.openBLASCoreType(flags: avx512) == "SkylakeX")
        #expect(BLASLoader.openBLASCoreType(flags: ["avx2", "fma", "sse4_2"]) == "Haswell")
        #expect(BLASLoader.openBLASCoreType(flags: ["sse2", "sse4_2"]) == nil)
    }

    @Test func threadCountIsSettable() {
        let before = BLAS.threads
        BLAS.setThreads(1)
        if BLASLoader.backend.kind != .reference { #expect(BLAS.threads == 1) }
        BLAS.setThreads(Swift.max(before, 1))
    }
}
