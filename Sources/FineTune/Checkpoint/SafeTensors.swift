// Reading and writing the safetensors format (huggingface/safetensors): an 8-byte little-endian
// header length N, N bytes of JSON header (padded with spaces so the data starts 8-byte aligned),
// then the tensors' bytes back to back. Files are validated as the reference reader does.
// The header is written with RungBasics' JSONWriter (escaping strings as serde_json does).
// Leaves out memory mapping (files are read whole) and the 8-bit, unsigned and BOOL types.
import Foundation
import RungBasics

/// The tensors of a safetensors file and its free-form `__metadata__` strings.
public struct SafeTensorsFile: Sendable, Equatable {
    /// Tensors by name.
    public var tensors: [String: TensorData]
    /// The header's `__metadata__` (empty when absent).
    public var metadata: [String: String]
}

/// Reads and writes safetensors checkpoints, compatible with the `safetensors` Python package.
public enum SafeTensors {
    /// The largest header accepted (as the reference implementation: 100 MB).
    public static let maximumHeaderLength = 100_000_000

    /// Reads all tensors of a file.
    public static func read(_ url: URL) throws(FineTuneError) -> [String: TensorData] {
        try readFile(url).tensors
    }

    /// Reads all tensors of a file and its metadata.
    public static func readFile(_ url: URL) throws(FineTuneError) -> SafeTensorsFile {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw FineTuneError(.unreadableFile, "cannot read \(url.path): \(error.localizedDescription)")
        }
        return try decode(data, source: url.lastPathComponent)
    }

    /// Writes tensors (in sorted name order) and metadata to a file, replacing it atomically.
    public static func write(_ tensors: [String: TensorData], metadata: [String: String] = [:], to url: URL) throws(FineTuneError) {
        let data = try encode(tensors, metadata: metadata)
        do {
            try data.write(to: url, options: .atomic)
        } catch {
            throw FineTuneError(.unwritableFile, "cannot write \(url.path): \(error.localizedDescription)")
        }
    }

    // MARK: - Encoding

    /// The bytes of a safetensors file. Tensors are laid out as the Python package lays them
    /// out: wider element types first (I64, F64, F32, I32, …), which keeps every tensor aligned
    /// to its element size, then by the bytes of their names; metadata keys sorted likewise.
    /// Equal inputs give equal bytes; an all-F32 checkpoint is in sorted name order. The header is compact
    /// JSON with keys `dtype`, `shape`, `data_offsets` in that order, as the Python package
    /// writes it. Writes F32, F64, I64 and I32; F16 and BF16 are read-only.
    public static func encode(_ tensors: [String: TensorData], metadata: [String: String] = [:]) throws(FineTuneError) -> Data {
        let names = tensors.keys.sorted { a, b in
            let ra = tensors[a]!.dtype.layoutRank, rb = tensors[b]!.dtype.layoutRank
            return ra != rb ? ra > rb : a.utf8.lexicographicallyPrecedes(b.utf8)
        }
        var json = JSONWriter()
        json.raw("{")
        var first = true
        if !metadata.isEmpty {
            json.key("__metadata__", first: true)
            json.raw("{")
            for (n, key) in metadata.keys.sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }).enumerated() {
                json.key(key, first: n == 0)
                json.writeString(metadata[key]!)
            }
            json.raw("}")
            first = false
        }
        var body = Data()
        for name in names {
            guard name != "__metadata__" else {
                throw FineTuneError(.invalidSafeTensors, "a tensor cannot be named \"__metadata__\"; that key holds the file's metadata")
            }
            let tensor = tensors[name]!
            let begin = body.count
            try appendBytes(of: tensor, name: name, to: &body)
            json.key(name, first: first)
            first = false
            json.raw("{")
            json.key("dtype", first: true); json.writeString(tensor.dtype.rawValue)
            json.key("shape"); json.writeInts(tensor.shape)
            json.key("data_offsets"); json.writeInts([begin, body.count])
            json.raw("}")
        }
        json.raw("}")
        var header = json.bytes
        header += [UInt8](repeating: UInt8(ascii: " "), count: (8 - header.count % 8) % 8)
        var out = Data(capacity: 8 + header.count + body.count)
        withUnsafeBytes(of: UInt64(header.count).littleEndian) { out.append(contentsOf: $0) }
        out.append(contentsOf: header)
        out.append(body)
        return out
    }

    private static func appendBytes(of tensor: TensorData, name: String, to body: inout Data) throws(FineTuneError) {
        switch (tensor.dtype, tensor.values) {
        case (.f32, .float(let v)) where hostIsLittleEndian:
            v.withUnsafeBytes { body.append(contentsOf: $0) }
        case (.i64, .int(let v)) where hostIsLittleEndian:
            v.withUnsafeBytes { body.append(contentsOf: $0) }
        case (.f32, .float(let v)):
            for x in v { withUnsafeBytes(of: x.bitPattern.littleEndian) { body.append(contentsOf: $0) } }
        case (.f64, .float(let v)):
            for x in v { withUnsafeBytes(of: Double(x).bitPattern.littleEndian) { body.append(contentsOf: $0) } }
        case (.i64, .int(let v)):
            for x in v { withUnsafeBytes(of: x.littleEndian) { body.append(contentsOf: $0) } }
        case (.i32, .int(let v)):
            for x in v {
                guard let y = Int32(exactly: x) else {
                    throw FineTuneError(.invalidSafeTensors, "tensor \"\(name)\": \(x) does not fit I32")
                }
                withUnsafeBytes(of: y.littleEndian) { body.append(contentsOf: $0) }
            }
        default:
            throw FineTuneError(.invalidSafeTensors,
                                "tensor \"\(name)\": writing \(tensor.dtype.rawValue) is not supported; write F32, F64, I64 or I32")
        }
    }

    /// Whether this machine stores numbers little-endian, as the format does (then bulk copies
    /// replace per-element conversion).
    static let hostIsLittleEndian = UInt16(1).littleEndian == 1
}
