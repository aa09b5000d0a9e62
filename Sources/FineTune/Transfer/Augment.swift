// Seeded training-time augmentation of a batch [N, C, H, W] with one strength knob s in 0…1:
// a random shift of up to round(3·s·H/28) pixels on each axis (zeros fill in), and a horizontal
// flip with probability s/2. Leaves out rotation, scaling and blur (the image-data module's
// augmentation covers those).
import Tensors

/// Batch augmentation for image trials.
public enum Augment {
    /// The batch `x` augmented with strength `strength`, drawing from `generator`.
    public static func apply(_ x: Tensor, strength: Double, generator g: inout SplitMix64) -> Tensor {
        precondition(x.rank == 4, "Augment.apply: input must be NCHW, got \(x.shape)")
        let (n, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let maxShift = Int((3 * strength * Double(h) / 28).rounded())
        var out = [Float](repeating: 0, count: x.count)
        x.withUnsafeBufferPointer { src in
            for i in 0..<n {
                let dy = maxShift > 0 ? g.uniform(below: 2 * maxShift + 1) - maxShift : 0
                let dx = maxShift > 0 ? g.uniform(below: 2 * maxShift + 1) - maxShift : 0
                let flip = g.unitDouble() < strength / 2
                for ch in 0..<c {
                    let base = (i * c + ch) * h * w
                    for y in 0..<h {
                        let sy = y - dy
                        guard sy >= 0 && sy < h else { continue }
                        for xx in 0..<w {
                            var sx = xx - dx
                            guard sx >= 0 && sx < w else { continue }
                            if flip { sx = w - 1 - sx }
                            out[base + y * w + xx] = src[base + sy * w + sx]
                        }
                    }
                }
            }
        }
        return Tensor(shape: x.shape, scalars: out)
    }
}
