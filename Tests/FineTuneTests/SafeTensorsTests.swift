// Safetensors against files the Python `safetensors` package wrote (Fixtures/safetensors, made
// by scripts/fixtures/safetensors_fixture.py): exact values on read, identical bytes on write,
// and a clear error for each kind of corrupt file.
import Foundation
import Testing
@testable import FineTune

struct SafeTensorsExpectation: Decodable {
    struct Tensor: Decodable {
        var dtype: String
        var shape: [Int]
        var bits: [UInt32]?
        var ints: [Int64]?
    }
    var metadata: [String: String]
    var tensors: [String: Tensor]

    static func load(_ name: String) throws -> SafeTensorsExpectation {
        try JSONDecoder().decode(SafeTensorsExpectation.self, from: Data(contentsOf: fixtureURL(name, "json")))
    }
}

func fixtureURL(_ name: String, _ ext: String) throws -> URL {
    try #require(Bundle.module.url(forResource: name, withExtension: ext, subdirectory: "Fixtures/safetensors"))
}

/// torch dtype names in the expectation files → safetensors dtypes.
let torchDTypes: [String: SafeTensorsDType] = [
    "float32": .f32, "float16": .f16, "bfloat16": .bf16, "int64": .i64, "int32": .i32, "float64": .f64,
]

