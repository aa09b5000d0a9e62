// Multi-head scaled dot-product attention as one op over [B, T, H] projections whose heads lie
// side by side in H: each head's GEMMs read and write its columns through the leading dimension
// (no split or merge copies), the 1/√dh scale rides in the GEMM's alpha, the padding bias and
// the softmax are one pass, and the (batch, head) pairs are spread over the worker threads.
// Leaves out dropout on the attention weights and causal masks.
// Legend: B batch, T positions, H hidden = heads · dh, P = B · heads pairs.

extension Tensor {
    /// softmax(Q_h · K_hᵀ / √dh + bias_b) · V_h for every batch entry b and head h, where head h
    /// is columns h·dh..<(h+1)·dh of the last axis. Shapes: query, key, value [B, T, H] →
    /// [B, T, H]; `bias` holds B·T values ([B, T] or [B, 1, T]) added to every query row's scores
    /// of batch entry b (0 for real tokens, a large negative number for padding); it receives no
    /// gradient. The same as splitting heads, `matmul`, `softmax` and merging heads again.
    public static func attention(query: Tensor, key: Tensor, value: Tensor, heads: Int, bias: Tensor? = nil) -> Tensor {
        precondition(query.rank == 3 && key.shape == query.shape && value.shape == query.shape,
                     "attention: query, key and value must share one [B, T, H] shape, got \(query.shape), \(key.shape), \(value.shape)")
        let b = query.shape[0], t = query.shape[1], hidden = query.shape[2]
        precondition(heads > 0 && hidden % heads == 0, "attention: \(heads) heads do not divide hidden size \(hidden)")
        if let bias { precondition(bias.count == b * t, "attention: bias \(bias.shape) must hold B·T = \(b * t) values") }
        let dh = hidden / heads, pairs = b * heads, tt = t * t
        let scale = 1 / Float(dh).squareRoot()
        let out = TensorStorage(uninitializedCount: query.count)
        guard query.count > 0 else { return Tensor(shape: query.shape, storage: out) }
        let probs = TensorStorage(uninitializedCount: pairs * tt)   // softmax weights, kept for backward
        let pq = UnsafePointer(query.storage.base), pk = UnsafePointer(key.storage.base)
        let pv = UnsafePointer(value.storage.base), pbias = bias.map { UnsafePointer($0.storage.base) }
        let pp = probs.base, po = out.base
        forEachPair(pairs) { pair in
            let bi = pair / heads, off = bi * t * hidden + (pair % heads) * dh
            let s = pp + pair * tt
            BLAS.sgemmOnThisThread(transA: false, transB: true, m: t, n: t, k: dh, alpha: scale, a: pq + off, lda: hidden,
                                   b: pk + off, ldb: hidden, beta: 0, c: s, ldc: t)
            for i in 0..<t { softmaxRowInPlace(s + i * t, bias: pbias.map { $0 + bi * t }, t) }
            BLAS.sgemmOnThisThread(transA: false, transB: false, m: t, n: dh, k: t, alpha: 1, a: s, lda: t,
                                   b: pv + off, ldb: hidden, beta: 0, c: po + off, ldc: hidden)
        }
        let result = Tensor(shape: query.shape, storage: out)
        guard query.requiresGrad || key.requiresGrad || value.requiresGrad, Autograd.isEnabled else { return result }
        result.record([query, key, value]) { g in
            let dq = query.requiresGrad ? query.gradBuffer() : nil
            let dk = key.requiresGrad ? key.gradBuffer() : nil
            let dv = value.requiresGrad ? value.gradBuffer() : nil
            let scratch = TensorStorage(uninitializedCount: pairs * tt)   // dP, then dS, per pair
            let pp = UnsafePointer(probs.base), pd = scratch.base
            forEachPair(pairs) { pair in
                let off = (pair / heads) * t * hidden + (pair % heads) * dh
                let p = pp + pair * tt, ds = pd + pair * tt
                // dP = G_h · V_hᵀ                                           [T, T]
                BLAS.sgemmOnThisThread(transA: false, transB: true, m: t, n: t, k: dh, alpha: 1, a: g + off, lda: hidden,
                                       b: pv + off, ldb: hidden, beta: 0, c: ds, ldc: t)
                if let dv {   // dV_h += Pᵀ · G_h                              [T, dh]
                    BLAS.sgemmOnThisThread(transA: true, transB: false, m: t, n: dh, k: t, alpha: 1, a: p, lda: t,
                                           b: g + off, ldb: hidden, beta: 1, c: dv + off, ldc: hidden)
                }
                guard dq != nil || dk != nil else { return }
                // dS = P ⊙ (dP − rowsum(dP ⊙ P)), in place; the scale goes into alpha below
                for i in 0..<t {
                    let row = ds + i * t, prow = p + i * t
                    let dot = Kernels.dot(row, prow, t)
                    for j in 0..<t { row[j] = prow[j] * (row[j] - dot) }
                }
                if let dq {   // dQ_h += scale · dS · K_h                      [T, dh]
                    BLAS.sgemmOnThisThread(transA: false, transB: false, m: t, n: dh, k: t, alpha: scale, a: ds, lda: t,
                                           b: pk + off, ldb: hidden, beta: 1, c: dq + off, ldc: hidden)
                }
                if let dk {   // dK_h += scale · dSᵀ · Q_h                     [T, dh]
                    BLAS.sgemmOnThisThread(transA: true, transB: false, m: t, n: dh, k: t, alpha: scale, a: ds, lda: t,
                                           b: pq + off, ldb: hidden, beta: 1, c: dk + off, ldc: hidden)
                }
            }
        }
        return result
    }

    /// Runs `body(pair)` for every pair in 0..<count, spread over the worker threads when the
    /// GEMM library runs on its caller's thread (else one after another).
    private static func forEachPair(_ count: Int, _ body: (Int) -> Void) {
        let threads = BLAS.splitsItself ? Swift.min(Parallel.threads, count) : 1
        if threads <= 1 {
            for pair in 0..<count { body(pair) }
            return
        }
        let parts = Swift.min(count, 8 * threads)   // claimed as threads come free
        Parallel.run(parts: parts) { part in
            for pair in stride(from: part, to: count, by: parts) { body(pair) }
        }
    }
}
