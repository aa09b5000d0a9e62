// The Tensor type: a shape over a shared Float32 storage, plus its place in the autodiff graph.
// Creation, element access and raw-buffer access live here; ops live under Ops/, the graph
// walk under Autograd.swift. No strides: every tensor is contiguous and row-major.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A contiguous, row-major Float32 tensor with reverse-mode autodiff.
///
/// Tensors are reference types (like PyTorch's): an op returns a new tensor that remembers its
/// inputs when any of them requires a gradient; `backward()` on a scalar result accumulates
/// `grad` into the leaf tensors that require it. Tensors are not `Sendable`: they stay inside
/// the task that made them.
public final class Tensor {
    /// Extent of each axis, outermost first. `[]` is a scalar.
    public let shape: [Int]
    /// Number of elements (product of `shape`, 1 for a scalar).
    public let count: Int
    /// The buffer; shared with views made by `reshape` and `detach`.
    public let storage: TensorStorage
    /// Whether gradients flow into this tensor. Set it on leaves (parameters); ops set it on
    /// their results when any input requires a gradient and gradients are enabled.
    public var requiresGrad: Bool
    /// Gradient buffer, same element count as `storage`; nil until a backward pass reaches it.
    var gradStorage: TensorStorage?
    /// How this tensor was computed; nil for leaves and for results that need no gradient.
    var node: Node?

    /// Wraps `storage` with `shape`; the shape must describe exactly `storage.count` elements.
    public init(shape: [Int], storage: TensorStorage, requiresGrad: Bool = false) {
        let n = Tensor.elementCount(shape)
        precondition(n == storage.count,
                     "Tensor: shape \(shape) holds \(n) elements but the storage holds \(storage.count)")
        self.shape = shape
        self.count = n
        self.storage = storage
        self.requiresGrad = requiresGrad
    }

    /// A tensor of `shape` holding `scalars` in row-major order.
    public convenience init(shape: [Int], scalars: [Float], requiresGrad: Bool = false) {
        let n = Tensor.elementCount(shape)
        precondition(n == scalars.count,
                     "Tensor(shape:scalars:): shape \(shape) needs \(n) values, got \(scalars.count)")
        let s = scalars.withUnsafeBufferPointer { TensorStorage($0) }
        self.init(shape: shape, storage: s, requiresGrad: requiresGrad)
    }

    /// A tensor of `shape` with every element equal to `value`.
    public convenience init(shape: [Int], repeating value: Float, requiresGrad: Bool = false) {
        self.init(shape: shape, storage: TensorStorage(count: Tensor.elementCount(shape), repeating: value),
                  requiresGrad: requiresGrad)
    }

    /// A tensor of `shape` whose element at flat index `i` is `initializer(i)`.
    public convenience init(shape: [Int], requiresGrad: Bool = false, initializer: (Int) -> Float) {
        let n = Tensor.elementCount(shape)
        let s = TensorStorage(uninitializedCount: n)
        for i in 0..<n { s.base[i] = initializer(i) }
        self.init(shape: shape, storage: s, requiresGrad: requiresGrad)
    }

    /// A scalar (shape `[]`) tensor.
    public convenience init(_ value: Float, requiresGrad: Bool = false) {
        self.init(shape: [], repeating: value, requiresGrad: requiresGrad)
    }

    /// Zeros of `shape`.
    public static func zeros(_ shape: [Int], requiresGrad: Bool = false) -> Tensor {
        Tensor(shape: shape, repeating: 0, requiresGrad: requiresGrad)
    }

    /// Ones of `shape`.
    public static func ones(_ shape: [Int], requiresGrad: Bool = false) -> Tensor {
        Tensor(shape: shape, repeating: 1, requiresGrad: requiresGrad)
    }

    /// Uniform samples in `low..<high` drawn from `generator` (24 random bits per value).
    public static func uniform<G: RandomNumberGenerator>(
        _ shape: [Int], low: Float, high: Float, using generator: inout G, requiresGrad: Bool = false
    ) -> Tensor {
        let n = elementCount(shape)
        let s = TensorStorage(uninitializedCount: n)
        let width = high - low
        for i in 0..<n { s.base[i] = low + width * unitFloat(generator.next()) }
        return Tensor(shape: shape, storage: s, requiresGrad: requiresGrad)
    }

