// Seeded training-time augmentation with one `strength` knob in 0…1 a study can search over:
// horizontal flip, rotation and scaling about the centre, random crop (zero padding, then a crop
// of the original size) and Gaussian blur, applied per batch with a seed per (epoch, batch).
// Strength 0 returns the images unchanged. Leaves out colour jitter, cutout and mixup.

import Foundation
import Tensors

/// Random image augmentation whose every range grows linearly with `strength` (s, 0…1):
/// flip with probability 0.5·s; rotation uniform in ±15°·s; scale uniform in 1 ± 0.15·s; random
/// crop after zero padding of round(0.125·s·min(H, W)) pixels per side; and with probability 0.5·s
/// a Gaussian blur of σ uniform in [0.1, max(0.1, s·max(1, min(H, W)/112))] pixels. The steps run
/// in that order on pixels 0…1, before normalisation.
public struct ImageAugmentation: Sendable, Hashable, Codable {
    /// The single knob, 0 (no augmentation) … 1 (the full ranges above).
    public var strength: Double
    /// Whether horizontal flips are allowed (off for images whose mirror is another class: digits,
    /// text).
    public var allowsFlip: Bool

    /// An augmentation of `strength` in 0…1; stops with a message outside it.
    public init(strength: Double, allowsFlip: Bool = true) {
        precondition(strength >= 0 && strength <= 1, "ImageAugmentation: strength \(strength) is outside 0…1")
        self.strength = strength
        self.allowsFlip = allowsFlip
    }

    /// Decodes an augmentation, refusing a strength outside 0…1.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let strength = try c.decode(Double.self, forKey: .strength)
        guard strength >= 0 && strength <= 1 else {
            throw DecodingError.dataCorruptedError(forKey: .strength, in: c, debugDescription: "augmentation strength \(strength) is outside 0…1")
        }
        self.init(strength: strength, allowsFlip: try c.decodeIfPresent(Bool.self, forKey: .allowsFlip) ?? true)
    }

    private enum CodingKeys: String, CodingKey { case strength, allowsFlip }

    /// No augmentation.
    public static let none = ImageAugmentation(strength: 0)

    /// Probability of a horizontal flip.
    public var flipProbability: Double { allowsFlip ? 0.5 * strength : 0 }
    /// Largest rotation in degrees, either way.
    public var maxRotationDegrees: Double { 15 * strength }
    /// Largest relative change of scale: the scale is drawn from 1 ± this.
    public var maxScaleChange: Double { 0.15 * strength }
    /// Zero padding per side before the random crop, for an image of `height` × `width`.
    public func cropPadding(height: Int, width: Int) -> Int {
        Int((0.125 * strength * Double(min(height, width))).rounded())
    }
    /// Probability of a Gaussian blur.
    public var blurProbability: Double { 0.5 * strength }
    /// Largest blur σ in pixels for an image of `height` × `width` (the smallest is 0.1).
    public func maxBlurSigma(height: Int, width: Int) -> Double {
        max(0.1, strength * max(1, Double(min(height, width)) / 112))
    }

    /// The seed of batch `batch` of epoch `epoch` in a run seeded `runSeed`: each (epoch, batch)
    /// draws an independent stream, so a batch's augmentation does not depend on what ran before.
    public static func batchSeed(runSeed: UInt64, epoch: Int, batch: Int) -> UInt64 {
        SplitMix64.derivedSeed(SplitMix64.derivedSeed(runSeed, purpose: 4, index: UInt64(epoch)),
                               purpose: 5, index: UInt64(batch))
    }

    /// One image augmented with random choices from `rng`. Every call draws exactly seven numbers,
    /// whatever is applied, so the streams of different strengths stay aligned.
    public func apply(to image: PlanarImage, using rng: inout SplitMix64) -> PlanarImage {
        let u = (0..<7).map { _ in rng.unitDouble() }
        guard strength > 0 else { return image }
        var out = image
        if u[0] < flipProbability { out = ImageTransforms.horizontalFlip(out) }
        let degrees = (2 * u[1] - 1) * maxRotationDegrees
        let scale = 1 + (2 * u[2] - 1) * maxScaleChange
        if degrees != 0 || scale != 1 {
            out = ImageTransforms.rotateAndScale(out, degrees: degrees, scale: scale)
        }
        let pad = cropPadding(height: image.height, width: image.width)
        if pad > 0 {
            let top = min(2 * pad, Int(u[3] * Double(2 * pad + 1)))
            let left = min(2 * pad, Int(u[4] * Double(2 * pad + 1)))
            out = ImageTransforms.crop(out, top: top - pad, left: left - pad, height: image.height, width: image.width)
        }
        if u[5] < blurProbability {
            let sigma = 0.1 + u[6] * (maxBlurSigma(height: image.height, width: image.width) - 0.1)
            out = ImageTransforms.gaussianBlur(out, sigma: sigma)
        }
        return out
    }

    /// The images [N, C, H, W] of a batch (pixels 0…1), each augmented in turn from one generator
    /// seeded `seed` (see `batchSeed`); a new tensor without gradient history.
    public func apply(to images: Tensor, seed: UInt64) -> Tensor {
        precondition(images.shape.count == 4, "ImageAugmentation.apply: expects [N, C, H, W], got \(images.shape)")
        guard strength > 0 else { return images }
        let n = images.shape[0], c = images.shape[1], h = images.shape[2], w = images.shape[3]
        let size = c * h * w
        let values = images.scalars
        var out = [Float]()
        out.reserveCapacity(values.count)
        var rng = SplitMix64(seed: seed)
        for i in 0..<n {
            let im = PlanarImage(channels: c, height: h, width: w, pixels: Array(values[(i * size)..<((i + 1) * size)]))
            out.append(contentsOf: apply(to: im, using: &rng).pixels)
        }
        return Tensor(shape: images.shape, scalars: out)
    }
}

extension ImageDataset {
    /// The images `indices` as a tensor [k, C, H, W], augmented by `augmentation` with `seed`
    /// (see `ImageAugmentation.batchSeed`), then normalised; and their labels.
    public func batch(_ indices: [Int], augmentation: ImageAugmentation, seed: UInt64,
                      normalization: ImageNormalization = .none) -> (images: Tensor, labels: [Int]) {
        let plain = batch(indices)
        let images = normalization.apply(to: augmentation.apply(to: plain.images, seed: seed))
        return (images, plain.labels)
    }
}
