// The single-precision GEMM every matmul goes through, and the BLAS thread-count switch.
// Row-major only; see Sources/Tensors/README.md for which library backs it and why.

import CBLAS

/// The BLAS library behind matmul.
public enum BLAS {
    /// Sets the number of threads the GEMM may use (benchmarks compare 1 and 2).
    public static func setThreads(_ n: Int) {
        precondition(n >= 1, "BLAS.setThreads: \(n) threads requested, need at least 1")
        openblas_set_num_threads(Int32(n))
    }

    /// The number of threads the GEMM uses.
    public static var threads: Int { Int(openblas_get_num_threads()) }

    /// C[m×n] = alpha · op(A) · op(B) + beta · C, row-major; op(A) is m×k, op(B) is k×n.
    /// lda, ldb, ldc are the row lengths of A, B, C as stored.
    @inline(__always)
    static func sgemm(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float,
                      a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                      beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
        cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }
}