    /// A uniform value in [0, 1) from the top 24 bits of a random word (one generator call per
    /// value: the generic `Float.random(in:using:)` is several times slower across modules).
    @inline(__always)
    static func unitFloat(_ bits: UInt64) -> Float {
        Float(bits >> 40) * 0x1p-24
    }

    /// Standard-normal samples (Box–Muller) times `std`, drawn from `generator`.
    public static func normal<G: RandomNumberGenerator>(
        _ shape: [Int], std: Float = 1, using generator: inout G, requiresGrad: Bool = false
    ) -> Tensor {
        let n = elementCount(shape)
        let s = TensorStorage(uninitializedCount: n)
        var i = 0
        while i < n {
            let u1 = 1 - unitFloat(generator.next())   // in (0, 1]: log stays finite
            let u2 = unitFloat(generator.next())
            let r = (-2 * logf(u1)).squareRoot() * std
            s.base[i] = r * cosf(2 * .pi * u2)
            if i + 1 < n { s.base[i + 1] = r * sinf(2 * .pi * u2) }
            i += 2
        }
        return Tensor(shape: shape, storage: s, requiresGrad: requiresGrad)
    }

    /// Number of axes.
    public var rank: Int { shape.count }

    /// The elements in row-major order (a copy).
    public var scalars: [Float] { Array(UnsafeBufferPointer(start: storage.base, count: count)) }

    /// The single element of a one-element tensor.
    public var item: Float {
        precondition(count == 1, "Tensor.item: tensor of shape \(shape) has \(count) elements, not 1")
        return storage.base[0]
    }

    /// Element at a multi-index (slow; for tests and inspection).
    public subscript(_ index: Int...) -> Float {
        storage.base[flatIndex(index)]
    }

    /// Row-major flat offset of a multi-index, checked against the shape.
    public func flatIndex(_ index: [Int]) -> Int {
        precondition(index.count == rank, "Tensor: index \(index) has \(index.count) axes, shape \(shape) has \(rank)")
        var off = 0
        for (i, (x, n)) in zip(index, shape).enumerated() {
            precondition(x >= 0 && x < n, "Tensor: index \(index) out of range on axis \(i) of shape \(shape)")
            off = off * n + x
        }
        return off
    }

    /// Read access to the elements.
    public func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<Float>) throws -> R) rethrows -> R {
        try body(UnsafeBufferPointer(start: storage.base, count: count))
    }

    /// In-place write access to the elements (optimizer updates, initialisation, loading).
    /// Writing into a tensor that an unfinished graph still uses changes what backward computes.
    public func withUnsafeMutableBufferPointer<R>(_ body: (UnsafeMutableBufferPointer<Float>) throws -> R) rethrows -> R {
        storage.version &+= 1
        return try body(UnsafeMutableBufferPointer(start: storage.base, count: count))
    }

    /// Copies `values` (same count) into this tensor's storage in place.
    public func assign(_ values: [Float]) {
        precondition(values.count == count, "Tensor.assign: \(values.count) values for shape \(shape)")
        storage.version &+= 1
        values.withUnsafeBufferPointer { storage.base.update(from: $0.baseAddress!, count: count) }
    }

    /// Product of the extents (1 for a scalar); extents must be non-negative.
    static func elementCount(_ shape: [Int]) -> Int {
        var n = 1
        for d in shape {
            precondition(d >= 0, "Tensor: negative extent in shape \(shape)")
            n *= d
        }
        return n
    }
}

extension Tensor: CustomStringConvertible {
    /// Shape and up to the first eight elements.
    public var description: String {
        let head = scalars.prefix(8).map { "\($0)" }.joined(separator: ", ")
        return "Tensor(shape: \(shape), [\(head)\(count > 8 ? ", …" : "")]\(requiresGrad ? ", requiresGrad" : ""))"
    }
}
