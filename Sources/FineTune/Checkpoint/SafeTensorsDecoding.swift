// Decoding and validation of safetensors bytes, following the reference reader's rules: header
// length within the file and ≤ 100 MB, a JSON object, known dtypes, offsets that tile the data
// area exactly (no gaps, no overlaps, nothing left over), byte sizes that match the shapes.
import Foundation

extension SafeTensors {
    /// Decodes the bytes of a safetensors file. `source` names the file in error messages.
    public static func decode(_ data: Data, source: String = "safetensors data") throws(FineTuneError) -> SafeTensorsFile {
        func corrupt(_ what: String) -> FineTuneError {
            FineTuneError(.invalidSafeTensors, "\(source): \(what)")
        }
        let bytes = [UInt8](data)
        guard bytes.count >= 8 else {
            throw corrupt("\(bytes.count) bytes is too short for a safetensors file (it starts with an 8-byte header length)")
        }
        var length: UInt64 = 0
        for i in (0..<8).reversed() { length = length << 8 | UInt64(bytes[i]) }
        guard length <= UInt64(maximumHeaderLength) else {
            throw corrupt("header length \(length) exceeds the limit of \(maximumHeaderLength) bytes; the file is not safetensors or is corrupt")
        }
        let headerEnd = 8 + Int(length)
        guard headerEnd <= bytes.count else {
            throw corrupt("header length \(length) runs past the end of the file (\(bytes.count) bytes)")
        }
        guard length > 0, bytes[8] == UInt8(ascii: "{") else {
            throw corrupt("the header does not start with '{'; expected a JSON object")
        }
        let header = try parseHeader(Data(bytes[8..<headerEnd]), corrupt: corrupt)
        let dataLength = bytes.count - headerEnd

        // Offsets must tile [0, dataLength) exactly.
        let ordered = header.entries.sorted { ($0.begin, $0.end, $0.name) < ($1.begin, $1.end, $1.name) }
        var position = 0
        for e in ordered {
            guard e.begin == position else {
                throw corrupt(e.begin > position
                              ? "tensor \"\(e.name)\" starts at byte \(e.begin) of the data, leaving a gap after byte \(position)"
                              : "tensor \"\(e.name)\" starts at byte \(e.begin) of the data, overlapping the tensor before it (which ends at \(position))")
            }
            guard e.end >= e.begin else {
                throw corrupt("tensor \"\(e.name)\" has data_offsets [\(e.begin), \(e.end)]: the end is before the start")
            }
            guard e.end - e.begin == e.byteCount else {
                throw corrupt("tensor \"\(e.name)\" (\(e.dtype.rawValue), shape \(e.shape)) needs \(e.byteCount) bytes, but its data_offsets [\(e.begin), \(e.end)] span \(e.end - e.begin)")
            }
            position = e.end
        }
        guard position == dataLength else {
            throw corrupt(position > dataLength
                          ? "the tensors need \(position) bytes of data, but the file holds only \(dataLength) after the header (truncated?)"
                          : "the tensors use \(position) bytes of data, but \(dataLength) follow the header; the file has trailing bytes")
        }

        var tensors: [String: TensorData] = [:]
        bytes.withUnsafeBytes { raw in
            for e in header.entries {
                let base = headerEnd + e.begin
                tensors[e.name] = TensorData(dtype: e.dtype, shape: e.shape,
                                             values: convert(raw, from: base, count: e.count, dtype: e.dtype))
            }
        }
        return SafeTensorsFile(tensors: tensors, metadata: header.metadata)
    }

    /// One header entry after checking its fields.
    private struct Entry {
        var name: String
        var dtype: SafeTensorsDType
        var shape: [Int]
        var count: Int
        var byteCount: Int
        var begin: Int
        var end: Int
    }

    private struct RawEntry: Decodable {
        var dtype: String
        var shape: [Int]
        var data_offsets: [Int]
    }

