// Pure, deterministic transforms of one planar image: bilinear resizing (PyTorch's rule), resizing
// the short side, cropping (with zero fill outside), channel conversion, horizontal flip, rotation
// and scaling about the centre, and Gaussian blur. Random choices live in ImageAugmentation;
// normalisation in ImageNormalization. Leaves out antialiased resizing and colour jitter.

import Foundation

/// Deterministic transforms of one image ([C, H, W] floats).
public enum ImageTransforms {
    /// Bilinear resize to `height` × `width` with half-pixel centres and no antialiasing — the
    /// rule of `torch.nn.functional.interpolate(x, size=(height, width), mode="bilinear",
    /// align_corners=False)`: output pixel d samples the input at s = (d + 0.5)·in/out − 0.5
    /// (clamped at 0; computed in Float as PyTorch does), between pixels ⌊s⌋ and ⌊s⌋ + 1 (the last
    /// pixel repeats at the far edge). Shrinking by more than 2× therefore skips pixels (aliasing),
    /// exactly as PyTorch does without `antialias=True`. A side that keeps its size is copied.
    public static func resize(_ image: PlanarImage, height: Int, width: Int) -> PlanarImage {
        precondition(height > 0 && width > 0, "ImageTransforms.resize: target \(height)×\(width) must be positive")
        if height == image.height && width == image.width { return image }
        let out = resizePlanes(image.pixels, planes: image.channels, height: image.height, width: image.width,
                               toHeight: height, toWidth: width)
        return PlanarImage(channels: image.channels, height: height, width: width, pixels: out)
    }

