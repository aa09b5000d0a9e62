// The PyTorch checkpoint reader on small files written by torch in both formats
// (scripts/fixtures/torch_checkpoint.py), element by element; its refusal of anything but tensor
// rebuilding; and the real EfficientNet-Lite0 weights when scripts/fetch-efficientnet-lite0.sh has run.

import Foundation
import Testing
@testable import FineTune

private struct Expected: Decodable {
    struct Entry: Decodable { var dtype: String; var shape: [Int]; var values: [Double] }
    var names: [String]
    var skipped: [String]
    var tensors: [String: Entry]
}

private struct RealSummary: Decodable {
    struct Entry: Decodable { var dtype: String; var shape: [Int]; var head: [Double]; var sum: Double }
    var count: Int
    var float_parameters: Int
    var first_names: [String]
    var last_name: String
    var entries: [String: Entry]
}

private func fixtureURL(_ name: String) throws -> URL {
    let base = try #require(Bundle.module.resourceURL)
    return base.appendingPathComponent("Fixtures/torch").appendingPathComponent(name)
}

private func numbers(_ t: TensorData) -> [Double] {
    switch t.values {
    case .float(let v): return v.map(Double.init)
    case .int(let v): return v.map(Double.init)
    }
}

@Test(arguments: ["small-zip.pt", "small-legacy.pt"])
func readsTorchCheckpointElementByElement(file: String) throws {
    let want = try JSONDecoder().decode(Expected.self, from: Data(contentsOf: fixtureURL("small.json")))
    let ckpt = try TorchCheckpoint.read(fixtureURL(file))
    #expect(ckpt.names == want.names)
    #expect(ckpt.skipped == want.skipped)
    for name in want.names {
        let e = try #require(want.tensors[name])
        let got = try #require(ckpt.tensors[name], "\(name) missing")
        #expect(got.dtype.rawValue == e.dtype, "\(name) dtype")
        #expect(got.shape == e.shape, "\(name) shape")
        // Float values from the file are exact, so the comparison is exact in Double.
        #expect(numbers(got) == e.values, "\(name) values")
    }
}

@Test func refusesGlobalsThatDoNotRebuildTensors() {
    // A protocol-2 pickle calling os.system("echo"): rejected at the GLOBAL, before any REDUCE.
    var evil: [UInt8] = [0x80, 0x02, 0x63] + Array("os\nsystem\n".utf8)
    evil += [0x58, 4, 0, 0, 0] + Array("echo".utf8) + [0x85, 0x52, 0x2e]
    do {
        _ = try TorchCheckpoint.decode(Data(evil), source: "evil.pt")
        Issue.record("a pickle naming os.system was accepted")
    } catch {
        #expect(error.code == .invalidCheckpoint)
        #expect(error.message.hasPrefix("evil.pt: refuses global os.system"))
    }
    // Any other global (builtins.eval) is refused the same way.
    do {
        _ = try TorchCheckpoint.decode(Data([0x80, 0x02, 0x63] + Array("builtins\neval\n".utf8) + [0x2e]), source: "e2.pt")
        Issue.record("builtins.eval was accepted")
    } catch {
        #expect(error.message.contains("refuses global builtins.eval"))
    }
    do {
        _ = try TorchCheckpoint.decode(Data("hello".utf8), source: "text.pt")
        Issue.record("text accepted")
    } catch {
        #expect(error.message.hasPrefix("text.pt: neither a zip archive"))
    }
}

@Test func truncatedLegacyCheckpointIsAnError() throws {
    let data = try Data(contentsOf: fixtureURL("small-legacy.pt"))
    do {
        _ = try TorchCheckpoint.decode(data.prefix(data.count - 10), source: "cut.pt")
        Issue.record("a truncated checkpoint was accepted")
    } catch {
        #expect(error.code == .invalidCheckpoint)
        #expect(error.message.hasPrefix("cut.pt: ") && error.message.contains("storage") && error.message.contains("ends"))
    }
}

@Test(.enabled(if: FileManager.default.fileExists(atPath: efficientNetLite0Weights.path),
               "EfficientNet-Lite0 weights are absent: run scripts/fetch-efficientnet-lite0.sh to include this test"))
func readsRealEfficientNetLite0Weights() throws {
    let want = try JSONDecoder().decode(RealSummary.self, from: Data(contentsOf: fixtureURL("efficientnet-lite0.json")))
    let ckpt = try TorchCheckpoint.read(efficientNetLite0Weights)
    #expect(ckpt.names.count == 296 && want.count == 296)
    #expect(Array(ckpt.names.prefix(5)) == want.first_names)
    #expect(ckpt.names.last == want.last_name)
    #expect(ckpt.tensors["_conv_stem.weight"]?.shape == [32, 3, 3, 3])
    #expect(ckpt.tensors["_fc.weight"]?.shape == [1000, 1280])
    let params = ckpt.tensors.filter { $0.value.dtype == .f32 && !$0.key.contains("running") }.reduce(0) { $0 + $1.value.count }
    #expect(params == want.float_parameters)
    for (name, e) in want.entries {
        let got = try #require(ckpt.tensors[name], "\(name) missing")
        #expect(got.dtype.rawValue == e.dtype && got.shape == e.shape, "\(name)")
        let v = numbers(got)
        #expect(Array(v.prefix(e.head.count)) == e.head, "\(name) first values")
        let sum = v.reduce(0, +)
        #expect(abs(sum - e.sum) <= 1e-9 * max(1, abs(e.sum)), "\(name) sum \(sum), PyTorch \(e.sum)")
    }
}

@Test func importWritesTheSameTensorsAsSafeTensors() throws {
    let want = try JSONDecoder().decode(Expected.self, from: Data(contentsOf: fixtureURL("small.json")))
    let out = FileManager.default.temporaryDirectory.appendingPathComponent("rung-import-\(ProcessInfo.processInfo.processIdentifier).safetensors")
    defer { try? FileManager.default.removeItem(at: out) }
    let (_, widened) = try TorchCheckpoint.importToSafeTensors(fixtureURL("small-legacy.pt"), destination: out)
    #expect(widened == ["f16", "bf16"])
    let file = try SafeTensors.readFile(out)
    #expect(file.metadata == ["format": "pt", "source": "small-legacy.pt"])
    #expect(Set(file.tensors.keys) == Set(want.names))
    for name in want.names {
        let e = try #require(want.tensors[name]), got = try #require(file.tensors[name])
        #expect(got.shape == e.shape && numbers(got) == e.values, "\(name)")
        #expect(got.dtype.rawValue == (["F16", "BF16"].contains(e.dtype) ? "F32" : e.dtype), "\(name) dtype")
    }
}
