// Decoding PNG and JPEG files into 8-bit grey or RGB pixels, through Debian's libpng and
// libjpeg-turbo (the CImageCodecs shim turns their fatal errors into messages). The format is
// recognised by the file's first bytes, not its name. Leaves out encoding, ICC profiles and gamma.

import CImageCodecs
import Foundation

/// One decoded image: 8-bit samples, interleaved (height × width × channels), row-major.
public struct DecodedImage: Sendable, Equatable {
    /// Image width in pixels.
    public var width: Int
    /// Image height in pixels.
    public var height: Int
    /// Samples per pixel: 1 (grey) or 3 (RGB).
    public var channels: Int
    /// The samples, [height, width, channels] row-major, 0…255.
    public var samples: [UInt8]

    /// Makes an image; stops with a message when the sizes do not agree.
    public init(width: Int, height: Int, channels: Int, samples: [UInt8]) {
        precondition(width > 0 && height > 0 && (channels == 1 || channels == 3),
                     "DecodedImage: size \(width)×\(height)×\(channels) needs positive sides and 1 or 3 channels")
        precondition(samples.count == width * height * channels,
                     "DecodedImage: \(samples.count) samples do not make \(width)×\(height)×\(channels)")
        self.width = width; self.height = height; self.channels = channels; self.samples = samples
    }
}

/// The image file formats the decoder reads.
public enum ImageFormat: String, Sendable, CaseIterable {
    /// Portable Network Graphics: every bit depth and colour type; 16-bit samples are scaled to 8,
    /// palettes expanded to RGB, alpha dropped.
    case png
    /// JPEG (JFIF / Exif), 8-bit baseline or progressive, greyscale, YCbCr or RGB.
    case jpeg

    /// The format announced by the first bytes of `data`, or nil.
    public static func detect(_ data: Data) -> ImageFormat? {
        let png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        if data.count >= 8, data.prefix(8).elementsEqual(png) { return .png }
        if data.count >= 3, data.prefix(3).elementsEqual([0xFF, 0xD8, 0xFF]) { return .jpeg }
        return nil
    }
}

/// Decodes PNG and JPEG files.
public enum ImageDecoder {
    /// Reads and decodes the image file at `url`; errors name the file.
    public static func decode(contentsOf url: URL) throws(FineTuneError) -> DecodedImage {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw FineTuneError(.unreadableFile, "cannot read image file \(url.path) (\(error.localizedDescription))")
        }
        return try decode(data, source: url.path)
    }

    /// Decodes the bytes of a PNG or JPEG file; `source` names it in errors.
    public static func decode(_ data: Data, source: String) throws(FineTuneError) -> DecodedImage {
        guard let format = ImageFormat.detect(data) else {
            let head = data.prefix(8).map { String(format: "%02x", $0) }.joined(separator: " ")
            throw FineTuneError(.invalidImage, "\(source) is neither PNG nor JPEG (it starts with bytes [\(head)]); accepted: PNG (89 50 4e 47 …) and JPEG (ff d8 ff …)")
        }
        var image = rung_image()
        var message = [CChar](repeating: 0, count: 512)
        let status: Int32 = data.withUnsafeBytes { raw in
            message.withUnsafeMutableBufferPointer { msg in
                let bytes = raw.bindMemory(to: UInt8.self).baseAddress!
                switch format {
                case .png: return rung_png_decode(bytes, raw.count, &image, msg.baseAddress, msg.count)
                case .jpeg: return rung_jpeg_decode(bytes, raw.count, &image, msg.baseAddress, msg.count)
                }
            }
        }
        defer { rung_image_free(&image) }
        guard status == 0 else {
            let text = message.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
            throw FineTuneError(.invalidImage, "\(source): cannot decode as \(format == .png ? "PNG" : "JPEG"): \(text)")
        }
        let count = Int(image.width) * Int(image.height) * Int(image.channels)
        let samples = Array(UnsafeBufferPointer(start: image.pixels, count: count))
        return DecodedImage(width: Int(image.width), height: Int(image.height), channels: Int(image.channels), samples: samples)
    }
}
