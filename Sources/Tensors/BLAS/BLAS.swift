// The single-precision GEMM every matmul goes through, and the BLAS thread-count switch.
// Row-major only. Which library backs it is decided once per process by BLASLoader (see
// Sources/Tensors/README.md for the measurements behind the choice).

/// The BLAS library behind matmul: loaded automatically on first use, no setup needed.
public enum BLAS {
    /// Sets the number of threads the GEMM may use (benchmarks compare 1 and 2).
    public static func setThreads(_ n: Int) {
        precondition(n >= 1, "BLAS.setThreads: \(n) threads requested, need at least 1")
        BLASLoader.backend.setThreads?(n)
    }

    /// The number of threads the GEMM uses.
    public static var threads: Int { BLASLoader.backend.getThreads?() ?? 1 }

    /// Which library and kernel family computes GEMMs, e.g. "OpenBLAS (Cooperlake kernels, …)".
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
        if let gemm = BLASLoader.backend.sgemm {
            gemm(101, transA ? 112 : 111, transB ? 112 : 111, Int32(m), Int32(n), Int32(k), alpha,
                 a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
        } else {
            ReferenceGEMM.sgemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda,
                                b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
        }
    }
}
