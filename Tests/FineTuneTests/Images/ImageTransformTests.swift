// The deterministic image transforms on tiny images with values worked out by hand, and bilinear
// resizing against torch.nn.functional.interpolate (scripts/fixtures/images.py) element by element.

import Foundation
import Testing
@testable import FineTune

private func grey(_ rows: [[Float]]) -> PlanarImage {
    PlanarImage(channels: 1, height: rows.count, width: rows[0].count, pixels: rows.flatMap { $0 })
}

@Test func resizeMatchesTorchBilinear() throws {
    for r in try ImageFixtures.load().resizes {
        // The fixture's input: frac(sin(1.3·y + 0.7·x + 2.1·c) · 43758.5453), in Double, to Float.
        var pixels = [Float]()
        for c in 0..<r.channels {
            for y in 0..<r.height {
                for x in 0..<r.width {
                    let v = sin(1.3 * Double(y) + 0.7 * Double(x) + 2.1 * Double(c)) * 43758.5453
                    pixels.append(Float(v - v.rounded(.down)))
                }
            }
        }
        let input = PlanarImage(channels: r.channels, height: r.height, width: r.width, pixels: pixels)
        let out = ImageTransforms.resize(input, height: r.outHeight, width: r.outWidth)
        #expect(out.height == r.outHeight && out.width == r.outWidth)
        let worst = zip(out.pixels, r.values).map { abs($0 - $1) }.max() ?? .infinity
        #expect(worst <= 1e-6, "\(r.height)×\(r.width) → \(r.outHeight)×\(r.outWidth): largest difference \(worst)")
    }
}

@Test func resizeByHand() {
    // 2 → 4 along a row: sources −0.25 (clamped to 0), 0.25, 0.75, 1.25 (edge repeats).
    let up = ImageTransforms.resize(grey([[0, 8]]), height: 1, width: 4)
    #expect(up.pixels == [0, 2, 6, 8])
    // 4 → 2: sources 0.5 and 2.5, the means of neighbours.
    let down = ImageTransforms.resize(grey([[0, 4, 8, 16], [4, 8, 12, 20]]), height: 1, width: 2)
    #expect(down.pixels == [4, 14])
    // 6 → 2 (3× down, no antialias): sources 1 and 4 exactly, pixels skipped.
    #expect(ImageTransforms.resize(grey([[1, 2, 3, 4, 5, 6]]), height: 1, width: 2).pixels == [2, 5])
    let same = grey([[1, 2], [3, 4]])
    #expect(ImageTransforms.resize(same, height: 2, width: 2) == same)
}

@Test func shortSideAndCentreCrop() {
    // torchvision's Resize(256) of 427×640 (china.jpg, flower.jpg): ⌊256·640/427⌋ = 383.
    #expect(ImageTransforms.shortSideSize(height: 427, width: 640, shortSide: 256) == (256, 383))
    #expect(ImageTransforms.shortSideSize(height: 640, width: 427, shortSide: 256) == (383, 256))
    let im = grey((0..<5).map { y in (0..<6).map { x in Float(10 * y + x) } })
    // 5×6 → 2×3: top round(1.5) = 2 (ties to even), left round(1.5) = 2.
    #expect(ImageTransforms.centerCrop(im, height: 2, width: 3).pixels == [22, 23, 24, 32, 33, 34])
    // 5×6 → 4×3: top round(0.5) = 0, left 2.
    #expect(ImageTransforms.centerCrop(im, height: 4, width: 3).pixels == [2, 3, 4, 12, 13, 14, 22, 23, 24, 32, 33, 34])
    // A window reaching outside reads zeros (pad 1 then crop at 0, 0).
    #expect(ImageTransforms.crop(grey([[1, 2], [3, 4]]), top: -1, left: -1, height: 2, width: 2).pixels == [0, 0, 0, 1])
    #expect(ImageTransforms.crop(grey([[1, 2], [3, 4]]), top: 5, left: 0, height: 1, width: 2).pixels == [0, 0])
}

@Test func channelConversion() {
    let g = grey([[0.5, 1]])
    let rgb = ImageTransforms.convertChannels(g, to: 3)
    #expect(rgb.channels == 3 && rgb.pixels == [0.5, 1, 0.5, 1, 0.5, 1])
    let back = ImageTransforms.convertChannels(PlanarImage(channels: 3, height: 1, width: 1, pixels: [1, 0, 0]), to: 1)
    #expect(back.pixels == [0.299])
    let white = ImageTransforms.convertChannels(PlanarImage(channels: 3, height: 1, width: 1, pixels: [1, 1, 1]), to: 1)
    #expect(abs(white.pixels[0] - 1) < 1e-6)
}

