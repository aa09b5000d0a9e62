// Seeded augmentation: strength 0 is the identity, the same seed gives the same batch, different
// (epoch, batch) seeds differ, the ranges scale with strength, and every step keeps the image size.

import Foundation
import Testing
import Tensors
@testable import FineTune

private func sampleBatch(_ n: Int, channels: Int = 1, size: Int = 12) -> Tensor {
    Tensor(shape: [n, channels, size, size]) { i in Float((i * 37) % 101) / 100 }
}

@Test func strengthZeroIsIdentity() {
    let x = sampleBatch(3)
    #expect(ImageAugmentation.none.apply(to: x, seed: 9).scalars == x.scalars)
    var rng = SplitMix64(seed: 1)
    let im = PlanarImage(channels: 1, height: 2, width: 2, pixels: [1, 2, 3, 4])
    #expect(ImageAugmentation(strength: 0).apply(to: im, using: &rng) == im)
    #expect(rng.state == SplitMix64(seed: 1).state &+ 7 &* 0x9E37_79B9_7F4A_7C15)   // seven draws all the same
}

@Test func augmentationIsDeterministicPerSeed() {
    let x = sampleBatch(4, channels: 3)
    let aug = ImageAugmentation(strength: 1)
    let s1 = ImageAugmentation.batchSeed(runSeed: 42, epoch: 0, batch: 0)
    let s2 = ImageAugmentation.batchSeed(runSeed: 42, epoch: 0, batch: 1)
    let s3 = ImageAugmentation.batchSeed(runSeed: 42, epoch: 1, batch: 0)
    #expect(Set([s1, s2, s3]).count == 3)
    #expect(s1 == ImageAugmentation.batchSeed(runSeed: 42, epoch: 0, batch: 0))
    let a = aug.apply(to: x, seed: s1), b = aug.apply(to: x, seed: s1), c = aug.apply(to: x, seed: s2)
    #expect(a.shape == x.shape && a.scalars == b.scalars)
    #expect(a.scalars != c.scalars && a.scalars != x.scalars)
}

@Test(arguments: [(0.3, UInt64(5)), (1.0, UInt64(11)), (0.7, UInt64(2024)), (1.0, UInt64(77))])
func augmentationFollowsItsDocumentedRecipe(strength: Double, seed: UInt64) {
    // The documented steps, rebuilt from the same seven draws: flip, rotate+scale, pad+crop, blur.
    let image = PlanarImage(channels: 2, height: 10, width: 8, pixels: (0..<160).map { Float(($0 * 29) % 64) / 63 })
    let aug = ImageAugmentation(strength: strength)
    var rng = SplitMix64(seed: seed)
    let got = aug.apply(to: image, using: &rng)
    var draws = SplitMix64(seed: seed)
    let u = (0..<7).map { _ in draws.unitDouble() }
    #expect(rng.state == draws.state)
    var want = image
    if u[0] < 0.5 * strength { want = ImageTransforms.horizontalFlip(want) }
    want = ImageTransforms.rotateAndScale(want, degrees: (2 * u[1] - 1) * 15 * strength, scale: 1 + (2 * u[2] - 1) * 0.15 * strength)
    let pad = Int((0.125 * strength * 8).rounded())
    if pad > 0 {
        want = ImageTransforms.crop(want, top: Int(u[3] * Double(2 * pad + 1)) - pad, left: Int(u[4] * Double(2 * pad + 1)) - pad,
                                    height: 10, width: 8)
    }
    if u[5] < 0.5 * strength { want = ImageTransforms.gaussianBlur(want, sigma: 0.1 + u[6] * (max(0.1, strength) - 0.1)) }
    #expect(got == want)
}

@Test func rangesGrowWithStrength() {
    let half = ImageAugmentation(strength: 0.5), full = ImageAugmentation(strength: 1)
    #expect(half.flipProbability == 0.25 && full.flipProbability == 0.5)
    #expect(ImageAugmentation(strength: 1, allowsFlip: false).flipProbability == 0)
    #expect(half.maxRotationDegrees == 7.5 && full.maxScaleChange == 0.15)
    #expect(full.cropPadding(height: 28, width: 28) == 4 && half.cropPadding(height: 28, width: 28) == 2)
    #expect(full.cropPadding(height: 224, width: 224) == 28)
    #expect(full.maxBlurSigma(height: 28, width: 28) == 1 && full.maxBlurSigma(height: 224, width: 224) == 2)
}

@Test func augmentedImagesStayInRangeAndChangeWithStrength() {
    // Pixels 0…1 stay within 0…1 (every step is a convex combination or zero fill).
    let x = sampleBatch(16)
    let y = ImageAugmentation(strength: 1).apply(to: x, seed: 3)
    #expect(y.scalars.allSatisfy { $0 >= 0 && $0 <= 1 + 1e-6 })
    // A weak augmentation moves pixels less than a strong one on average (same seed, same draws).
    let weak = ImageAugmentation(strength: 0.1).apply(to: x, seed: 3)
    func change(_ t: Tensor) -> Float { zip(t.scalars, x.scalars).map { abs($0 - $1) }.reduce(0, +) }
    #expect(change(weak) < change(y))
}

@Test func decodingChecksTheStrength() throws {
    let ok = try JSONDecoder().decode(ImageAugmentation.self, from: Data(#"{"strength": 0.4}"#.utf8))
    #expect(ok == ImageAugmentation(strength: 0.4, allowsFlip: true))
    let back = try JSONDecoder().decode(ImageAugmentation.self, from: JSONEncoder().encode(ImageAugmentation(strength: 1, allowsFlip: false)))
    #expect(back.strength == 1 && !back.allowsFlip)
    #expect(throws: DecodingError.self) { try JSONDecoder().decode(ImageAugmentation.self, from: Data(#"{"strength": 1.5}"#.utf8)) }
}

@Test func datasetBatchAugmentsThenNormalises() {
    let ds = ImageDataset(channels: 1, height: 2, width: 2, pixels: [0, 1, 1, 0, 0.5, 0.5, 0.5, 0.5],
                          labels: [0, 1], classNames: ["a", "b"])
    let plain = ds.batch([1, 0], augmentation: .none, seed: 0, normalization: .meanStd(mean: [0.5], std: [0.5]))
    #expect(plain.labels == [1, 0])
    #expect(plain.images.scalars == [0, 0, 0, 0, -1, 1, 1, -1])
}
