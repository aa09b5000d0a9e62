// The element loops of the update rules, eight lanes at a time with a scalar tail. Each lane
// does exactly the scalar arithmetic, in the same order, so results are bit-identical to the
// scalar formulas (and to PyTorch's single-tensor code path up to its own rounding).
// Legend: n elements; p parameter, g gradient, m/v Adam moments, b momentum buffer, all [n].

#if arch(x86_64)
import _Builtin_intrinsics.intel
#endif

typealias Lanes = SIMD8<Float>

/// Lane-wise square root in two SSE instructions (the generic `squareRoot()` on a SIMD vector
/// calls `sqrtf` once per lane).
@inline(__always) private func sqrt(_ x: Lanes) -> Lanes {
    #if arch(x86_64)
    return Lanes(lowHalf: _mm_sqrt_ps(x.lowHalf), highHalf: _mm_sqrt_ps(x.highHalf))
    #else
    return x.squareRoot()
    #endif
}

@inline(__always) private func load(_ x: UnsafePointer<Float>, _ i: Int) -> Lanes {
    UnsafeRawPointer(x + i).loadUnaligned(as: Lanes.self)
}

@inline(__always) private func store(_ value: Lanes, _ x: UnsafeMutablePointer<Float>, _ i: Int) {
    UnsafeMutableRawPointer(x + i).storeBytes(of: value, as: Lanes.self)
}

enum UpdateKernels {
    /// Adam / AdamW on n elements. `l2` is added to the gradient times the parameter (Adam's
    /// weight decay, 0 for AdamW); `shrink` multiplies the parameter first (AdamW's 1 − lr·λ,
    /// 1 for Adam). Then m ← m + (1−β₁)(g − m), v ← β₂v + (1−β₂)g², p ← p − s·m / (√v / c₂ + ε).
    static func adam(n: Int, p: UnsafeMutablePointer<Float>, g: UnsafePointer<Float>,
                     m: UnsafeMutablePointer<Float>, v: UnsafeMutablePointer<Float>,
                     l2: Float, shrink: Float, w1: Float, b2: Float, w2: Float,
                     bc2Sqrt: Float, eps: Float, stepSize: Float) {
        let negStep = -stepSize
        var i = 0
        while i + Lanes.scalarCount <= n {
            var pi = load(p, i)
            let gi = load(g, i) + l2 * pi
            pi = pi * shrink
            let mi = load(m, i) + w1 * (gi - load(m, i))
            let vi = load(v, i) * b2 + w2 * (gi * gi)
            let denom = sqrt(vi) / bc2Sqrt + eps
            store(mi, m, i)
            store(vi, v, i)
            store(pi + negStep * (mi / denom), p, i)
            i += Lanes.scalarCount
        }
        while i < n {
            var pi = p[i]
            let gi = g[i] + l2 * pi
            pi = pi * shrink
            m[i] = m[i] + w1 * (gi - m[i])
            v[i] = v[i] * b2 + w2 * (gi * gi)
            let denom = v[i].squareRoot() / bc2Sqrt + eps
            p[i] = pi + negStep * (m[i] / denom)
            i += 1
        }
    }

    /// Plain SGD: p ← p − lr·(g + λp).
    static func sgd(n: Int, p: UnsafeMutablePointer<Float>, g: UnsafePointer<Float>, lr: Float, wd: Float) {
        let negLR = -lr
        var i = 0
        while i + Lanes.scalarCount <= n {
            let pi = load(p, i)
            store(pi + negLR * (load(g, i) + wd * pi), p, i)
            i += Lanes.scalarCount
        }
        while i < n {
            p[i] = p[i] + negLR * (g[i] + wd * p[i])
            i += 1
        }
    }

    /// SGD with momentum: d = g + λp; b ← d on the first step, else μb + (1−τ)d; the step
    /// direction is d + μb (Nesterov) or b; p ← p − lr·direction.
    static func sgdMomentum(n: Int, p: UnsafeMutablePointer<Float>, g: UnsafePointer<Float>, b: UnsafeMutablePointer<Float>,
                            lr: Float, wd: Float, mu: Float, keep: Float, first: Bool, nesterov: Bool) {
        let negLR = -lr
        var i = 0
        while i + Lanes.scalarCount <= n {
            let pi = load(p, i)
            let di = load(g, i) + wd * pi
            let bi = first ? di : load(b, i) * mu + keep * di
            store(bi, b, i)
            store(pi + negLR * (nesterov ? di + mu * bi : bi), p, i)
            i += Lanes.scalarCount
        }
        while i < n {
            let di = g[i] + wd * p[i]
            b[i] = first ? di : b[i] * mu + keep * di
            p[i] = p[i] + negLR * (nesterov ? di + mu * b[i] : b[i])
            i += 1
        }
    }
}
