// Batch normalisation with batch statistics (Ioffe & Szegedy, 2015) on NCHW tensors as one fused
// op: per-channel mean and biased variance over N, H, W, the affine map and an optional clamp
// (ReLU, ReLU6) in two passes forward and two backward. Legend: N batch, C channels, S = H·W,
// M = N·S values per channel. Channels are spread over the worker threads. Left out: running
// averages (the layer keeps those).

#if canImport(Glibc)
import Glibc
#endif

extension Tensor {
    /// y = clamp((x − μ_c) / √(σ²_c + ε) · weight[c] + bias[c], low, high) with μ, σ² the mean
    /// and biased variance of channel c over N, H, W. Returns y and the statistics (σ² biased,
    /// as a layer needs them for its running averages). Shapes: x [N, C, H, W], weight, bias [C].
    public static func batchNorm2d(_ x: Tensor, weight: Tensor, bias: Tensor, eps: Float,
                                   low: Float = -.infinity, high: Float = .infinity) -> (output: Tensor, mean: [Float], variance: [Float]) {
        precondition(x.rank == 4 && weight.shape == [x.shape[1]] && bias.shape == [x.shape[1]],
                     "batchNorm2d: input \(x.shape) needs NCHW with weight and bias [C], got \(weight.shape) and \(bias.shape)")
        precondition(low < high, "batchNorm2d: clamp range \(low)...\(high) is empty")
        let (n, c) = (x.shape[0], x.shape[1]), sz = x.shape[2] * x.shape[3], m = n * sz
        precondition(m > 1, "batchNorm2d: needs more than one value per channel, got input \(x.shape)")
        // Channels are independent: they are spread over the worker threads, each channel's sums
        // taken in the same order whatever the thread count (bit-identical results).
        let stats = UnsafeMutablePointer<Float>.allocate(capacity: 3 * c)   // mean [C], variance [C], 1/σ [C]
        defer { stats.deallocate() }
        let s = TensorStorage(uninitializedCount: x.count)
        let px = x.storage.base, pw = weight.storage.base, pb = bias.storage.base
        Parallel.forRanges(c, minimumPerThread: Swift.max(1, 16_384 / m), alignment: 1) { channels in
            for ch in channels {
                var total = 0.0
                for b in 0..<n { total += Double(Kernels.sum(px + (b * c + ch) * sz, sz)) }
                let mu = Float(total / Double(m))
                var dev = 0.0
                for b in 0..<n { dev += Double(EpilogueKernels.squaredDeviation(px + (b * c + ch) * sz, mu, count: sz)) }
                let v = Float(dev / Double(m))
                let inv = 1 / (v + eps).squareRoot()
                (stats[ch], stats[c + ch], stats[2 * c + ch]) = (mu, v, inv)
                let a = pw[ch] * inv, sh = pb[ch] - mu * a
                for b in 0..<n {
                    let off = (b * c + ch) * sz
                    EpilogueKernels.affine(px + off, a, sh, low, high, into: s.base + off, count: sz)
                }
            }
        }
        let mean = Array(UnsafeBufferPointer(start: stats, count: c))
        let variance = Array(UnsafeBufferPointer(start: stats + c, count: c))
        let invStd = Array(UnsafeBufferPointer(start: stats + 2 * c, count: c))
        let out = Tensor(shape: x.shape, storage: s)
        guard (x.requiresGrad || weight.requiresGrad || bias.requiresGrad) && Autograd.isEnabled else { return (out, mean, variance) }
        out.record([x, weight, bias]) { [mean, invStd] g in
            let dx = x.requiresGrad ? x.gradBuffer() : nil
            let dw = weight.requiresGrad ? weight.gradBuffer() : nil
            let db = bias.requiresGrad ? bias.gradBuffer() : nil
            mean.withUnsafeBufferPointer { meanBuf in
                invStd.withUnsafeBufferPointer { invBuf in
                    let (means, invs) = (meanBuf.baseAddress!, invBuf.baseAddress!)
                    Parallel.forRanges(c, minimumPerThread: Swift.max(1, 16_384 / m), alignment: 1) { channels in
                        for ch in channels {
                            Tensor.batchNorm2dBackward(channel: ch, x: px, g: g, n: n, c: c, sz: sz, mean: means[ch], invStd: invs[ch],
                                                       weight: weight.storage.base[ch], bias: bias.storage.base[ch],
                                                       low: low, high: high, dx: dx, dw: dw, db: db)
                        }
                    }
                }
            }
        }
        return (out, mean, variance)
    }
}