    private struct AnyKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    /// The header's raw shape: each key decoded on its own, so errors can name the tensor.
    private struct RawHeader: Decodable {
        var metadata: [String: String]? = nil
        var entries: [(String, Result<RawEntry, DecodingErrorBox>)] = []
        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: AnyKey.self)
            for key in c.allKeys {
                if key.stringValue == "__metadata__" {
                    metadata = try c.decode([String: String].self, forKey: key)
                } else {
                    do {
                        entries.append((key.stringValue, .success(try c.decode(RawEntry.self, forKey: key))))
                    } catch {
                        entries.append((key.stringValue, .failure(DecodingErrorBox(text: "\(error)"))))
                    }
                }
            }
        }
    }

    private struct DecodingErrorBox: Error { var text: String }

    private static func parseHeader(_ json: Data, corrupt: (String) -> FineTuneError) throws(FineTuneError) -> (entries: [Entry], metadata: [String: String]) {
        let raw: RawHeader
        do {
            raw = try JSONDecoder().decode(RawHeader.self, from: json)
        } catch {
            throw corrupt("the header is not valid JSON of the safetensors layout (an object of tensors {\"dtype\", \"shape\", \"data_offsets\"} and an optional \"__metadata__\" of strings): \(error)")
        }
        var entries: [Entry] = []
        for (name, result) in raw.entries {
            let e: RawEntry
            switch result {
            case .success(let v): e = v
            case .failure(let box):
                throw corrupt("tensor \"\(name)\": header entry must be {\"dtype\": string, \"shape\": [integers], \"data_offsets\": [begin, end]}: \(box.text)")
            }
            guard let dtype = SafeTensorsDType(rawValue: e.dtype) else {
                let known = SafeTensorsDType.allCases.map(\.rawValue).joined(separator: ", ")
                throw corrupt("tensor \"\(name)\" has dtype \"\(e.dtype)\", which Rung does not read; supported: \(known)")
            }
            guard e.shape.allSatisfy({ $0 >= 0 }) else {
                throw corrupt("tensor \"\(name)\" has a negative dimension in shape \(e.shape)")
            }
            guard e.data_offsets.count == 2, e.data_offsets[0] >= 0, e.data_offsets[1] >= 0 else {
                throw corrupt("tensor \"\(name)\" has data_offsets \(e.data_offsets); expected [begin, end] with non-negative byte offsets")
            }
            var count = 1
            for d in e.shape {
                let (p, overflow) = count.multipliedReportingOverflow(by: d)
                guard !overflow else { throw corrupt("tensor \"\(name)\": shape \(e.shape) has too many elements") }
                count = p
            }
            let (byteCount, overflow) = count.multipliedReportingOverflow(by: dtype.byteCount)
            guard !overflow else { throw corrupt("tensor \"\(name)\": shape \(e.shape) has too many bytes") }
            entries.append(Entry(name: name, dtype: dtype, shape: e.shape, count: count, byteCount: byteCount,
                                 begin: e.data_offsets[0], end: e.data_offsets[1]))
        }
        return (entries, raw.metadata ?? [:])
    }

    /// Converts `count` little-endian elements of `dtype` starting at byte `base`.
    private static func convert(_ raw: UnsafeRawBufferPointer, from base: Int, count: Int, dtype: SafeTensorsDType) -> TensorData.Values {
        switch dtype {
        case .f32:
            if hostIsLittleEndian {
                return .float([Float](unsafeUninitializedCapacity: count) { buffer, initialized in
                    if count > 0 {
                        UnsafeMutableRawBufferPointer(buffer).copyMemory(
                            from: UnsafeRawBufferPointer(rebasing: raw[base..<(base + 4 * count)]))
                    }
                    initialized = count
                })
            }
            return .float((0..<count).map {
                Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: base + 4 * $0, as: UInt32.self)))
            })
        case .f64:
            return .float((0..<count).map {
                Float(Double(bitPattern: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: base + 8 * $0, as: UInt64.self))))
            })
        case .f16:
            return .float((0..<count).map {
                floatFromHalf(UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: base + 2 * $0, as: UInt16.self)))
            })
        case .bf16:
            return .float((0..<count).map {
                Float(bitPattern: UInt32(UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: base + 2 * $0, as: UInt16.self))) << 16)
            })
        case .i64:
            return .int((0..<count).map {
                Int64(littleEndian: raw.loadUnaligned(fromByteOffset: base + 8 * $0, as: Int64.self))
            })
        case .i32:
            return .int((0..<count).map {
                Int64(Int32(littleEndian: raw.loadUnaligned(fromByteOffset: base + 4 * $0, as: Int32.self)))
            })
        }
    }

    /// The exact Float value of an IEEE 754 binary16 bit pattern (subnormals, ±0, ±inf, NaN).
    static func floatFromHalf(_ h: UInt16) -> Float {
        let sign = UInt32(h & 0x8000) << 16
        let exponent = UInt32(h >> 10) & 0x1F
        let mantissa = UInt32(h) & 0x3FF
        switch exponent {
        case 0:
            // Zero or subnormal: mantissa × 2⁻²⁴, exact in Float.
            let magnitude = Float(mantissa) * 0x1p-24
            return sign != 0 ? -magnitude : magnitude
        case 0x1F:
            return Float(bitPattern: sign | 0x7F80_0000 | mantissa << 13)
        default:
            return Float(bitPattern: sign | (exponent + 112) << 23 | mantissa << 13)
        }
    }
}