@Test func flipRotateScale() {
    let im = grey([[1, 2, 3], [4, 5, 6], [7, 8, 9]])
    #expect(ImageTransforms.horizontalFlip(im).pixels == [3, 2, 1, 6, 5, 4, 9, 8, 7])
    #expect(ImageTransforms.rotateAndScale(im, degrees: 0, scale: 1) == im)
    // 90° counter-clockwise: the right column becomes the top row.
    let r90 = ImageTransforms.rotateAndScale(im, degrees: 90, scale: 1)
    for (g, w) in zip(r90.pixels, [3, 6, 9, 2, 5, 8, 1, 4, 7] as [Float]) { #expect(abs(g - w) < 1e-5) }
    // Scale 2 about the centre: output pixel (0, 0) samples input (0.5, 0.5), the mean of 1, 2, 4, 5.
    let zoom = ImageTransforms.rotateAndScale(im, degrees: 0, scale: 2)
    #expect(zoom.pixels[0] == 3 && zoom.pixels[4] == 5 && zoom.pixels[8] == 7)
    // Scale 0.5: the corners sample (−1, −1) → outside, zero fill; the centre stays.
    let shrink = ImageTransforms.rotateAndScale(im, degrees: 0, scale: 0.5)
    #expect(shrink.pixels[0] == 0 && shrink.pixels[4] == 5 && shrink.pixels[1] == 0)
}

@Test func gaussianBlurByHand() {
    let k = ImageTransforms.gaussianKernel(sigma: 0.5)   // radius ⌈1.5⌉ = 2
    #expect(k.count == 5)
    let e1 = exp(-1 / 0.5), e4 = exp(-4 / 0.5), total = 1 + 2 * e1 + 2 * e4
    #expect(abs(Double(k[2]) - 1 / total) < 1e-7 && abs(Double(k[1]) - e1 / total) < 1e-7 && abs(Double(k[0]) - e4 / total) < 1e-7)
    // A constant image stays constant; the blur of a single bright pixel spreads as k ⊗ k.
    let flat = ImageTransforms.gaussianBlur(PlanarImage(channels: 2, height: 4, width: 3, repeating: 0.25), sigma: 1.3)
    #expect(flat.pixels.allSatisfy { abs($0 - 0.25) < 1e-6 })
    var dot = PlanarImage(channels: 1, height: 7, width: 7, repeating: 0)
    dot[c: 0, y: 3, x: 3] = 1
    let b = ImageTransforms.gaussianBlur(dot, sigma: 0.5)
    for y in 0..<7 {
        for x in 0..<7 {
            let w: Float = (abs(y - 3) <= 2 && abs(x - 3) <= 2) ? k[y - 1] * k[x - 1] : 0
            #expect(abs(b[c: 0, y: y, x: x] - w) < 1e-7)
        }
    }
    // Reflect borders: …2 1 | 0 1 2 3 | 2 1…
    #expect((-3...6).map { ImageTransforms.reflect($0, size: 4) } == [3, 2, 1, 0, 1, 2, 3, 2, 1, 0])
}

@Test func normalisations() {
    var px: [Float] = [0, 1, 0.5, 0.5]   // one image, 2 channels of 2 pixels
    ImageNormalization.meanStd(mean: [0.5, 0.25], std: [0.5, 0.25]).apply(to: &px, channels: 2, plane: 2)
    #expect(px == [-1, 1, 1, 1])
    let lite = ImageNormalization.efficientNetLite.apply(to: PlanarImage(channels: 1, height: 1, width: 3, pixels: [0, 127.0 / 255, 1]))
    for (g, w) in zip(lite.pixels, [-127.0 / 128, 0, 1] as [Float]) { #expect(abs(g - w) < 1e-6) }
    let net = ImageNormalization.imageNet.apply(to: PlanarImage(channels: 3, height: 1, width: 1, pixels: [0.485, 0.456 + 0.224, 0]))
    #expect(abs(net.pixels[0]) < 1e-6 && abs(net.pixels[1] - 1) < 1e-5 && abs(net.pixels[2] + 0.406 / 0.225) < 1e-5)
}

@Test func datasetTransforms() throws {
    let ds = ImageDataset(channels: 1, height: 2, width: 2, pixels: [0, 1, 1, 0, 0.5, 0.5, 0.5, 0.5],
                          labels: [0, 1], classNames: ["a", "b"])
    let big = ds.resized(height: 4, width: 4).withChannels(3)
    #expect(big.channels == 3 && big.height == 4 && big.width == 4 && big.labels == [0, 1])
    #expect(Array(big.image(1)).allSatisfy { $0 == 0.5 })
    #expect(big.planarImage(0).pixels[0] == 0 && big.planarImage(0).pixels[3] == 1)
    // The data-set paths agree with the per-image transforms, image by image.
    for i in 0..<ds.count {
        let one = ImageTransforms.convertChannels(ImageTransforms.resize(ds.planarImage(i), height: 4, width: 4), to: 3)
        #expect(big.planarImage(i) == one)
    }
    let rgb = ImageDataset(channels: 3, height: 1, width: 2, pixels: [1, 0, 0, 1, 0, 0], labels: [0], classNames: ["a"])
    #expect(rgb.withChannels(1).pixels == [0.299, 0.587])
    let none = try ds.selectingClasses([1]).subset([]).resized(height: 3, width: 3)
    #expect(none.count == 0 && none.height == 3)
}
