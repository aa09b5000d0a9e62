// A named tensor as stored in a checkpoint: element type, shape and values, held as plain
// arrays (no Tensor type), so checkpoint reading stands apart from the tensor core.
// Floating types are widened or narrowed to Float; integer types are kept as Int64.

/// Element types of the safetensors format that Rung reads.
public enum SafeTensorsDType: String, Sendable, Codable, CaseIterable {
    /// IEEE 754 binary32 (read and written).
    case f32 = "F32"
    /// IEEE 754 binary64 (read, narrowed to Float; written from Float values).
    case f64 = "F64"
    /// IEEE 754 binary16 (read, widened exactly to Float).
    case f16 = "F16"
    /// bfloat16, the top 16 bits of a binary32 (read, widened exactly to Float).
    case bf16 = "BF16"
    /// 64-bit signed integer (read and written as Int64).
    case i64 = "I64"
    /// 32-bit signed integer (read and written, held as Int64).
    case i32 = "I32"

    /// Bytes per element.
    public var byteCount: Int {
        switch self {
        case .f64, .i64: return 8
        case .f32, .i32: return 4
        case .f16, .bf16: return 2
        }
    }

    /// Position in the data area's layout order, highest first (the reference implementation's
    /// dtype order: I64, F64, F32, I32, BF16, F16).
    var layoutRank: Int {
        switch self {
        case .i64: return 5
        case .f64: return 4
        case .f32: return 3
        case .i32: return 2
        case .bf16: return 1
        case .f16: return 0
        }
    }

    /// Whether values of this type are held as `Float` (otherwise as `Int64`).
    public var isFloatingPoint: Bool {
        switch self {
        case .f32, .f64, .f16, .bf16: return true
        case .i64, .i32: return false
        }
    }
}

/// One tensor of a checkpoint: its stored element type, shape and row-major values.
public struct TensorData: Sendable, Equatable {
    /// Values of a tensor, as Float for floating types and Int64 for integer types.
    public enum Values: Sendable, Equatable {
        /// Floating-point values (F32, F64, F16, BF16).
        case float([Float])
        /// Integer values (I64, I32).
        case int([Int64])
    }

    /// The element type in the file.
    public var dtype: SafeTensorsDType
    /// The shape; `[]` is a scalar with one value.
    public var shape: [Int]
    /// Row-major values.
    public var values: Values

    /// Creates a tensor; stops with a message when the values do not fit the shape or type.
    public init(dtype: SafeTensorsDType, shape: [Int], values: Values) {
        let count = shape.reduce(1, *)
        precondition(shape.allSatisfy { $0 >= 0 }, "TensorData: negative dimension in shape \(shape)")
        switch values {
        case .float(let v):
            precondition(dtype.isFloatingPoint, "TensorData: Float values for integer dtype \(dtype.rawValue)")
            precondition(v.count == count, "TensorData: \(v.count) values for shape \(shape) (\(count) elements)")
        case .int(let v):
            precondition(!dtype.isFloatingPoint, "TensorData: integer values for floating dtype \(dtype.rawValue)")
            precondition(v.count == count, "TensorData: \(v.count) values for shape \(shape) (\(count) elements)")
        }
        self.dtype = dtype
        self.shape = shape
        self.values = values
    }

    /// An F32 tensor.
    public init(shape: [Int], floats: [Float]) {
        self.init(dtype: .f32, shape: shape, values: .float(floats))
    }

    /// An I64 tensor (or I32 when `dtype` says so).
    public init(shape: [Int], ints: [Int64], dtype: SafeTensorsDType = .i64) {
        self.init(dtype: dtype, shape: shape, values: .int(ints))
    }

    /// Number of elements (product of the shape).
    public var count: Int { shape.reduce(1, *) }

    /// The values as Float: floating values as they are, integers converted.
    public var floats: [Float] {
        switch values {
        case .float(let v): return v
        case .int(let v): return v.map { Float($0) }
        }
    }

    /// The integer values, or nil for a floating-point tensor.
    public var ints: [Int64]? {
        if case .int(let v) = values { return v }
        return nil
    }
}
