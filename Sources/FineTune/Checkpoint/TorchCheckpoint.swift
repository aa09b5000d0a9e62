// Reading PyTorch checkpoints (torch.save of a state dict), tensors only, never executing pickled
// code: the zip format (torch ≥ 1.6: <name>/data.pkl + <name>/data/<key>) and the legacy format
// (magic number, protocol 1001, sys info, the pickle, storage keys, then raw storages).
// Left out: big-endian files, quantised and sparse tensors, storages of bool/byte/short types.

import Foundation
import ZIPFoundation

/// The tensors of a PyTorch checkpoint, under their state-dict names.
public struct TorchCheckpoint: Sendable {
    /// Tensor names in the order the checkpoint lists them.
    public var names: [String]
    /// The tensors by name, row-major, with PyTorch's element type mapped to safetensors' names.
    public var tensors: [String: TensorData]
    /// Entries that are not tensors (an `epoch` number, a config string), left out, by name.
    public var skipped: [String]

    /// The legacy format's magic number (the first pickle of the file).
    static let legacyMagic: [UInt8] = [0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19]   // 0x1950a86a20f9469cfc6c, little-endian

    /// Reads a checkpoint file in either format (a zip file starts with "PK").
    public static func read(_ url: URL) throws(FineTuneError) -> TorchCheckpoint {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw FineTuneError(.unreadableFile, "cannot read PyTorch checkpoint \(url.path) (\(error.localizedDescription))")
        }
        return try decode(data, source: url.path)
    }

    /// Decodes the bytes of a checkpoint; `source` names it in errors.
    public static func decode(_ data: Data, source: String) throws(FineTuneError) -> TorchCheckpoint {
        if data.starts(with: [0x50, 0x4b, 0x03, 0x04]) { return try decodeZip(data, source: source) }
        if data.first == 0x80 { return try decodeLegacy([UInt8](data), source: source) }
        throw FineTuneError(.invalidCheckpoint, "\(source): neither a zip archive (PyTorch ≥ 1.6) nor a legacy pickle stream (it starts with \(data.prefix(4).map { String(format: "%02x", $0) }.joined(separator: " ")))")
    }

    // MARK: Formats

    private static func decodeZip(_ data: Data, source: String) throws(FineTuneError) -> TorchCheckpoint {
        let archive: Archive
        do { archive = try Archive(data: data, accessMode: .read) } catch {
            throw FineTuneError(.invalidCheckpoint, "\(source): not a readable zip archive (\(error))")
        }
        guard let pkl = archive.first(where: { $0.path.hasSuffix("/data.pkl") || $0.path == "data.pkl" }) else {
            throw FineTuneError(.invalidCheckpoint, "\(source): the zip archive holds no data.pkl, so it is not a PyTorch checkpoint")
        }
        let prefix = String(pkl.path.dropLast("data.pkl".count))
        func entryBytes(_ path: String) throws(FineTuneError) -> [UInt8]? {
            guard let entry = archive[path] else { return nil }
            var out = [UInt8]()
            out.reserveCapacity(Int(entry.uncompressedSize))
            do { _ = try archive.extract(entry, skipCRC32: false) { out.append(contentsOf: $0) } } catch {
                throw FineTuneError(.invalidCheckpoint, "\(source): cannot extract \(path) (\(error))")
            }
            return out
        }
        if let order = try entryBytes(prefix + "byteorder"), String(decoding: order, as: UTF8.self) != "little" {
            throw FineTuneError(.invalidCheckpoint, "\(source): byte order \"\(String(decoding: order, as: UTF8.self))\" is not supported; only little-endian checkpoints are read")
        }
        let storages = StorageTable(source: source)
        guard let pickle = try entryBytes(pkl.path) else { throw FineTuneError(.invalidCheckpoint, "\(source): cannot read \(pkl.path)") }
        var vm = Unpickler(bytes: pickle, source: source + " " + pkl.path, policy: storages.policy)
        let root = try vm.load()
        for key in storages.keys {
            guard let bytes = try entryBytes(prefix + "data/" + key) else {
                throw FineTuneError(.invalidCheckpoint, "\(source): storage \(key) is referenced by the pickle but \(prefix)data/\(key) is missing")
            }
            try storages.setBytes(key: key, bytes[...])
        }
        return try collect(root, storages: storages, source: source)
    }

    private static func decodeLegacy(_ bytes: [UInt8], source: String) throws(FineTuneError) -> TorchCheckpoint {
        let storages = StorageTable(source: source)
        var vm = Unpickler(bytes: bytes, source: source, policy: storages.policy)
        let magic = try vm.load()
        guard case .bigInt(let m) = magic, m == legacyMagic else {
            throw FineTuneError(.invalidCheckpoint, "\(source): the first pickle is a \(magic.kind), not PyTorch's legacy magic number 0x1950a86a20f9469cfc6c")
        }
        vm = Unpickler(bytes: bytes, start: vm.position, source: source, policy: storages.policy)
        let protocolVersion = try vm.load()
        guard protocolVersion.int == 1001 else {
            throw FineTuneError(.invalidCheckpoint, "\(source): legacy protocol version is \(protocolVersion.int.map(String.init) ?? protocolVersion.kind), only 1001 is read")
        }
        vm = Unpickler(bytes: bytes, start: vm.position, source: source, policy: storages.policy)
        if case .dict(let info) = try vm.load(),
           let little = info.entries.first(where: { $0.key.string == "little_endian" })?.value, little.int == 0 {
            throw FineTuneError(.invalidCheckpoint, "\(source): the checkpoint was written big-endian; only little-endian checkpoints are read")
        }
        vm = Unpickler(bytes: bytes, start: vm.position, source: source, policy: storages.policy)
        let root = try vm.load()
        vm = Unpickler(bytes: bytes, start: vm.position, source: source, policy: storages.policy)
        guard let keys = try vm.load().tuple?.compactMap(\.string) else {
            throw FineTuneError(.invalidCheckpoint, "\(source): the storage key list after the pickle is missing")
        }
        var pos = vm.position
        for key in keys {
            guard pos + 8 <= bytes.count else {
                throw FineTuneError(.invalidCheckpoint, "\(source): the file ends before storage \(key) (byte \(pos))")
            }
            var n = 0
            for i in 0..<8 { n |= Int(bytes[pos + i]) << (8 * i) }
            pos += 8
            let byteCount = n * (storages.elementSize(key: key) ?? 1)
            guard n >= 0, pos + byteCount <= bytes.count else {
                throw FineTuneError(.invalidCheckpoint, "\(source): storage \(key) declares \(n) elements but the file ends first (byte \(pos))")
            }
            try storages.setBytes(key: key, bytes[pos..<(pos + byteCount)])
            pos += byteCount
        }
        return try collect(root, storages: storages, source: source)
    }

    // MARK: From the value tree to tensors

    private static func collect(_ root: PickleValue, storages: StorageTable, source: String) throws(FineTuneError) -> TorchCheckpoint {
        guard case .dict = root else {
            throw FineTuneError(.invalidCheckpoint, "\(source): the checkpoint holds a \(root.kind), not a state dict (a dict of tensors)")
        }
        var out = TorchCheckpoint(names: [], tensors: [:], skipped: [])
        func walk(_ value: PickleValue, _ name: String) throws(FineTuneError) {
            switch value {
            case .dict(let d):
                for (k, v) in d.entries {
                    let key = k.string ?? k.int.map(String.init) ?? k.kind
                    try walk(v, name.isEmpty ? key : name + "." + key)
                }
            case .opaque(let o as TensorRecord):
                guard out.tensors[name] == nil else { throw FineTuneError(.invalidCheckpoint, "\(source): tensor \(name) appears twice") }
                out.names.append(name)
                out.tensors[name] = try storages.materialize(o, name: name)
            default:
                out.skipped.append(name)
            }
        }
        try walk(root, "")
        return out
    }
}

/// A tensor as the pickle describes it: a view (offset, shape, strides in elements) of a storage.
final class TensorRecord {
    let storage: StorageRecord
    let offset: Int
    let shape: [Int]
    let strides: [Int]
    init(storage: StorageRecord, offset: Int, shape: [Int], strides: [Int]) {
        self.storage = storage; self.offset = offset; self.shape = shape; self.strides = strides
    }
}

/// A storage named by a persistent id: its key, element type and element count.
final class StorageRecord {
    let key: String
    let dtype: SafeTensorsDType
    let count: Int
    var bytes: ArraySlice<UInt8>?
    init(key: String, dtype: SafeTensorsDType, count: Int) { self.key = key; self.dtype = dtype; self.count = count }
}
