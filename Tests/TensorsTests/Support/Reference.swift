// Double-precision reference forwards for the gradient checks, written independently of the
// library's kernels (plain index arithmetic, no broadcasting plan, no BLAS), plus a seeded RNG.
// Only what the tests need: small arrays, clarity over speed.

/// A row-major Double array with a shape.
struct Ref {
    var shape: [Int]
    var v: [Double]

    init(_ shape: [Int], _ v: [Double]) {
        precondition(shape.reduce(1, *) == v.count)
        self.shape = shape
        self.v = v
    }

    var count: Int { v.count }

    static func strides(_ shape: [Int]) -> [Int] {
        var s = [Int](repeating: 1, count: shape.count)
        var acc = 1
        for i in stride(from: shape.count - 1, through: 0, by: -1) { s[i] = acc; acc *= shape[i] }
        return s
    }

    static func unravel(_ flat: Int, _ shape: [Int]) -> [Int] {
        var idx = [Int](repeating: 0, count: shape.count)
        var f = flat
        for i in stride(from: shape.count - 1, through: 0, by: -1) { idx[i] = f % shape[i]; f /= shape[i] }
        return idx
    }

    static func ravel(_ idx: [Int], _ shape: [Int]) -> Int {
        var off = 0
        for (x, n) in zip(idx, shape) { off = off * n + x }
        return off
    }

    func map(_ f: (Double) -> Double) -> Ref { Ref(shape, v.map(f)) }

    /// NumPy broadcasting, by explicit index mapping.
    static func broadcast(_ a: Ref, _ b: Ref, _ f: (Double, Double) -> Double) -> Ref {
        let r = max(a.shape.count, b.shape.count)
        let pa = [Int](repeating: 1, count: r - a.shape.count) + a.shape
        let pb = [Int](repeating: 1, count: r - b.shape.count) + b.shape
        let out = zip(pa, pb).map { max($0, $1) }
        var res = [Double](repeating: 0, count: out.reduce(1, *))
        for i in 0..<res.count {
            let idx = unravel(i, out)
            let ia = zip(idx, pa).map { $1 == 1 ? 0 : $0 }
            let ib = zip(idx, pb).map { $1 == 1 ? 0 : $0 }
            res[i] = f(a.v[ravel(ia, pa)], b.v[ravel(ib, pb)])
        }
        return Ref(out, res)
    }

    /// op(a)·op(b) for 2-D arrays.
    static func matmul(_ a: Ref, _ b: Ref, tA: Bool = false, tB: Bool = false) -> Ref {
        let m = tA ? a.shape[1] : a.shape[0], k = tA ? a.shape[0] : a.shape[1]
        let n = tB ? b.shape[0] : b.shape[1]
        var c = [Double](repeating: 0, count: m * n)
        for i in 0..<m {
            for j in 0..<n {
                var s = 0.0
                for p in 0..<k {
                    let x = tA ? a.v[p * m + i] : a.v[i * k + p]
                    let y = tB ? b.v[j * k + p] : b.v[p * n + j]
                    s += x * y
                }
                c[i * n + j] = s
            }
        }
        return Ref([m, n], c)
    }

    /// Entry `i` of axis 0 as its own array.
    func index0(_ i: Int) -> Ref {
        let inner = Array(shape.dropFirst())
        let n = inner.reduce(1, *)
        return Ref(inner, Array(v[(i * n)..<((i + 1) * n)]))
    }

    /// Stacks arrays of equal shape along a new axis 0.
    static func stack(_ parts: [Ref]) -> Ref {
        Ref([parts.count] + parts[0].shape, parts.flatMap(\.v))
    }

    /// Sum over `axes`, keeping them as 1.
    func sum(axes: Set<Int>) -> Ref {
        let out = shape.enumerated().map { axes.contains($0.offset) ? 1 : $0.element }
        var res = [Double](repeating: 0, count: out.reduce(1, *))
        for i in 0..<count {
            let idx = Ref.unravel(i, shape).enumerated().map { axes.contains($0.offset) ? 0 : $0.element }
            res[Ref.ravel(idx, out)] += v[i]
        }
        return Ref(out, res)
    }

    /// Applies `f` to every line along `axis` (the line's values in order), writing its result back.
    func alongAxis(_ axis: Int, _ f: ([Double]) -> [Double]) -> Ref {
        var res = v
        let st = Ref.strides(shape)
        for i in 0..<count where Ref.unravel(i, shape)[axis] == 0 {
            let line = (0..<shape[axis]).map { v[i + $0 * st[axis]] }
            for (t, y) in f(line).enumerated() { res[i + t * st[axis]] = y }
        }
        return Ref(shape, res)
    }

    /// Reduces every line along `axis` to one value; the axis is kept as 1.
    func reduceAxis(_ axis: Int, _ f: ([Double]) -> Double) -> Ref {
        var out = shape
        out[axis] = 1
        var res = [Double](repeating: 0, count: out.reduce(1, *))
        let st = Ref.strides(shape)
        for i in 0..<count where Ref.unravel(i, shape)[axis] == 0 {
            let line = (0..<shape[axis]).map { v[i + $0 * st[axis]] }
            var idx = Ref.unravel(i, shape)
            idx[axis] = 0
            res[Ref.ravel(idx, out)] = f(line)
        }
        return Ref(out, res)
    }

    /// Swaps two axes.
    func swapAxes(_ a0: Int, _ a1: Int) -> Ref {
        var out = shape
        out.swapAt(a0, a1)
        var res = [Double](repeating: 0, count: count)
        for i in 0..<count {
            var idx = Ref.unravel(i, shape)
            idx.swapAt(a0, a1)
            res[Ref.ravel(idx, out)] = v[i]
        }
        return Ref(out, res)
    }
}

/// SplitMix64: small, seeded, reproducible.
struct SeededRNG: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E3779B97F4A7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58476D1CE4E5B9
        z = (z ^ (z >> 27)) &* 0x94D049BB133111EB
        return z ^ (z >> 31)
    }
}
