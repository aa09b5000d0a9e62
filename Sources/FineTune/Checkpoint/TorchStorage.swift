// The storages of a PyTorch checkpoint: the pickle's persistent ids name them, the file supplies
// their bytes, and tensors are views of them (offset, shape, strides) copied out row-major.
// The policy here is the whole allow-list of the restricted unpickler.

/// Storage records by key, and the unpickler policy that creates them and the tensors on them.
final class StorageTable {
    private let source: String
    private var records: [String: StorageRecord] = [:]
    /// Storage keys in order of first reference.
    private(set) var keys: [String] = []

    init(source: String) { self.source = source }

    private func fail(_ what: String) -> FineTuneError { FineTuneError(.invalidCheckpoint, "\(source): \(what)") }

    /// PyTorch storage class names and the element types they hold.
    static let storageTypes: [String: SafeTensorsDType] = [
        "FloatStorage": .f32, "DoubleStorage": .f64, "HalfStorage": .f16, "BFloat16Storage": .bf16,
        "LongStorage": .i64, "IntStorage": .i32,
    ]

    /// Globals the checkpoint may name: nothing else is ever accepted.
    static func isAllowed(_ module: String, _ name: String) -> Bool {
        switch (module, name) {
        case ("collections", "OrderedDict"), ("torch._utils", "_rebuild_tensor_v2"), ("torch._utils", "_rebuild_tensor"),
             ("torch._utils", "_rebuild_parameter"):
            return true
        case ("torch", _): return name.hasSuffix("Storage")
        default: return false
        }
    }

    var policy: PicklePolicy {
        PicklePolicy(
            allowGlobal: StorageTable.isAllowed,
            reduce: { [unowned self] callable, args throws(FineTuneError) in try self.reduce(callable, args) },
            persistentLoad: { [unowned self] pid throws(FineTuneError) in try self.storage(pid) })
    }

    private func storage(_ pid: PickleValue) throws(FineTuneError) -> PickleValue {
        guard let t = pid.tuple, t.count >= 5, t[0].string == "storage" else {
            throw fail("persistent id \(pid.kind) is not a ('storage', type, key, location, size) tuple")
        }
        guard case .global(_, let typeName) = t[1] else { throw fail("storage type is a \(t[1].kind), not a torch storage class") }
        guard let dtype = StorageTable.storageTypes[typeName] else {
            throw fail("storage type torch.\(typeName) is not supported; readable: \(StorageTable.storageTypes.keys.sorted().joined(separator: ", "))")
        }
        guard let key = t[2].string, let count = t[4].int, count >= 0 else {
            throw fail("storage persistent id has key \(t[2].kind) and size \(t[4].kind); expected a string and a count")
        }
        if let existing = records[key] {
            guard existing.dtype == dtype else { throw fail("storage \(key) is used as both \(existing.dtype.rawValue) and \(dtype.rawValue)") }
            return .opaque(existing)
        }
        let r = StorageRecord(key: key, dtype: dtype, count: count)
        records[key] = r
        keys.append(key)
        return .opaque(r)
    }

    private func reduce(_ callable: PickleValue, _ args: [PickleValue]) throws(FineTuneError) -> PickleValue {
        guard case .global(let module, let name) = callable else { throw fail("REDUCE calls a \(callable.kind), not an accepted global") }
        switch (module, name) {
        case ("collections", "OrderedDict"):
            guard args.isEmpty else { throw fail("OrderedDict is built with \(args.count) arguments; only the empty call is accepted") }
            return .dict(PickleDict())
        case ("torch._utils", "_rebuild_tensor_v2"), ("torch._utils", "_rebuild_tensor"):
            guard args.count >= 4, case .opaque(let o) = args[0], let s = o as? StorageRecord,
                  let offset = args[1].int, let shapeValues = args[2].tuple, let strideValues = args[3].tuple else {
                throw fail("\(name) arguments are (\(args.map(\.kind).joined(separator: ", "))); expected (storage, offset, size, stride, …)")
            }
            let shape = shapeValues.compactMap(\.int), strides = strideValues.compactMap(\.int)
            guard shape.count == shapeValues.count, strides.count == shape.count, shape.allSatisfy({ $0 >= 0 }), offset >= 0 else {
                throw fail("tensor on storage \(s.key) has size \(shapeValues.map(\.kind)) and stride \(strideValues.map(\.kind)); expected equal-length lists of counts")
            }
            return .opaque(TensorRecord(storage: s, offset: offset, shape: shape, strides: strides))
        case ("torch._utils", "_rebuild_parameter"):
            guard let first = args.first else { throw fail("_rebuild_parameter without arguments") }
            return first
        default:
            throw fail("REDUCE of global \(module).\(name) is not accepted")
        }
    }

