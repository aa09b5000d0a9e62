// One image as floats, channels first ([C, H, W]) — the unit the transforms work on — and the
// glue between it, decoded 8-bit images and ImageDataset. Leaves out the transforms themselves
// (ImageTransforms) and any normalisation (ImageNormalization).

import Foundation

/// One image as floats, channels first, usually 0…1.
public struct PlanarImage: Sendable, Equatable {
    /// Channels (1 grey, 3 RGB).
    public var channels: Int
    /// Height in pixels.
    public var height: Int
    /// Width in pixels.
    public var width: Int
    /// The values, [channels, height, width] row-major.
    public var pixels: [Float]

    /// Makes an image; stops with a message when the sizes do not agree.
    public init(channels: Int, height: Int, width: Int, pixels: [Float]) {
        precondition(channels > 0 && height > 0 && width > 0, "PlanarImage: size \(channels)×\(height)×\(width) must be positive")
        precondition(pixels.count == channels * height * width,
                     "PlanarImage: \(pixels.count) values do not make \(channels)×\(height)×\(width)")
        self.channels = channels; self.height = height; self.width = width; self.pixels = pixels
    }

    /// An image of `value` everywhere.
    public init(channels: Int, height: Int, width: Int, repeating value: Float) {
        self.init(channels: channels, height: height, width: width,
                  pixels: [Float](repeating: value, count: channels * height * width))
    }

    /// A decoded 8-bit image as floats sample / 255, interleaved channels moved first.
    public init(_ decoded: DecodedImage) {
        let c = decoded.channels, plane = decoded.width * decoded.height
        var out = [Float](repeating: 0, count: c * plane)
        for p in 0..<plane {
            for k in 0..<c { out[k * plane + p] = Float(decoded.samples[p * c + k]) / 255 }
        }
        self.init(channels: c, height: decoded.height, width: decoded.width, pixels: out)
    }

    /// The value at channel `c`, row `y`, column `x`.
    public subscript(c c: Int, y y: Int, x x: Int) -> Float {
        get { pixels[(c * height + y) * width + x] }
        set { pixels[(c * height + y) * width + x] = newValue }
    }
}

extension ImageDataset {
    /// Image `i` as a planar image.
    public func planarImage(_ i: Int) -> PlanarImage {
        PlanarImage(channels: channels, height: height, width: width, pixels: Array(image(i)))
    }

    /// A data set from images that all have one size; stops with a message naming the first image
    /// whose size differs.
    public init(images: [PlanarImage], labels: [Int], classNames: [String]) {
        precondition(!images.isEmpty, "ImageDataset(images:): needs at least one image to know the image size")
        precondition(images.count == labels.count, "ImageDataset(images:): \(images.count) images but \(labels.count) labels")
        let first = images[0]
        var pixels = [Float]()
        pixels.reserveCapacity(images.count * first.pixels.count)
        for (i, im) in images.enumerated() {
            precondition(im.channels == first.channels && im.height == first.height && im.width == first.width,
                         "ImageDataset(images:): image \(i) is \(im.channels)×\(im.height)×\(im.width), image 0 is \(first.channels)×\(first.height)×\(first.width)")
            pixels.append(contentsOf: im.pixels)
        }
        self.init(channels: first.channels, height: first.height, width: first.width, pixels: pixels,
                  labels: labels, classNames: classNames)
    }

    /// Every image passed through `transform` (which must give every image the same size).
    public func mapImages(_ transform: (PlanarImage) -> PlanarImage) -> ImageDataset {
        guard count > 0 else {
            let probe = transform(PlanarImage(channels: channels, height: height, width: width, repeating: 0))
            return ImageDataset(channels: probe.channels, height: probe.height, width: probe.width, pixels: [],
                                labels: [], classNames: classNames)
        }
        return ImageDataset(images: (0..<count).map { transform(planarImage($0)) }, labels: labels, classNames: classNames)
    }

    /// Every image resized to `height` × `width` (bilinear, see `ImageTransforms.resize`).
    /// Resize before normalising and before augmenting, on pixels 0…1.
    public func resized(height: Int, width: Int) -> ImageDataset {
        if height == self.height && width == self.width { return self }
        let out = ImageTransforms.resizePlanes(pixels, planes: count * channels, height: self.height, width: self.width,
                                               toHeight: height, toWidth: width)
        return ImageDataset(channels: channels, height: height, width: width, pixels: out, labels: labels, classNames: classNames)
    }

    /// Every image converted to `channels` (grey replicated to RGB, RGB to grey by luma; see
    /// `ImageTransforms.convertChannels`).
    public func withChannels(_ channels: Int) -> ImageDataset {
        if channels == self.channels { return self }
        if self.channels == 1 && channels == 3 {     // replication without a copy per image
            let plane = height * width
            var out = [Float]()
            out.reserveCapacity(count * 3 * plane)
            for i in 0..<count {
                let im = pixels[(i * plane)..<((i + 1) * plane)]
                out.append(contentsOf: im); out.append(contentsOf: im); out.append(contentsOf: im)
            }
            return ImageDataset(channels: 3, height: height, width: width, pixels: out, labels: labels, classNames: classNames)
        }
        return mapImages { ImageTransforms.convertChannels($0, to: channels) }
    }
}