    /// `resize` applied to `planes` consecutive planes of `height` × `width` (a whole data set is
    /// N·C planes).
    static func resizePlanes(_ pixels: [Float], planes: Int, height inH: Int, width inW: Int,
                             toHeight height: Int, toWidth width: Int) -> [Float] {
        precondition(pixels.count == planes * inH * inW, "ImageTransforms.resizePlanes: \(pixels.count) values are not \(planes) planes of \(inH)×\(inW)")
        let ys = linearTaps(input: inH, output: height)
        let xs = linearTaps(input: inW, output: width)
        var out = [Float](repeating: 0, count: planes * height * width)
        pixels.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for c in 0..<planes {
                    let plane = c * inH * inW
                    for oy in 0..<height {
                        let ty = ys[oy]
                        let row0 = plane + ty.i0 * inW, row1 = plane + ty.i1 * inW
                        let o = (c * height + oy) * width
                        for ox in 0..<width {
                            let tx = xs[ox]
                            let top = tx.w0 * src[row0 + tx.i0] + tx.w1 * src[row0 + tx.i1]
                            let bottom = tx.w0 * src[row1 + tx.i0] + tx.w1 * src[row1 + tx.i1]
                            dst[o + ox] = ty.w0 * top + ty.w1 * bottom
                        }
                    }
                }
            }
        }
        return out
    }

    /// The two input pixels and weights each output pixel of one axis reads (see `resize`).
    static func linearTaps(input: Int, output: Int) -> [(i0: Int, i1: Int, w0: Float, w1: Float)] {
        if input == output { return (0..<output).map { ($0, $0, 1, 0) } }
        let scale = Float(input) / Float(output)
        return (0..<output).map { d in
            let s = max(scale * (Float(d) + 0.5) - 0.5, 0)
            let i0 = min(Int(s.rounded(.down)), input - 1)
            let w1 = min(max(s - Float(i0), 0), 1)
            return (i0, i0 + (i0 < input - 1 ? 1 : 0), 1 - w1, w1)
        }
    }

    /// The size whose shorter side is `shortSide`, keeping the aspect ratio; the longer side is
    /// truncated (⌊shortSide · long / short⌋), as torchvision's `Resize(int)` does.
    public static func shortSideSize(height: Int, width: Int, shortSide: Int) -> (height: Int, width: Int) {
        precondition(shortSide > 0 && height > 0 && width > 0, "ImageTransforms.shortSideSize: sizes must be positive")
        if height <= width { return (shortSide, max(1, shortSide * width / height)) }
        return (max(1, shortSide * height / width), shortSide)
    }

    /// Resizes so the shorter side becomes `shortSide` (bilinear, see `resize` and `shortSideSize`).
    public static func resizeShortSide(_ image: PlanarImage, to shortSide: Int) -> PlanarImage {
        let s = shortSideSize(height: image.height, width: image.width, shortSide: shortSide)
        return resize(image, height: s.height, width: s.width)
    }

    /// The `height` × `width` window whose top-left corner is at (`top`, `left`); the window may
    /// reach outside the image (negative offsets too), where it reads `fill`. Padding by p and then
    /// cropping at (t, l) is `crop(top: t − p, left: l − p)`.
    public static func crop(_ image: PlanarImage, top: Int, left: Int, height: Int, width: Int, fill: Float = 0) -> PlanarImage {
        precondition(height > 0 && width > 0, "ImageTransforms.crop: window \(height)×\(width) must be positive")
        var out = PlanarImage(channels: image.channels, height: height, width: width, repeating: fill)
        let y0 = max(0, -top), y1 = min(height, image.height - top)
        let x0 = max(0, -left), x1 = min(width, image.width - left)
        guard y0 < y1, x0 < x1 else { return out }
        for c in 0..<image.channels {
            for y in y0..<y1 {
                let s = (c * image.height + y + top) * image.width + left
                let d = (c * height + y) * width
                for x in x0..<x1 { out.pixels[d + x] = image.pixels[s + x] }
            }
        }
        return out
    }

    /// The centred `height` × `width` window; the offset is round((H − h) / 2) with ties to even,
    /// as torchvision's `CenterCrop` (Python's `round`). A window larger than the image reads 0.
    public static func centerCrop(_ image: PlanarImage, height: Int, width: Int) -> PlanarImage {
        let top = Int((Double(image.height - height) / 2).rounded(.toNearestOrEven))
        let left = Int((Double(image.width - width) / 2).rounded(.toNearestOrEven))
        return crop(image, top: top, left: left, height: height, width: width)
    }

    /// Resizes the short side to `shortSide` and takes the centred `crop` × `crop` window
    /// (ImageNet evaluation: 256 then 224).
    public static func resizeAndCenterCrop(_ image: PlanarImage, shortSide: Int, crop: Int) -> PlanarImage {
        centerCrop(resizeShortSide(image, to: shortSide), height: crop, width: crop)
    }

    /// Converts between 1 and 3 channels: grey is replicated into R, G and B; RGB becomes grey by
    /// ITU-R 601 luma, 0.299 R + 0.587 G + 0.114 B (Pillow's `convert("L")`, without its rounding).
    /// Any other pair stops with a message.
    public static func convertChannels(_ image: PlanarImage, to channels: Int) -> PlanarImage {
        if channels == image.channels { return image }
        let plane = image.height * image.width
        switch (image.channels, channels) {
        case (1, 3):
            return PlanarImage(channels: 3, height: image.height, width: image.width,
                               pixels: image.pixels + image.pixels + image.pixels)
        case (3, 1):
            var out = [Float](repeating: 0, count: plane)
            for p in 0..<plane {
                out[p] = 0.299 * image.pixels[p] + 0.587 * image.pixels[plane + p] + 0.114 * image.pixels[2 * plane + p]
            }
            return PlanarImage(channels: 1, height: image.height, width: image.width, pixels: out)
        default:
            preconditionFailure("ImageTransforms.convertChannels: \(image.channels) → \(channels) channels; accepted: 1 → 3 and 3 → 1")
        }
    }

    /// The mirror image (column x becomes column W − 1 − x).
    public static func horizontalFlip(_ image: PlanarImage) -> PlanarImage {
        var out = image
        let w = image.width
        for row in 0..<(image.channels * image.height) {
            for x in 0..<w { out.pixels[row * w + x] = image.pixels[row * w + w - 1 - x] }
        }
        return out
    }

    /// Rotates by `degrees` (counter-clockwise as seen, y pointing down) and scales by `scale`
    /// about the image centre, keeping the size. Each output pixel samples the input bilinearly at
    /// the inverse-mapped position; neighbours outside the image read `fill`.
    public static func rotateAndScale(_ image: PlanarImage, degrees: Double, scale: Double, fill: Float = 0) -> PlanarImage {
        precondition(scale > 0, "ImageTransforms.rotateAndScale: scale \(scale) must be positive")
        let t = degrees * Double.pi / 180
        let cosT = Float(cos(t) / scale), sinT = Float(sin(t) / scale)
        let h = image.height, w = image.width
        let cy = Float(h - 1) / 2, cx = Float(w - 1) / 2
        var out = [Float](repeating: fill, count: image.pixels.count)
        image.pixels.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for y in 0..<h {
                    let dy = Float(y) - cy
                    for x in 0..<w {
                        let dx = Float(x) - cx
                        let sx = cosT * dx - sinT * dy + cx
                        let sy = sinT * dx + cosT * dy + cy
                        let fx = sx.rounded(.down), fy = sy.rounded(.down)
                        // Entirely outside (all four neighbours out of range): keep the fill.
                        guard fx >= -1, fy >= -1, fx < Float(w), fy < Float(h) else { continue }
                        let ax = sx - fx, ay = sy - fy
                        let x0 = Int(fx), y0 = Int(fy)
                        let inX0 = x0 >= 0, inX1 = x0 + 1 < w, inY0 = y0 >= 0, inY1 = y0 + 1 < h
                        for c in 0..<image.channels {
                            let plane = c * h * w
                            let p00 = inY0 && inX0 ? src[plane + y0 * w + x0] : fill
                            let p01 = inY0 && inX1 ? src[plane + y0 * w + x0 + 1] : fill
                            let p10 = inY1 && inX0 ? src[plane + (y0 + 1) * w + x0] : fill
                            let p11 = inY1 && inX1 ? src[plane + (y0 + 1) * w + x0 + 1] : fill
                            let top = (1 - ax) * p00 + ax * p01
                            let bottom = (1 - ax) * p10 + ax * p11
                            dst[plane + y * w + x] = (1 - ay) * top + ay * bottom
                        }
                    }
                }
            }
        }
        return PlanarImage(channels: image.channels, height: h, width: w, pixels: out)
    }

    /// The normalised Gaussian weights exp(−k² / 2σ²) for k = −r…r, r = max(1, ⌈3σ⌉).
    public static func gaussianKernel(sigma: Double) -> [Float] {
        precondition(sigma > 0, "ImageTransforms.gaussianKernel: sigma \(sigma) must be positive")
        let r = max(1, Int((3 * sigma).rounded(.up)))
        let raw = (-r...r).map { exp(-Double($0 * $0) / (2 * sigma * sigma)) }
        let total = raw.reduce(0, +)
        return raw.map { Float($0 / total) }
    }

    /// Gaussian blur with standard deviation `sigma` pixels: the separable kernel of
    /// `gaussianKernel`, rows then columns, borders mirrored without repeating the edge pixel
    /// (torchvision's "reflect").
    public static func gaussianBlur(_ image: PlanarImage, sigma: Double) -> PlanarImage {
        let k = gaussianKernel(sigma: sigma)
        let r = k.count / 2
        let h = image.height, w = image.width
        let xIndex = (0..<w).flatMap { x in (-r...r).map { reflect(x + $0, size: w) } }
        let yIndex = (0..<h).flatMap { y in (-r...r).map { reflect(y + $0, size: h) * w } }
        let taps = k.count
        var tmp = [Float](repeating: 0, count: image.pixels.count)
        var out = tmp
        image.pixels.withUnsafeBufferPointer { src in
            tmp.withUnsafeMutableBufferPointer { mid in
                out.withUnsafeMutableBufferPointer { dst in
                    for c in 0..<image.channels {
                        let plane = c * h * w
                        for y in 0..<h {      // rows: mid[y, x] = Σ k[j] · src[y, reflect(x + j − r)]
                            let row = plane + y * w
                            for x in 0..<w {
                                var s: Float = 0
                                for j in 0..<taps { s += k[j] * src[row + xIndex[x * taps + j]] }
                                mid[row + x] = s
                            }
                        }
                        for y in 0..<h {      // columns: dst[y, x] = Σ k[j] · mid[reflect(y + j − r), x]
                            for x in 0..<w {
                                var s: Float = 0
                                for j in 0..<taps { s += k[j] * mid[plane + yIndex[y * taps + j] + x] }
                                dst[plane + y * w + x] = s
                            }
                        }
                    }
                }
            }
        }
        return PlanarImage(channels: image.channels, height: h, width: w, pixels: out)
    }

    /// Index `i` folded into 0..<size by mirroring about the edge pixels (…2 1 | 0 1 2 … n−1 | n−2…).
    static func reflect(_ i: Int, size: Int) -> Int {
        if size == 1 { return 0 }
        let period = 2 * (size - 1)
        var m = i % period
        if m < 0 { m += period }
        return m < size ? m : period - m
    }
}
