// EfficientNet-Lite0's structure (names and shapes of its ImageNet checkpoint, parameter count) and,
// when scripts/fetch-efficientnet-lite0.sh has run, its logits with the real weights against the
// PyTorch twin's (scripts/fixtures/efficientnet_lite0.py) on a synthetic input, element by element.

import Foundation
import Testing
import Tensors
@testable import FineTune

private struct LogitsFixture: Decodable {
    var batch: Int
    var size: Int
    var top5: [[Int]]
    var logits: [Float]
}

@Test func efficientNetLite0HasTheCheckpointsNamesAndSize() {
    var rng = SplitMix64(seed: 1)
    let model = EfficientNetLite(generator: &rng)
    #expect(model.parameterCount == 4_652_008)
    #expect(model.mbconvBlocks.layers.count == 16)
    let names = model.namedParameters().map(\.name) + model.namedBuffers().map(\.name)
    #expect(names.count == 296 - 49)     // the checkpoint's entries less its num_batches_tracked
    #expect(names.contains("_blocks.15._project_conv.weight") && names.contains("_bn1.running_var"))
    #expect(!names.contains("_blocks.0._expand_conv.weight") && names.contains("_blocks.1._expand_conv.weight"))
    let x = Tensor.zeros([1, 3, 33, 47])
    model.eval()
    #expect(model(x).shape == [1, 1000])
}

@Test(.enabled(if: FileManager.default.fileExists(atPath: efficientNetLite0Weights.path),
               "EfficientNet-Lite0 weights are absent: run scripts/fetch-efficientnet-lite0.sh to include this test"))
func efficientNetLite0MatchesPyTorchWithRealWeights() throws {
    let f = try JSONDecoder().decode(LogitsFixture.self, from: trainingFixtureData("efficientnet-lite0-logits.json"))
    var rng = SplitMix64(seed: 1)
    let model = EfficientNetLite(generator: &rng)
    try model.loadWeights(try TorchCheckpoint.read(efficientNetLite0Weights).tensors)
    model.eval()
    let n = f.batch, s = f.size
    // The fixture's formula: sin(0.11·h·(c+1) + 0.07·w + b) · 1.5, in Double, rounded to Float.
    let x = Tensor(shape: [n, 3, s, s]) { i in
        let w = i % s, h = i / s % s, c = i / (s * s) % 3, b = i / (3 * s * s)
        return Float(sin(0.11 * Double(h) * Double(c + 1) + 0.07 * Double(w) + Double(b)) * 1.5)
    }
    let logits = Autograd.withoutGrad { model(x) }
    #expect(logits.shape == [n, 1000])
    var worst: Float = 0
    for (g, w) in zip(logits.scalars, f.logits) { worst = max(worst, abs(g - w)) }
    #expect(worst <= 1e-3, "largest logit difference \(worst)")
    for b in 0..<n {
        let row = Array(logits.scalars[(b * 1000)..<((b + 1) * 1000)])
        let top = row.indices.sorted { row[$0] > row[$1] }.prefix(5)
        #expect(Array(top) == f.top5[b], "image \(b) top-5")
    }
}