extension Tensor {
    /// The backward pass of `batchNorm2d` for one channel `ch`: x, g, dx [N, C, S]; dw, db [C].
    @inline(__always)
    static func batchNorm2dBackward(channel ch: Int, x px: UnsafePointer<Float>, g: UnsafePointer<Float>, n: Int, c: Int, sz: Int,
                                    mean mu: Float, invStd inv: Float, weight w: Float, bias: Float, low: Float, high: Float,
                                    dx: UnsafeMutablePointer<Float>?, dw: UnsafeMutablePointer<Float>?, db: UnsafeMutablePointer<Float>?) {
        let m = n * sz
        let a = w * inv, sh = bias - mu * a
        // gm = g where the clamp passes; Σ gm and Σ gm·x̂ with x̂ = (x − μ)·inv.
        var sgx: Float = 0, sg: Float = 0
        for b in 0..<n {
            let off = (b * c + ch) * sz
            let r = EpilogueKernels.affineBackward(px + off, g + off, a, sh, low, high, dx: nil, count: sz)
            sgx += r.gx
            sg += r.g
        }
        let sgxhat = (sgx - mu * sg) * inv
        dw?[ch] += sgxhat
        db?[ch] += sg
        guard let dx else { return }
        // dx = a·gm − a/M·Σgm − a/M·Σgm·x̂ · x̂  =  a·gm + k0 + kx·x
        let am = a / Float(m)
        let kx = -am * sgxhat * inv
        let k0 = -am * sg - kx * mu
        for b in 0..<n {
            let off = (b * c + ch) * sz
            EpilogueKernels.batchNormBackward(px + off, g + off, a, sh, low, high, k0: k0, kx: kx, dx: dx + off, count: sz)
        }
    }
}

extension EpilogueKernels {
    /// Σ (x[t] − mu)², in eight-lane partial sums.
    @inline(never)
    static func squaredDeviation(_ x: UnsafePointer<Float>, _ mu: Float, count: Int) -> Float {
        var acc = SIMD8<Float>()
        var t = 0
        while t + 8 <= count {
            let d = UnsafeRawPointer(x + t).loadUnaligned(as: SIMD8<Float>.self) - mu
            acc += d * d
            t += 8
        }
        var s = acc.sum()
        while t < count { s += (x[t] - mu) * (x[t] - mu); t += 1 }
        return s
    }

    /// dx[t] += a · gm[t] + k0 + kx · x[t], gm[t] = g[t] where low < x[t] · a + sh < high, else 0.
    @inline(never)
    static func batchNormBackward(_ x: UnsafePointer<Float>, _ g: UnsafePointer<Float>, _ a: Float, _ sh: Float,
                                  _ low: Float, _ high: Float, k0: Float, kx: Float, dx: UnsafeMutablePointer<Float>, count: Int) {
        typealias V = SIMD8<Float>
        var t = 0
        while t + 8 <= count {
            let xv = UnsafeRawPointer(x + t).loadUnaligned(as: V.self)
            let v = xv * a + sh
            let gm = V(repeating: 0).replacing(with: UnsafeRawPointer(g + t).loadUnaligned(as: V.self), where: (v .> low) .& (v .< high))
            let d = UnsafeRawPointer(dx + t).loadUnaligned(as: V.self) + a * gm + k0 + kx * xv
            UnsafeMutableRawPointer(dx + t).storeBytes(of: d, as: V.self)
            t += 8
        }
        while t < count {
            let v = x[t] * a + sh
            let gm = v > low && v < high ? g[t] : 0
            dx[t] += a * gm + k0 + kx * x[t]
            t += 1
        }
    }
}