    /// Bytes per element of storage `key`, once the pickle has named it.
    func elementSize(key: String) -> Int? { records[key]?.dtype.byteCount }

    /// Attaches the bytes of storage `key`; their length must be its element count × element size.
    func setBytes(key: String, _ bytes: ArraySlice<UInt8>) throws(FineTuneError) {
        guard let r = records[key] else { return }   // a storage no tensor uses
        guard bytes.count == r.count * r.dtype.byteCount else {
            throw fail("storage \(key) holds \(bytes.count) bytes; \(r.count) \(r.dtype.rawValue) elements need \(r.count * r.dtype.byteCount)")
        }
        r.bytes = bytes
    }

    /// Copies tensor `t` out of its storage, row-major, converting to Float or Int64.
    func materialize(_ t: TensorRecord, name: String) throws(FineTuneError) -> TensorData {
        let s = t.storage
        guard let bytes = s.bytes else { throw fail("tensor \(name) uses storage \(s.key), whose bytes are missing") }
        let count = t.shape.reduce(1, *)
        if count > 0 {
            let last = t.offset + zip(t.shape, t.strides).reduce(0) { $0 + ($1.0 - 1) * $1.1 }
            guard t.strides.allSatisfy({ $0 >= 0 }), last < s.count else {
                throw fail("tensor \(name) (shape \(t.shape), stride \(t.strides), offset \(t.offset)) reaches past its storage \(s.key) of \(s.count) elements")
            }
        }
        // Element indices into the storage, row-major over the shape.
        var index = [Int](repeating: t.offset, count: count)
        if count > 0, !t.shape.isEmpty {
            var position = [Int](repeating: 0, count: t.shape.count)
            var linear = t.offset
            for i in 0..<count {
                index[i] = linear
                var axis = t.shape.count - 1
                while axis >= 0 {
                    position[axis] += 1
                    linear += t.strides[axis]
                    if position[axis] < t.shape[axis] { break }
                    linear -= t.strides[axis] * t.shape[axis]
                    position[axis] = 0
                    axis -= 1
                }
            }
        }
        let values: TensorData.Values = bytes.withUnsafeBytes { raw in
            func le(_ at: Int, _ size: Int) -> UInt64 {
                var v: UInt64 = 0
                for i in 0..<size { v |= UInt64(raw[at * size + i]) << (8 * UInt64(i)) }
                return v
            }
            switch s.dtype {
            case .f32: return .float(index.map { Float(bitPattern: UInt32(le($0, 4))) })
            case .f64: return .float(index.map { Float(Double(bitPattern: le($0, 8))) })
            case .f16: return .float(index.map { SafeTensors.floatFromHalf(UInt16(le($0, 2))) })
            case .bf16: return .float(index.map { Float(bitPattern: UInt32(le($0, 2)) << 16) })
            case .i64: return .int(index.map { Int64(bitPattern: le($0, 8)) })
            case .i32: return .int(index.map { Int64(Int32(truncatingIfNeeded: le($0, 4))) })
            }
        }
        return TensorData(dtype: s.dtype, shape: t.shape, values: values)
    }
}
