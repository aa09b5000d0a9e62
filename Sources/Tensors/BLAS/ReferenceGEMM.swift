// The naive GEMM: the startup self-check's reference and the last-resort backend when no BLAS
// library loads or passes the check. Slow (no blocking, no SIMD beyond what the compiler does).
// Legend: M rows of op(A), N columns of op(B), K inner extent; row-major storage.

enum ReferenceGEMM {
    /// C = alpha · op(A) · op(B) + beta · C, accumulating each element in Double.
    static func sgemm(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float,
                      a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                      beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
        for i in 0..<m {
            for j in 0..<n {
                var s: Double = 0
                for p in 0..<k {
                    let x = transA ? a[p * lda + i] : a[i * lda + p]   // op(A)[i, p]
                    let y = transB ? b[j * ldb + p] : b[p * ldb + j]   // op(B)[p, j]
                    s += Double(x) * Double(y)
                }
                let old = beta == 0 ? 0 : Double(beta) * Double(c[i * ldc + j])
                c[i * ldc + j] = Float(Double(alpha) * s + old)
            }
        }
    }
}
