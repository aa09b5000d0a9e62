// Elementwise + − × ÷ between tensors with NumPy broadcasting, each with its gradient rule.
// Shapes: a, b broadcast to out; gradients are summed back over the broadcast axes.
// Scalar (Float) operands live in Unary.swift as parameterised unary rules.

extension Tensor {
    /// Elementwise sum with broadcasting.
    public static func + (a: Tensor, b: Tensor) -> Tensor {
        let out = binary(a, b, "+") { $0 + $1 }
        if needsGrad(a, b) {
            out.record([a, b]) { [shape = out.shape] g in
                if a.requiresGrad { accumulateBinaryGrad(into: a, out: shape, g, a, b) { g, _, _ in g } }
                if b.requiresGrad { accumulateBinaryGrad(into: b, out: shape, g, a, b) { g, _, _ in g } }
            }
        }
        return out
    }

    /// Elementwise difference with broadcasting.
    public static func - (a: Tensor, b: Tensor) -> Tensor {
        let out = binary(a, b, "-") { $0 - $1 }
        if needsGrad(a, b) {
            out.record([a, b]) { [shape = out.shape] g in
                if a.requiresGrad { accumulateBinaryGrad(into: a, out: shape, g, a, b) { g, _, _ in g } }
                if b.requiresGrad { accumulateBinaryGrad(into: b, out: shape, g, a, b) { g, _, _ in -g } }
            }
        }
        return out
    }

    /// Elementwise product with broadcasting (also the dropout-mask multiply: a mask that does
    /// not require a gradient gets none).
    public static func * (a: Tensor, b: Tensor) -> Tensor {
        let out = binary(a, b, "*") { $0 * $1 }
        if needsGrad(a, b) {
            out.record([a, b]) { [shape = out.shape] g in
                if a.requiresGrad { accumulateBinaryGrad(into: a, out: shape, g, a, b) { g, _, y in g * y } }
                if b.requiresGrad { accumulateBinaryGrad(into: b, out: shape, g, a, b) { g, x, _ in g * x } }
            }
        }
        return out
    }

    /// Elementwise quotient with broadcasting.
    public static func / (a: Tensor, b: Tensor) -> Tensor {
        let out = binary(a, b, "/") { $0 / $1 }
        if needsGrad(a, b) {
            out.record([a, b]) { [shape = out.shape] g in
                if a.requiresGrad { accumulateBinaryGrad(into: a, out: shape, g, a, b) { g, _, y in g / y } }
                if b.requiresGrad { accumulateBinaryGrad(into: b, out: shape, g, a, b) { g, x, y in -g * x / (y * y) } }
            }
        }
        return out
    }

    /// Forward of a broadcasting binary op: a fresh contiguous result.
    @inline(__always)
    static func binary(_ a: Tensor, _ b: Tensor, _ op: String, _ f: (Float, Float) -> Float) -> Tensor {
        let pa = a.storage.base
        let pb = b.storage.base
        if a.shape == b.shape {
            let s = TensorStorage(uninitializedCount: a.count)
            let po = s.base
            Parallel.forRanges(a.count) { r in
                let o = r.lowerBound
                runBinary(pa + o, 1, pb + o, 1, po + o, r.count, f)
            }
            return Tensor(shape: a.shape, storage: s)
        }
        let shape = Shapes.broadcast(a.shape, b.shape, op: op)
        let s = TensorStorage(uninitializedCount: elementCount(shape))
        let po = s.base
        BroadcastPlan(out: shape, a: a.shape, b: b.shape).forEachRun { oa, ob, oo, n, ia, ib in
            runBinary(pa + oa, ia, pb + ob, ib, po + oo, n, f)
        }
        return Tensor(shape: shape, storage: s)
    }

    /// One innermost run, with unit-stride and broadcast-scalar cases written out so they vectorise.
    @inline(__always)
    static func runBinary(_ pa: UnsafePointer<Float>, _ ia: Int, _ pb: UnsafePointer<Float>, _ ib: Int,
                          _ po: UnsafeMutablePointer<Float>, _ n: Int, _ f: (Float, Float) -> Float) {
        if ia == 1 && ib == 1 {
            for j in 0..<n { po[j] = f(pa[j], pb[j]) }
        } else if ia == 1 && ib == 0 {
            let y = pb[0]
            for j in 0..<n { po[j] = f(pa[j], y) }
        } else if ia == 0 && ib == 1 {
            let x = pa[0]
            for j in 0..<n { po[j] = f(x, pb[j]) }
        } else {
            for j in 0..<n { po[j] = f(pa[j * ia], pb[j * ib]) }
        }
    }

    /// dst[i] += h(g[i], a[i], b[i]) for i in 0..<n, a plain loop over pointers so it vectorises.
    @inline(__always)
    static func accumulateRun(_ dst: UnsafeMutablePointer<Float>, _ g: UnsafePointer<Float>, _ pa: UnsafePointer<Float>,
                              _ pb: UnsafePointer<Float>, _ n: Int, _ h: (Float, Float, Float) -> Float) {
        for i in 0..<n { dst[i] += h(g[i], pa[i], pb[i]) }
    }

    /// t.grad += (h(g, a, b) over the result shape) summed back to t's shape, where a and b are
    /// read broadcast. `t` is a or b.
    @inline(__always)
    static func accumulateBinaryGrad(into t: Tensor, out: [Int], _ g: UnsafePointer<Float>, _ a: Tensor, _ b: Tensor,
                                     _ h: (Float, Float, Float) -> Float) {
        let pa = UnsafePointer(a.storage.base)
        let pb = UnsafePointer(b.storage.base)
        let n = elementCount(out)
        let dst = t.gradBuffer()
        if a.shape == b.shape {
            Parallel.forRanges(n) { r in
                let o = r.lowerBound
                accumulateRun(dst + o, g + o, pa + o, pb + o, r.count, h)
            }
            return
        }
        let direct = t.count == n
        let tmp = direct ? dst : UnsafeMutablePointer<Float>.allocate(capacity: n)
        defer { if !direct { tmp.deallocate() } }
        BroadcastPlan(out: out, a: a.shape, b: b.shape).forEachRun { oa, ob, oo, len, ia, ib in
            if direct {
                for j in 0..<len { tmp[oo + j] += h(g[oo + j], pa[oa + j * ia], pb[ob + j * ib]) }
            } else {
                for j in 0..<len { tmp[oo + j] = h(g[oo + j], pa[oa + j * ia], pb[ob + j * ib]) }
            }
        }
        if !direct {
            BroadcastKernels.accumulateReduced(tmp, srcShape: out, into: dst, dstShape: t.shape)
        }
    }
}