/// The reference tensors rebuilt from their expectation (F32 from bit patterns, ints as given).
func referenceTensors() throws -> [String: TensorData] {
    var out: [String: TensorData] = [:]
    for (name, t) in try SafeTensorsExpectation.load("reference").tensors {
        let dtype = try #require(torchDTypes[t.dtype])
        if let bits = t.bits {
            out[name] = TensorData(dtype: dtype, shape: t.shape, values: .float(bits.map(Float.init(bitPattern:))))
        } else {
            out[name] = TensorData(dtype: dtype, shape: t.shape, values: .int(try #require(t.ints)))
        }
    }
    return out
}

@Suite struct SafeTensorsTests {
    @Test func readsEveryDTypeThePythonPackageWrote() throws {
        let file = try SafeTensors.readFile(try fixtureURL("mixed", "safetensors"))
        let expected = try SafeTensorsExpectation.load("mixed")
        #expect(file.metadata == expected.metadata)
        #expect(Set(file.tensors.keys) == Set(expected.tensors.keys))
        for (name, want) in expected.tensors {
            let got = try #require(file.tensors[name], "missing \(name)")
            #expect(got.dtype == torchDTypes[want.dtype], "\(name) dtype")
            #expect(got.shape == want.shape, "\(name) shape")
            if let bits = want.bits {
                // Bit patterns: NaN, -0 and subnormals must come through exactly.
                let gotBits = try #require(got.values.floatArray).map(\.bitPattern)
                #expect(gotBits == bits, "\(name) values")
            } else {
                #expect(got.ints == want.ints, "\(name) values")
            }
        }
    }

    @Test func writesTheBytesThePythonPackageWrites() throws {
        let tensors = try referenceTensors()
        let metadata = try SafeTensorsExpectation.load("reference").metadata
        let written = try SafeTensors.encode(tensors, metadata: metadata)
        let python = try Data(contentsOf: try fixtureURL("reference", "safetensors"))
        #expect(written == python)
        // The header length is 8-byte little-endian and the data starts 8-byte aligned.
        let n = written.prefix(8).enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
        #expect((8 + n) % 8 == 0)
        #expect(String(decoding: written[8..<(8 + Int(n))], as: UTF8.self).hasPrefix(
            #"{"__metadata__":{"format":"pt"},"step":{"dtype":"I64","shape":[2],"data_offsets":[0,16]},"head.bias":{"dtype":"F32""#))

        // Optionally leave the file for scripts/check-safetensors.py.
        if let out = ProcessInfo.processInfo.environment["RUNG_SAFETENSORS_OUT"] {
            try SafeTensors.write(tensors, metadata: metadata, to: URL(fileURLWithPath: out))
        }
    }

    @Test func writeThenReadGivesBackTheSameTensors() throws {
        let tensors: [String: TensorData] = [
            "b": TensorData(shape: [3], floats: [1, -0.0, .infinity]),
            "a": TensorData(shape: [2, 2], floats: [0.1, 0.2, 0.3, 0.4]),
            "f64": TensorData(dtype: .f64, shape: [1], values: .float([0.1])),
            "ids": TensorData(shape: [2], ints: [Int64.min, Int64.max]),
            "i32": TensorData(shape: [1], ints: [-7], dtype: .i32),
            "scalar": TensorData(shape: [], floats: [3]),
            "void": TensorData(shape: [0], floats: []),
        ]
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("rung-\(UUID().uuidString).safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        try SafeTensors.write(tensors, metadata: ["a\"b": "line\nbreak", "rung.preprocessor": "{}"], to: url)
        let back = try SafeTensors.readFile(url)
        #expect(back.tensors == tensors)
        #expect(back.metadata == ["a\"b": "line\nbreak", "rung.preprocessor": "{}"])
        #expect(try SafeTensors.encode(tensors) == (try SafeTensors.encode(tensors)))
    }

    @Test func halfPrecisionConvertsExactlyForEveryBitPattern() {
        #if !(os(macOS) && arch(x86_64))
        for bits in 0...UInt16.max {
            let reference = Float(Float16(bitPattern: bits))
            let got = SafeTensors.floatFromHalf(bits)
            if reference.isNaN {
                #expect(got.isNaN, "F16 \(bits)")
            } else if got.bitPattern != reference.bitPattern {
                Issue.record("F16 0x\(String(bits, radix: 16)): \(got), expected \(reference)")
            }
        }
        #endif
    }

    /// A file made of a header string and `dataBytes` zero bytes.
    func file(header: String, dataBytes: Int, declaredLength: UInt64? = nil) -> Data {
        var d = Data()
        withUnsafeBytes(of: (declaredLength ?? UInt64(header.utf8.count)).littleEndian) { d.append(contentsOf: $0) }
        d.append(contentsOf: Array(header.utf8))
        d.append(Data(count: dataBytes))
        return d
    }

    func expectCorrupt(_ data: Data, _ fragment: String, sourceLocation: SourceLocation = #_sourceLocation) {
        do {
            _ = try SafeTensors.decode(data, source: "bad.safetensors")
            Issue.record("expected an error containing \"\(fragment)\"", sourceLocation: sourceLocation)
        } catch {
            #expect(error.code == .invalidSafeTensors, sourceLocation: sourceLocation)
            #expect(error.message.hasPrefix("bad.safetensors: "), sourceLocation: sourceLocation)
            #expect(error.message.contains(fragment), "\(error.message)", sourceLocation: sourceLocation)
        }
    }

    @Test func corruptFilesGiveClearErrors() {
        let ok = #"{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#
        #expect(throws: Never.self) { try SafeTensors.decode(file(header: ok, dataBytes: 8)) }
        expectCorrupt(Data([1, 2, 3]), "too short")
        expectCorrupt(file(header: ok, dataBytes: 8, declaredLength: 1 << 40), "exceeds the limit")
        expectCorrupt(file(header: ok, dataBytes: 0, declaredLength: 500), "runs past the end")
        expectCorrupt(file(header: "[1,2]", dataBytes: 0), "does not start with '{'")
        expectCorrupt(file(header: "{not json", dataBytes: 0), "not valid JSON")
        expectCorrupt(file(header: #"{"w":{"dtype":"F8","shape":[1],"data_offsets":[0,1]}}"#, dataBytes: 1),
                      #"dtype "F8", which Rung does not read"#)
        expectCorrupt(file(header: #"{"w":{"dtype":"F32","shape":[2]}}"#, dataBytes: 8), #"tensor "w": header entry"#)
        expectCorrupt(file(header: #"{"w":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}}"#, dataBytes: 8),
                      "negative dimension")
        expectCorrupt(file(header: #"{"w":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}"#, dataBytes: 8),
                      "needs 12 bytes, but its data_offsets [0, 8] span 8")
        expectCorrupt(file(header: #"{"w":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}"#, dataBytes: 12),
                      "leaving a gap")
        expectCorrupt(file(header: #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}"#,
                           dataBytes: 12), "overlapping")
        expectCorrupt(file(header: ok, dataBytes: 4), "holds only 4")
        expectCorrupt(file(header: ok, dataBytes: 12), "trailing bytes")
        expectCorrupt(file(header: #"{"__metadata__":{"n":1}}"#, dataBytes: 0), "not valid JSON")
    }

    @Test func unreadableFileNamesThePath() {
        do {
            _ = try SafeTensors.read(URL(fileURLWithPath: "/nonexistent/model.safetensors"))
            Issue.record("expected an error")
        } catch {
            #expect(error.code == .unreadableFile)
            #expect(error.message.contains("/nonexistent/model.safetensors"))
        }
    }

    @Test func refusesToWriteHalfPrecisionAndReservedNames() {
        #expect(throws: FineTuneError.self) {
            try SafeTensors.encode(["h": TensorData(dtype: .f16, shape: [1], values: .float([1]))])
        }
        #expect(throws: FineTuneError.self) {
            try SafeTensors.encode(["__metadata__": TensorData(shape: [1], floats: [1])])
        }
    }
}

extension TensorData.Values {
    var floatArray: [Float]? {
        if case .float(let v) = self { return v }
        return nil
    }
}
