// Acceptance 9(c): scikit-learn's two photographs, decoded by Rung's JPEG decoder and preprocessed
// by its transforms (short side 256, centre crop 224, (x·255 − 127)/128), through EfficientNet-Lite0
// with its real ImageNet weights give the PyTorch reference's top-1 classes (698 "palace", 985
// "daisy") and logits within 1e-3 (scripts/fixtures/efficientnet_lite0_images.py). Needs
// scripts/fetch-sample-images.sh and scripts/fetch-efficientnet-lite0.sh; skips without them.

import Foundation
import Testing
import Tensors
@testable import FineTune

private struct ImagesFixture: Decodable {
    struct Entry: Decodable {
        var file: String; var width: Int; var height: Int; var fnv1a64: String; var top10: [Int]; var logits: [Float]
    }
    var images: [Entry]
}

private let sampleImages = repositoryRoot.appendingPathComponent("data/images")

private let samplesPresent = ["china.jpg", "flower.jpg"].allSatisfy {
    FileManager.default.fileExists(atPath: sampleImages.appendingPathComponent($0).path)
}

/// FNV-1a, 64-bit — the fixture's hash of the decoded samples.
private func fnv1a64(_ bytes: [UInt8]) -> String {
    var h: UInt64 = 0xCBF2_9CE4_8422_2325
    for b in bytes { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01B3 }
    return String(format: "%016llx", h)
}

@Test(.enabled(if: samplesPresent, "data/images/china.jpg and flower.jpg are absent: run scripts/fetch-sample-images.sh to include this test"),
      .enabled(if: FileManager.default.fileExists(atPath: efficientNetLite0Weights.path),
               "EfficientNet-Lite0 weights are absent: run scripts/fetch-efficientnet-lite0.sh to include this test"))
func efficientNetLite0ClassifiesTheSamplePhotographs() throws {
    let fixture = try JSONDecoder().decode(ImagesFixture.self, from: trainingFixtureData("efficientnet-lite0-images.json"))
    var inputs = [Float]()
    for entry in fixture.images {
        let decoded = try ImageDecoder.decode(contentsOf: sampleImages.appendingPathComponent(entry.file))
        #expect(decoded.width == entry.width && decoded.height == entry.height && decoded.channels == 3)
        // The same samples Pillow decoded for the reference, byte for byte.
        #expect(fnv1a64(decoded.samples) == entry.fnv1a64, "\(entry.file): decoded samples differ from the reference's")
        let crop = ImageTransforms.resizeAndCenterCrop(PlanarImage(decoded), shortSide: 256, crop: 224)
        inputs += ImageNormalization.efficientNetLite.apply(to: crop).pixels
    }
    var rng = SplitMix64(seed: 1)
    let model = EfficientNetLite(generator: &rng)
    try model.loadWeights(try TorchCheckpoint.read(efficientNetLite0Weights).tensors)
    model.eval()
    let n = fixture.images.count
    let logits = Autograd.withoutGrad { model(Tensor(shape: [n, 3, 224, 224], scalars: inputs)) }
    #expect(logits.shape == [n, 1000])
    for (b, entry) in fixture.images.enumerated() {
        let row = Array(logits.scalars[(b * 1000)..<((b + 1) * 1000)])
        let worst = zip(row, entry.logits).map { abs($0 - $1) }.max() ?? .infinity
        #expect(worst <= 1e-3, "\(entry.file): largest logit difference \(worst)")
        let top = row.indices.sorted { row[$0] > row[$1] }
        #expect(top[0] == entry.top10[0], "\(entry.file): top-1 \(top[0]), reference \(entry.top10[0])")
        #expect(Array(top.prefix(5)) == Array(entry.top10.prefix(5)), "\(entry.file) top-5")
    }
    #expect(fixture.images.map { $0.top10[0] } == [698, 985])
}
