// The single-precision GEMM every matmul goes through, and the BLAS thread-count switch.
// Row-major only. Which library backs it is decided once per process by BLASLoader (see
// Sources/Tensors/README.md for the measurements behind the choice).

/// The BLAS library behind matmul: loaded automatically on first use, no setup needed.
public enum BLAS {
    /// Sets the number of threads the GEMM may use, process-wide (benchmarks compare 1 and 2).
    public static func setThreads(_ n: Int) {
        precondition(n >= 1, "BLAS.setThreads: \(n) threads requested, need at least 1")
        if let own = BLASLoader.backend.ownThreads { own.value = n } else { BLASLoader.backend.setThreads?(n) }
    }

    /// The number of threads the GEMM (and the elementwise kernels around it) use.
    public static var threads: Int {
        let backend = BLASLoader.backend
        return backend.ownThreads?.value ?? backend.getThreads?() ?? 1
    }

    /// Whether GEMMs called from several threads at once each run on their caller's thread only
    /// (the library is kept at one thread and Rung splits large GEMMs itself).
    static var splitsItself: Bool { BLASLoader.backend.ownThreads != nil }

    /// Which library computes GEMMs, e.g. "OpenBLAS (Cooperlake kernels, chosen from CPU flags)".
    public static var backendDescription: String { BLASLoader.backend.description }

    /// What loading tried and rejected, one line each (empty when the first choice loaded).
    public static var loadNotes: [String] {
        _ = BLASLoader.backend
        return BLASLoader.notes
    }

    /// C[m×n] = alpha · op(A) · op(B) + beta · C, row-major; op(A) is m×k, op(B) is k×n.
    /// lda, ldb, ldc are the row lengths of A, B, C as stored.
    @inline(__always)
    static func sgemm(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float,
                      a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                      beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
        guard m > 0 && n > 0 else { return }
        if k == 0 {   // some libraries skip the beta scaling when k is 0
            for i in 0..<m { for j in 0..<n { c[i * ldc + j] = beta == 0 ? 0 : beta * c[i * ldc + j] } }
            return
        }
        var backend = BLASLoader.backend
        if let own = backend.ownThreads, m * n * k >= 1 << 19 {
            if let large = BLASLoader.largeGEMM { backend = large }
            if own.value > 1 {
                splitGEMM(backend, parts: own.value, transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha,
                          a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
                return
            }
        }
        backend.gemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda,
                     b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
    }

    /// One GEMM as single-threaded GEMMs on blocks of C's rows (or columns, when C is wider than
    /// tall), claimed by `parts` threads of the worker pool. Blocks are multiples of 16.
    static func splitGEMM(_ backend: GEMMBackend, parts: Int, transA: Bool, transB: Bool, m: Int, n: Int, k: Int,
                          alpha: Float, a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                          beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
        let byRows = m >= n
        let extent = byRows ? m : n
        // `blocksPerThread` blocks per thread (at least 64 rows or columns each): threads claim
        // blocks as they come free, so with several a thread the OS runs late holds up less.
        let wanted = Swift.max(1, Swift.min(parts * blocksPerThread, extent / 64))
        let step = ((extent + wanted - 1) / wanted + 15) / 16 * 16
        let blocks = (extent + step - 1) / step
        guard blocks > 1 else {
            backend.gemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda,
                         b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
            return
        }
        Parallel.run(parts: blocks) { p in
            let lo = p * step, len = Swift.min(step, extent - lo)
            if byRows {   // rows lo..<lo+len of op(A) and C
                backend.gemm(transA: transA, transB: transB, m: len, n: n, k: k, alpha: alpha,
                             a: a + (transA ? lo : lo * lda), lda: lda, b: b, ldb: ldb, beta: beta, c: c + lo * ldc, ldc: ldc)
            } else {      // columns lo..<lo+len of op(B) and C
                backend.gemm(transA: transA, transB: transB, m: m, n: len, k: k, alpha: alpha, a: a, lda: lda,
                             b: b + (transB ? lo * ldb : lo), ldb: ldb, beta: beta, c: c + lo, ldc: ldc)
            }
        }
    }

    /// Blocks of a split GEMM per thread: 1 by default (each block packs B again; one block per
    /// thread measured 7–10% faster than four on a quiet machine, four hold up better when another
    /// process takes a core); `TensorSettings.gemmBlocksPerThread`
    /// (`RUNG_GEMM_BLOCKS_PER_THREAD`, 1…16) overrides it for measurements. Read once.
    static let blocksPerThread: Int = {
        let n = TensorSettings.current.gemmBlocksPerThread
        return (1...16).contains(n) ? n : 1
    }()

    /// A GEMM on the calling thread only, for callers that spread many small GEMMs over the
    /// worker pool themselves. m, n, k must be positive.
    @inline(__always)
    static func sgemmOnThisThread(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float,
                                  a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                                  beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
        BLASLoader.backend.gemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda,
                                b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
    }
}
