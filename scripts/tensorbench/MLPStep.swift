// Micro-benchmark of the tensor core: forward + backward + an AdamW update of the two MLPs the
// project benchmarks against PyTorch (30→256→256→2 at batch 64, 784→512→256→10 at batch 128),
// at 1 and 2 BLAS threads (taking turns). Prints steps/s. Built and run by scripts/bench-tensors.sh.
// The AdamW here is a minimal inline loop, not FineTune's optimizer.

import Tensors
#if canImport(Glibc)
import Glibc
#endif

struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E3779B97F4A7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58476D1CE4E5B9
        z = (z ^ (z >> 27)) &* 0x94D049BB133111EB
        return z ^ (z >> 31)
    }
}

func now() -> Double {
    var t = timespec()
    clock_gettime(CLOCK_MONOTONIC, &t)
    return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
}

@inline(never)
func adamW(_ w: UnsafeMutablePointer<Float>, _ g: UnsafePointer<Float>, _ m: UnsafeMutablePointer<Float>,
           _ v: UnsafeMutablePointer<Float>, _ n: Int,
           lr: Float, b1: Float, b2: Float, eps: Float, wd: Float, c1: Float, c2: Float) {
    let decay = 1 - lr * wd, ic1 = 1 / c1, ic2 = 1 / c2
    for j in 0..<n {
        let gj = g[j]
        let mj = b1 * m[j] + (1 - b1) * gj
        let vj = b2 * v[j] + (1 - b2) * gj * gj
        m[j] = mj
        v[j] = vj
        w[j] = w[j] * decay - lr * (mj * ic1) / ((vj * ic2).squareRoot() + eps)
    }
}

/// Steps/s for each thread count, best of five rounds; the thread counts take turns round by
/// round so that a busy, shared machine slows them alike.
func bench(sizes: [Int], batch: Int, threadCounts: [Int], seconds: Double) -> [Double] {
    var rng = SplitMix(state: 7)
    var params: [Tensor] = []
    for i in 0..<(sizes.count - 1) {
        let bound = 1 / Float(sizes[i]).squareRoot()
        params.append(Tensor.uniform([sizes[i + 1], sizes[i]], low: -bound, high: bound, using: &rng, requiresGrad: true))
        params.append(Tensor.uniform([sizes[i + 1]], low: -bound, high: bound, using: &rng, requiresGrad: true))
    }
    let m = params.map { Tensor.zeros($0.shape) }, v = params.map { Tensor.zeros($0.shape) }
    let x = Tensor.uniform([batch, sizes[0]], low: -1, high: 1, using: &rng)
    let labels = (0..<batch).map { _ in Int.random(in: 0..<sizes.last!, using: &rng) }
    var step = 0
    func trainStep() {
        for p in params { p.zeroGrad() }
        var h = x
        for l in 0..<(sizes.count - 1) {
            h = Tensor.linear(h, weight: params[2 * l], bias: params[2 * l + 1])
            if l < sizes.count - 2 { h = h.relu() }
        }
        Tensor.crossEntropy(logits: h, labels: labels).backward()
        step += 1
        let (lr, b1, b2, eps, wd): (Float, Float, Float, Float, Float) = (1e-3, 0.9, 0.999, 1e-8, 0.01)
        let c1 = 1 - powf(b1, Float(step)), c2 = 1 - powf(b2, Float(step))
        for (i, p) in params.enumerated() {
            // Raw base pointers and one simple loop: the compiler vectorises it (sqrt and divide
            // included) with a run-time overlap check.
            p.withUnsafeMutableBufferPointer { wb in
                p.grad!.withUnsafeBufferPointer { gb in
                    m[i].withUnsafeMutableBufferPointer { mb in
                        v[i].withUnsafeMutableBufferPointer { vb in
                            adamW(wb.baseAddress!, gb.baseAddress!, mb.baseAddress!, vb.baseAddress!, wb.count,
                                  lr: lr, b1: b1, b2: b2, eps: eps, wd: wd, c1: c1, c2: c2)
                        }
                    }
                }
            }
        }
    }
    for _ in 0..<20 { trainStep() }
    var best = [Double](repeating: 0, count: threadCounts.count)
    for _ in 0..<5 {
        for (i, threads) in threadCounts.enumerated() {
            BLAS.setThreads(threads)
            let t0 = now()
            var n = 0
            while now() - t0 < seconds / 5 { trainStep(); n += 1 }
            best[i] = max(best[i], Double(n) / (now() - t0))
        }
    }
    return best
}

func pad(_ s: String, _ n: Int) -> String { s + String(repeating: " ", count: max(0, n - s.count)) }

let seconds = CommandLine.arguments.count > 1 ? Double(CommandLine.arguments[1]) ?? 2 : 2
print("BLAS: \(BLAS.backendDescription)")
for note in BLAS.loadNotes { print("  note: \(note)") }
print("model              batch  threads  steps/s")
for (sizes, batch) in [([30, 256, 256, 2], 64), ([784, 512, 256, 10], 128)] {
    let rates = bench(sizes: sizes, batch: batch, threadCounts: [1, 2], seconds: seconds)
    for (threads, rate) in zip([1, 2], rates) {
        let name = sizes.map(String.init).joined(separator: "→")
        print(pad(name, 18), pad(String(batch), 6), pad(String(threads), 8), Int(rate))
    }
}
