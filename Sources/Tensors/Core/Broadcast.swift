// NumPy broadcasting: the result shape of two shapes, and an iteration plan that walks a
// contiguous result while reading (or accumulating into) broadcast operands through strides.
// Adjacent axes that stay contiguous are merged, so same-shape and bias cases run as long loops.

/// Shape helpers shared by the ops.
enum Shapes {
    /// The NumPy broadcast of two shapes (align right; extents must match or be 1).
    static func broadcast(_ a: [Int], _ b: [Int], op: String) -> [Int] {
        let r = Swift.max(a.count, b.count)
        var out = [Int](repeating: 1, count: r)
        for i in 0..<r {
            let x = i < r - a.count ? 1 : a[i - (r - a.count)]
            let y = i < r - b.count ? 1 : b[i - (r - b.count)]
            precondition(x == y || x == 1 || y == 1,
                         "\(op): shapes \(a) and \(b) cannot be broadcast together (axis \(i): \(x) vs \(y))")
            out[i] = x == 1 ? y : x
        }
        return out
    }

    /// Row-major strides of `shape` seen inside `out` (right-aligned), 0 on broadcast axes.
    static func broadcastStrides(_ shape: [Int], in out: [Int]) -> [Int] {
        var strides = [Int](repeating: 0, count: out.count)
        var s = 1
        var i = shape.count - 1
        var j = out.count - 1
        while i >= 0 {
            strides[j] = shape[i] == 1 && out[j] != 1 ? 0 : s
            s *= shape[i]
            i -= 1
            j -= 1
        }
        return strides
    }

    /// Normalises a possibly negative axis for a tensor of `rank`.
    static func axis(_ axis: Int, rank: Int, op: String) -> Int {
        let a = axis < 0 ? axis + rank : axis
        precondition(a >= 0 && a < rank, "\(op): axis \(axis) is out of range for rank \(rank)")
        return a
    }
}

/// Walks a contiguous result of shape `out` with two operands read through broadcast strides.
/// Axes are merged where both operands stay contiguous across them; each innermost run is
/// handed to a closure that loops over it.
struct BroadcastPlan {
    /// Merged extents (at least one axis).
    var dims: [Int]
    /// Strides of operand a and b over the merged axes.
    var sa: [Int]
    var sb: [Int]

    init(out: [Int], a: [Int], b: [Int]) {
        let ra = Shapes.broadcastStrides(a, in: out)
        let rb = Shapes.broadcastStrides(b, in: out)
        var d: [Int] = []
        var xa: [Int] = []
        var xb: [Int] = []
        for i in 0..<out.count where out[i] != 1 {
            if let last = d.last, xa.last! == ra[i] * out[i], xb.last! == rb[i] * out[i] {
                d[d.count - 1] = last * out[i]
                xa[xa.count - 1] = ra[i]
                xb[xb.count - 1] = rb[i]
            } else {
                d.append(out[i])
                xa.append(ra[i])
                xb.append(rb[i])
            }
        }
        if d.isEmpty { d = [1]; xa = [0]; xb = [0] }
        dims = d
        sa = xa
        sb = xb
    }

    /// Calls `run(offsetA, offsetB, offsetOut, length, strideA, strideB)` for every innermost run.
    @inline(__always)
    func forEachRun(_ run: (Int, Int, Int, Int, Int, Int) -> Void) {
        if dims.contains(0) { return }   // an empty result has no runs
        let r = dims.count
        let n = dims[r - 1]
        let ia = sa[r - 1]
        let ib = sb[r - 1]
        if r == 1 { run(0, 0, 0, n, ia, ib); return }
        var idx = [Int](repeating: 0, count: r - 1)
        var oa = 0
        var ob = 0
        var oo = 0
        while true {
            run(oa, ob, oo, n, ia, ib)
            oo += n
            var k = r - 2
            while k >= 0 {
                idx[k] += 1
                oa += sa[k]
                ob += sb[k]
                if idx[k] < dims[k] { break }
                oa -= sa[k] * dims[k]
                ob -= sb[k] * dims[k]
                idx[k] = 0
                k -= 1
            }
            if k < 0 { return }
        }
    }
}

/// Kernels built on the plan.
enum BroadcastKernels {
    /// dst (shape `dstShape`) += sum of src (contiguous, shape `srcShape`) over the axes that
    /// `dstShape` broadcasts; the reverse of broadcasting.
    static func accumulateReduced(_ src: UnsafePointer<Float>, srcShape: [Int],
                                  into dst: UnsafeMutablePointer<Float>, dstShape: [Int]) {
        if srcShape == dstShape || Tensor.elementCount(srcShape) == Tensor.elementCount(dstShape) {
            Kernels.addParallel(into: dst, from: src, count: Tensor.elementCount(srcShape))
            return
        }
        let plan = BroadcastPlan(out: srcShape, a: dstShape, b: srcShape)
        plan.forEachRun { od, os, _, n, sd, ss in
            if sd == 1 && ss == 1 {
                Kernels.add(into: dst + od, from: src + os, count: n)
            } else if sd == 0 {
                var acc: Float = 0
                for j in 0..<n { acc += src[os + j * ss] }
                dst[od] += acc
            } else {
                for j in 0..<n { dst[od + j * sd] += src[os + j * ss] }
            }
        }
    }

    /// out (contiguous, shape `outShape`) = a broadcast to `outShape` (a plain copy when same size).
    static func expand(_ a: UnsafePointer<Float>, shape: [Int], to outShape: [Int],
                       into out: UnsafeMutablePointer<Float>) {
        let plan = BroadcastPlan(out: outShape, a: shape, b: outShape)
        plan.forEachRun { oa, _, oo, n, ia, _ in
            for j in 0..<n { out[oo + j] = a[oa + j * ia] }
        }
    }
}
