// Reductions: sum, mean and max over chosen axes (keepDims or not) or the whole tensor, and
// argmax. Legend for single-axis kernels: O outer extent, L reduced axis, I inner extent.
// Max sends its gradient to the first maximal element (PyTorch does the same for max(dim)).

extension Tensor {
    /// Sum over `axes` (negative counts from the end); reduced axes are kept as 1 when `keepDims`.
    public func sum(axes: [Int], keepDims: Bool = false) -> Tensor {
        let ax = Set(axes.map { Shapes.axis($0, rank: rank, op: "sum") })
        let kept = shape.enumerated().map { ax.contains($0.offset) ? 1 : $0.element }
        let s = TensorStorage(count: Tensor.elementCount(kept), repeating: 0)
        BroadcastKernels.accumulateReduced(storage.base, srcShape: shape, into: s.base, dstShape: kept)
        let outShape = keepDims ? kept : shape.enumerated().filter { !ax.contains($0.offset) }.map(\.element)
        let out = Tensor(shape: outShape, storage: s)
        if Tensor.needsGrad(self) {
            out.record([self]) { [x = self] g in
                let dx = x.gradBuffer()
                BroadcastPlan(out: x.shape, a: kept, b: x.shape).forEachRun { og, _, oo, n, ig, _ in
                    if ig == 0 {
                        let v = g[og]
                        for j in 0..<n { dx[oo + j] += v }
                    } else {
                        for j in 0..<n { dx[oo + j] += g[og + j * ig] }
                    }
                }
            }
        }
        return out
    }

    /// Sum over one axis.
    public func sum(axis: Int, keepDims: Bool = false) -> Tensor { sum(axes: [axis], keepDims: keepDims) }

    /// Sum of all elements, a scalar (shape `[]`).
    public func sum() -> Tensor { sum(axes: Array(0..<rank)) }

    /// Mean over `axes`.
    public func mean(axes: [Int], keepDims: Bool = false) -> Tensor {
        let ax = Set(axes.map { Shapes.axis($0, rank: rank, op: "mean") })
        let n = ax.reduce(1) { $0 * shape[$1] }
        return sum(axes: axes, keepDims: keepDims) * (1 / Float(n))
    }

    /// Mean over one axis.
    public func mean(axis: Int, keepDims: Bool = false) -> Tensor { mean(axes: [axis], keepDims: keepDims) }

    /// Mean of all elements, a scalar.
    public func mean() -> Tensor { sum() * (1 / Float(Swift.max(count, 1))) }

    /// Maximum over one axis.
    public func max(axis: Int, keepDims: Bool = false) -> Tensor {
        let a = Shapes.axis(axis, rank: rank, op: "max")
        let (o, l, inner) = splitAt(a)
        precondition(l > 0, "max: axis \(axis) of shape \(shape) is empty")
        let s = TensorStorage(uninitializedCount: o * inner)
        var arg = [Int32](repeating: 0, count: o * inner)
        let px = storage.base
        for i in 0..<o {
            for j in 0..<inner {
                var best = px[i * l * inner + j]
                var bi: Int32 = 0
                for t in 1..<l where px[(i * l + t) * inner + j] > best {
                    best = px[(i * l + t) * inner + j]
                    bi = Int32(t)
                }
                s.base[i * inner + j] = best
                arg[i * inner + j] = bi
            }
        }
        var outShape = shape
        if keepDims { outShape[a] = 1 } else { outShape.remove(at: a) }
        let out = Tensor(shape: outShape, storage: s)
        if Tensor.needsGrad(self) {
            out.record([self]) { [x = self] g in
                let dx = x.gradBuffer()
                for i in 0..<o {
                    for j in 0..<inner { dx[(i * l + Int(arg[i * inner + j])) * inner + j] += g[i * inner + j] }
                }
            }
        }
        return out
    }

    /// Maximum over several axes (one axis at a time).
    public func max(axes: [Int], keepDims: Bool = false) -> Tensor {
        let ax = Set(axes.map { Shapes.axis($0, rank: rank, op: "max") })
        var t = self
        for a in ax.sorted() { t = t.max(axis: a, keepDims: true) }
        return keepDims ? t : t.reshape(shape.enumerated().filter { !ax.contains($0.offset) }.map(\.element))
    }

    /// Maximum of all elements, a scalar.
    public func max() -> Tensor { reshape([count]).max(axis: 0) }

    /// Index of the first maximum along `axis`, for each position of the other axes (row-major
    /// over the shape without `axis`).
    public func argmax(axis: Int) -> [Int] {
        let a = Shapes.axis(axis, rank: rank, op: "argmax")
        let (o, l, inner) = splitAt(a)
        precondition(l > 0, "argmax: axis \(axis) of shape \(shape) is empty")
        var res = [Int](repeating: 0, count: o * inner)
        let px = storage.base
        for i in 0..<o {
            for j in 0..<inner {
                var best = px[i * l * inner + j]
                for t in 1..<l where px[(i * l + t) * inner + j] > best {
                    best = px[(i * l + t) * inner + j]
                    res[i * inner + j] = t
                }
            }
        }
        return res
    }

    /// Flat index of the first maximum.
    public func argmax() -> Int { reshape([count]).argmax(axis: 0)[0] }

    /// (product of axes before `a`, extent of `a`, product of axes after `a`).
    func splitAt(_ a: Int) -> (Int, Int, Int) {
        (shape[..<a].reduce(1, *), shape[a], shape[(a + 1)...].reduce(1, *))
    }
}
