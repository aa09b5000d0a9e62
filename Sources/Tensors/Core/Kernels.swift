// Small loops shared by backward rules, written as plain functions of pointers: inside the
// backward closures the compiler cannot rule out aliasing and leaves such loops scalar, while
// here it adds a run-time overlap check and vectorises them.

enum Kernels {
    /// dst[i] += src[i] for i in 0..<n.
    @inline(never)
    static func add(into dst: UnsafeMutablePointer<Float>, from src: UnsafePointer<Float>, count n: Int) {
        for i in 0..<n { dst[i] += src[i] }
    }

    /// dst[i] += src[i], split over the worker threads when long.
    static func addParallel(into dst: UnsafeMutablePointer<Float>, from src: UnsafePointer<Float>, count n: Int) {
        Parallel.forRanges(n) { r in add(into: dst + r.lowerBound, from: src + r.lowerBound, count: r.count) }
    }

    /// dst[j] += Σ_r src[r·cols + j]: column sums of a rows×cols matrix added into dst
    /// (columns split over the worker threads when the matrix is large).
    static func addColumnSums(into dst: UnsafeMutablePointer<Float>, from src: UnsafePointer<Float>, rows: Int, cols: Int) {
        let perColumn = Swift.max(rows, 1)
        Parallel.forRanges(cols, minimumPerThread: Swift.max(16, 32_768 / perColumn)) { c in
            for r in 0..<rows { add(into: dst + c.lowerBound, from: src + r * cols + c.lowerBound, count: c.count) }
        }
    }

    /// Σ p[i] for i in 0..<n, in 16 lanes.
    @inline(__always)
    static func sum(_ p: UnsafePointer<Float>, _ n: Int) -> Float {
        var acc = SIMD16<Float>(repeating: 0)
        let raw = UnsafeRawPointer(p)
        var i = 0
        while i + 16 <= n {
            acc += raw.loadUnaligned(fromByteOffset: i * 4, as: SIMD16<Float>.self)
            i += 16
        }
        var total = acc.sum()
        while i < n { total += p[i]; i += 1 }
        return total
    }

    /// Σ p[i]·q[i] for i in 0..<n, in 16 lanes.
    @inline(__always)
    static func dot(_ p: UnsafePointer<Float>, _ q: UnsafePointer<Float>, _ n: Int) -> Float {
        var acc = SIMD16<Float>(repeating: 0)
        let rp = UnsafeRawPointer(p), rq = UnsafeRawPointer(q)
        var i = 0
        while i + 16 <= n {
            acc += rp.loadUnaligned(fromByteOffset: i * 4, as: SIMD16<Float>.self)
                * rq.loadUnaligned(fromByteOffset: i * 4, as: SIMD16<Float>.self)
            i += 16
        }
        var total = acc.sum()
        while i < n { total += p[i] * q[i]; i += 1 }
        return total
    }

    /// max p[i] for i in 0..<n (n ≥ 1), in 16 lanes.
    @inline(__always)
    static func maximum(_ p: UnsafePointer<Float>, _ n: Int) -> Float {
        let raw = UnsafeRawPointer(p)
        var i = 0
        var best = -Float.infinity
        if n >= 16 {
            // A compare and a select per vector (the generic pointwiseMax goes lane by lane).
            var acc = SIMD16<Float>(repeating: -.infinity)
            while i + 16 <= n {
                let v = raw.loadUnaligned(fromByteOffset: i * 4, as: SIMD16<Float>.self)
                acc.replace(with: v, where: v .> acc)
                i += 16
            }
            for lane in 0..<16 { best = Swift.max(best, acc[lane]) }
        }
        while i < n { best = Swift.max(best, p[i]); i += 1 }
        return best
    }
}
