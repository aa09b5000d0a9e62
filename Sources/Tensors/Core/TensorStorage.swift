// The flat Float32 buffer behind a tensor: one allocation, freed when the last owner goes.
// It knows nothing of shapes or gradients; views (reshape, detach) share one storage.

/// A reference-counted, contiguous Float32 buffer.
///
/// Storage is shared by reference, not copied on write: ops never write into their inputs, they
/// allocate a fresh output, so sharing is safe for everything the graph does, and optimizers
/// need to update parameters in place while the autodiff graph still holds references to them
/// (copy-on-write would silently copy the parameter and leave the optimizer updating a twin).
/// This is PyTorch's model: in-place writes are explicit (`withUnsafeMutableBufferPointer`).
public final class TensorStorage {
    /// Number of Float32 elements.
    public let count: Int
    /// Start of the buffer (at least one element is allocated, so it is never dangling).
    let base: UnsafeMutablePointer<Float>
    /// How many in-place writes `Tensor.withUnsafeMutableBufferPointer` and `Tensor.assign` have
    /// made to this buffer (ops never write into their inputs, so nothing else changes it): a
    /// cache of values derived from a tensor compares it to see whether they are stale.
    public internal(set) var version = 0

    /// Allocates `count` uninitialised elements.
    init(uninitializedCount count: Int) {
        self.count = count
        base = UnsafeMutablePointer<Float>.allocate(capacity: Swift.max(count, 1))
    }

    /// Allocates `count` elements set to `value`.
    convenience init(count: Int, repeating value: Float) {
        self.init(uninitializedCount: count)
        base.initialize(repeating: value, count: count)
    }

    /// Allocates a copy of `values`.
    convenience init(_ values: UnsafeBufferPointer<Float>) {
        self.init(uninitializedCount: values.count)
        if let src = values.baseAddress { base.initialize(from: src, count: values.count) }
    }

    deinit { base.deallocate() }
}
