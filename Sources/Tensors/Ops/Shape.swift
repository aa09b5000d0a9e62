// Shape ops: reshape (a view on the same storage), transpose / swap of two axes, slice along an
// axis, concat, and gather of rows by index (the embedding lookup). All but reshape copy.
// Legend: O outer extent, L extent of the axis operated on, I inner extent.

extension Tensor {
    /// The same elements under another shape (one extent may be −1, inferred). Shares storage.
    public func reshape(_ newShape: [Int]) -> Tensor {
        var s = newShape
        if let hole = s.firstIndex(of: -1) {
            let known = s.enumerated().filter { $0.offset != hole }.reduce(1) { $0 * $1.element }
            precondition(known > 0 && count % known == 0, "reshape: cannot reshape \(shape) to \(newShape)")
            s[hole] = count / known
        }
        precondition(Tensor.elementCount(s) == count, "reshape: cannot reshape \(shape) (\(count) elements) to \(newShape)")
        let out = Tensor(shape: s, storage: storage)
        if Tensor.needsGrad(self) {
            out.record([self]) { [x = self] g in
                Kernels.add(into: x.gradBuffer(), from: g, count: x.count)
            }
        }
        return out
    }

    /// Transpose of a 2-D tensor.
    public func transpose() -> Tensor {
        precondition(rank == 2, "transpose(): needs a 2-D tensor, got \(shape); use transpose(_:_:)")
        return transpose(0, 1)
    }

    /// Swaps two axes (a copy).
    public func transpose(_ axis0: Int, _ axis1: Int) -> Tensor {
        let a0 = Shapes.axis(axis0, rank: rank, op: "transpose")
        let a1 = Shapes.axis(axis1, rank: rank, op: "transpose")
        var outShape = shape
        outShape.swapAt(a0, a1)
        let s = TensorStorage(uninitializedCount: count)
        Tensor.swapAxesCopy(storage.base, shape: shape, a0, a1, into: s.base, accumulate: false)
        let out = Tensor(shape: outShape, storage: s)
        if Tensor.needsGrad(self) {
            out.record([self]) { [x = self] g in
                Tensor.swapAxesCopy(g, shape: outShape, a0, a1, into: x.gradBuffer(), accumulate: true)
            }
        }
        return out
    }

    /// dst (contiguous, `shape` with a0 and a1 swapped) = or += src (contiguous, `shape`).
    static func swapAxesCopy(_ src: UnsafePointer<Float>, shape: [Int], _ a0: Int, _ a1: Int,
                             into dst: UnsafeMutablePointer<Float>, accumulate: Bool) {
        let n = elementCount(shape)
        guard n > 0 else { return }
        var inStrides = [Int](repeating: 1, count: shape.count)
        for i in stride(from: shape.count - 2, through: 0, by: -1) { inStrides[i] = inStrides[i + 1] * shape[i + 1] }
        var dims = shape
        dims.swapAt(a0, a1)
        var st = inStrides
        st.swapAt(a0, a1)
        let r = dims.count
        let inner = dims[r - 1], si = st[r - 1]
        var idx = [Int](repeating: 0, count: r)
        var off = 0
        var o = 0
        while o < n {
            if accumulate {
                for j in 0..<inner { dst[o + j] += src[off + j * si] }
            } else {
                for j in 0..<inner { dst[o + j] = src[off + j * si] }
            }
            o += inner
            var k = r - 2
            while k >= 0 {
                idx[k] += 1
                off += st[k]
                if idx[k] < dims[k] { break }
                off -= st[k] * dims[k]
                idx[k] = 0
                k -= 1
            }
            if k < 0 { break }
        }
    }

    /// Elements `range` along `axis` (a copy).
    public func slice(axis: Int, _ range: Range<Int>) -> Tensor {
        let a = Shapes.axis(axis, rank: rank, op: "slice")
        precondition(range.lowerBound >= 0 && range.upperBound <= shape[a],
                     "slice: range \(range) is outside axis \(axis) of shape \(shape)")
        let (o, l, inner) = splitAt(a)
        let len = range.count
        var outShape = shape
        outShape[a] = len
        let s = TensorStorage(uninitializedCount: o * len * inner)
        for i in 0..<o {
            (s.base + i * len * inner).update(from: storage.base + (i * l + range.lowerBound) * inner, count: len * inner)
        }
        let out = Tensor(shape: outShape, storage: s)
        if Tensor.needsGrad(self) {
            out.record([self]) { [x = self] g in
                let dx = x.gradBuffer()
                for i in 0..<o {
                    Kernels.add(into: dx + (i * l + range.lowerBound) * inner, from: g + i * len * inner, count: len * inner)
                }
            }
        }
        return out
    }

    /// Joins tensors along `axis`; all other extents must agree.
    public static func concat(_ parts: [Tensor], axis: Int) -> Tensor {
        precondition(!parts.isEmpty, "concat: no tensors given")
        let first = parts[0]
        let a = Shapes.axis(axis, rank: first.rank, op: "concat")
        for p in parts {
            precondition(p.rank == first.rank && (0..<p.rank).allSatisfy { $0 == a || p.shape[$0] == first.shape[$0] },
                         "concat: shapes \(parts.map(\.shape)) differ off axis \(axis)")
        }
        let (o, _, inner) = first.splitAt(a)
        let lens = parts.map { $0.shape[a] }
        let total = lens.reduce(0, +)
        var outShape = first.shape
        outShape[a] = total
        let s = TensorStorage(uninitializedCount: o * total * inner)
        var start = 0
        for (p, len) in zip(parts, lens) {
            for i in 0..<o {
                (s.base + (i * total + start) * inner).update(from: p.storage.base + i * len * inner, count: len * inner)
            }
            start += len
        }
        let out = Tensor(shape: outShape, storage: s)
        if parts.contains(where: \.requiresGrad) && Autograd.isEnabled {
            out.record(parts) { g in
                var start = 0
                for (p, len) in zip(parts, lens) {
                    if p.requiresGrad {
                        let dp = p.gradBuffer()
                        for i in 0..<o {
                            Kernels.add(into: dp + i * len * inner, from: g + (i * total + start) * inner, count: len * inner)
                        }
                    }
                    start += len
                }
            }
        }
        return out
    }

    /// Rows of this tensor (axis 0) picked by `indices` — the embedding lookup.
    /// Shapes: self [V, ...], indices of shape `indexShape` (default `[indices.count]`)
    /// → indexShape + self.shape.dropFirst(). Backward adds each row's gradient into its source row.
    public func gather(rows indices: [Int], indexShape: [Int]? = nil) -> Tensor {
        precondition(rank >= 1, "gather: needs at least one axis, got a scalar")
        let ishape = indexShape ?? [indices.count]
        precondition(Tensor.elementCount(ishape) == indices.count,
                     "gather: index shape \(ishape) does not hold \(indices.count) indices")
        let v = shape[0]
        let d = count / Swift.max(v, 1)
        let s = TensorStorage(uninitializedCount: indices.count * d)
        for (r, idx) in indices.enumerated() {
            precondition(idx >= 0 && idx < v, "gather: index \(idx) at position \(r) is outside 0..<\(v) of shape \(shape)")
            (s.base + r * d).update(from: storage.base + idx * d, count: d)
        }
        let out = Tensor(shape: ishape + shape.dropFirst(), storage: s)
        if Tensor.needsGrad(self) {
            out.record([self]) { [x = self] g in
                let dx = x.gradBuffer()
                for (r, idx) in indices.enumerated() {
                    Kernels.add(into: dx + idx * d, from: g + r * d, count: d)
                }
            }
        }
        return out
    }
}
