// Matrix products through BLAS sgemm: 2-D, batched 3-D, and the fused linear layer x·Wᵀ + b.
// Legend: B batch, M rows of op(A), K inner extent, N columns of op(B); R rows of x, I in, O out.
// Backward passes use sgemm's transpose flags (no transposed copies) and beta = 1 to accumulate.

extension Tensor {
    /// Matrix product op(a) · op(b), where op transposes the last two axes when asked.
    /// Shapes: [M,K]·[K,N] → [M,N]; [B,M,K]·[B,K,N] → [B,M,N]; a 2-D operand is shared by
    /// every batch entry of a 3-D one.
    public static func matmul(_ a: Tensor, _ b: Tensor, transposeA: Bool = false, transposeB: Bool = false) -> Tensor {
        precondition((a.rank == 2 || a.rank == 3) && (b.rank == 2 || b.rank == 3),
                     "matmul: needs 2-D or 3-D operands, got \(a.shape) and \(b.shape)")
        let ra = a.shape.suffix(2).map { $0 }
        let rb = b.shape.suffix(2).map { $0 }
        let m = transposeA ? ra[1] : ra[0]
        let k = transposeA ? ra[0] : ra[1]
        let kb = transposeB ? rb[1] : rb[0]
        let n = transposeB ? rb[0] : rb[1]
        precondition(k == kb, "matmul: inner extents differ: \(a.shape)\(transposeA ? "ᵀ" : "") · \(b.shape)\(transposeB ? "ᵀ" : "")")
        let batchA = a.rank == 3 ? a.shape[0] : 1
        let batchB = b.rank == 3 ? b.shape[0] : 1
        precondition(a.rank == 2 || b.rank == 2 || batchA == batchB,
                     "matmul: batch extents differ: \(a.shape) · \(b.shape)")
        let batch = Swift.max(batchA, batchB)
        let outShape = a.rank == 3 || b.rank == 3 ? [batch, m, n] : [m, n]
        // [B,M,K]·[K,N] without transposing A is one GEMM over B·M rows.
        let fold = a.rank == 3 && b.rank == 2 && !transposeA
        let steps = fold ? 1 : batch
        let rows = fold ? batch * m : m
        let sa = a.rank == 3 && !fold ? m * k : 0
        let sb = b.rank == 3 ? k * n : 0
        let sc = rows * n
        let lda = ra[1], ldb = rb[1]
        let s = TensorStorage(uninitializedCount: batch * m * n)
        for i in 0..<steps {
            BLAS.sgemm(transA: transposeA, transB: transposeB, m: rows, n: n, k: k, alpha: 1,
                       a: a.storage.base + i * sa, lda: lda, b: b.storage.base + i * sb, ldb: ldb,
                       beta: 0, c: s.base + i * sc, ldc: n)
        }
        let out = Tensor(shape: outShape, storage: s)
        guard needsGrad(a, b) else { return out }
        let tA = transposeA, tB = transposeB
        out.record([a, b]) { g in
            if a.requiresGrad {
                let da = a.gradBuffer()
                for i in 0..<steps {
                    let gi = g + i * sc, bi = b.storage.base + i * sb, dai = da + i * sa
                    if !tA {   // dA = G · op(B)ᵀ            [rows,K]
                        BLAS.sgemm(transA: false, transB: !tB, m: rows, n: k, k: n, alpha: 1,
                                   a: gi, lda: n, b: bi, ldb: ldb, beta: 1, c: dai, ldc: k)
                    } else {   // dA = op(B) · Gᵀ            [K,M]
                        BLAS.sgemm(transA: tB, transB: true, m: k, n: m, k: n, alpha: 1,
                                   a: bi, lda: ldb, b: gi, ldb: n, beta: 1, c: dai, ldc: m)
                    }
                }
            }
            if b.requiresGrad {
                let db = b.gradBuffer()
                for i in 0..<steps {
                    let gi = g + i * sc, ai = a.storage.base + i * sa, dbi = db + i * sb
                    if !tB {   // dB = op(A)ᵀ · G            [K,N]
                        BLAS.sgemm(transA: !tA, transB: false, m: k, n: n, k: rows, alpha: 1,
                                   a: ai, lda: lda, b: gi, ldb: n, beta: 1, c: dbi, ldc: n)
                    } else {   // dB = Gᵀ · op(A)            [N,K]
                        BLAS.sgemm(transA: true, transB: tA, m: n, n: k, k: rows, alpha: 1,
                                   a: gi, lda: n, b: ai, ldb: lda, beta: 1, c: dbi, ldc: k)
                    }
                }
            }
        }
        return out
    }

    /// self · other (see `Tensor.matmul(_:_:transposeA:transposeB:)`).
    public func matmul(_ other: Tensor, transposeSelf: Bool = false, transposeOther: Bool = false) -> Tensor {
        Tensor.matmul(self, other, transposeA: transposeSelf, transposeB: transposeOther)
    }

    /// The affine map of a linear layer in PyTorch's layout: x · Wᵀ + b, with the bias add
    /// fused into the GEMM (C starts as b, then beta = 1).
    /// Shapes: x [..., I], weight [O, I], bias [O] or nil → [..., O].
    public static func linear(_ x: Tensor, weight: Tensor, bias: Tensor? = nil) -> Tensor {
        precondition(weight.rank == 2 && x.rank >= 1 && x.shape.last == weight.shape[1],
                     "linear: input \(x.shape) does not match weight \(weight.shape) (need [..., I] and [O, I])")
        let o = weight.shape[0], inF = weight.shape[1]
        let r = x.shape.dropLast().reduce(1, *)
        if let bias { precondition(bias.shape == [o], "linear: bias \(bias.shape) must be [\(o)] for weight \(weight.shape)") }
        let s = TensorStorage(uninitializedCount: r * o)
        if let bias {
            let pb = UnsafePointer(bias.storage.base), pc = s.base
            Parallel.forRanges(r, minimumPerThread: Swift.max(1, 65_536 / Swift.max(o, 1)), alignment: 1) { rows in
                for row in rows { (pc + row * o).initialize(from: pb, count: o) }
            }
        }
        BLAS.sgemm(transA: false, transB: true, m: r, n: o, k: inF, alpha: 1, a: x.storage.base, lda: inF,
                   b: weight.storage.base, ldb: inF, beta: bias == nil ? 0 : 1, c: s.base, ldc: o)
        let out = Tensor(shape: Array(x.shape.dropLast()) + [o], storage: s)
        let gradBias = bias?.requiresGrad ?? false
        guard needsGrad(x, weight) || (gradBias && Autograd.isEnabled) else { return out }
        out.record(bias.map { [x, weight, $0] } ?? [x, weight]) { g in
            if x.requiresGrad {      // dx = G · W          [R,I]
                BLAS.sgemm(transA: false, transB: false, m: r, n: inF, k: o, alpha: 1, a: g, lda: o,
                           b: weight.storage.base, ldb: inF, beta: 1, c: x.gradBuffer(), ldc: inF)
            }
            if weight.requiresGrad { // dW = Gᵀ · x         [O,I]
                BLAS.sgemm(transA: true, transB: false, m: o, n: inF, k: r, alpha: 1, a: g, lda: o,
                           b: x.storage.base, ldb: inF, beta: 1, c: weight.gradBuffer(), ldc: inF)
            }
            if let bias, bias.requiresGrad { // db = column sums of G
                Kernels.addColumnSums(into: bias.gradBuffer(), from: g, rows: r, cols: o)
            }
        }
        return out
    }
}
