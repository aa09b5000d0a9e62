// IDX files, the MNIST / Fashion-MNIST format (plain or gzipped): a 4-byte magic (two zero bytes,
// a type code, the number of dimensions), big-endian 32-bit extents, then the values row-major.
// Only unsigned bytes (type 0x08) are read: 0x803 for images [N, H, W], 0x801 for labels [N].

import Foundation
import Tensors

/// The contents of one IDX file of unsigned bytes.
public struct IDXArray: Sendable, Equatable {
    /// The extents, outermost first ([N, H, W] for images, [N] for labels).
    public var shape: [Int]
    /// The values, row-major.
    public var values: [UInt8]

    /// Reads an IDX file of unsigned bytes, gzipped (detected by its magic bytes) or not.
    public static func read(_ url: URL) throws(FineTuneError) -> IDXArray {
        let raw: Data
        do { raw = try Data(contentsOf: url) } catch {
            throw FineTuneError(.unreadableFile, "cannot read IDX file \(url.path) (\(error.localizedDescription))")
        }
        let data = Gzip.isGzip(raw) ? try Gzip.decompress(raw, source: url.path) : raw
        return try parse(data, source: url.path)
    }

    /// Parses the bytes of an IDX file (already decompressed); `source` names it in errors.
    public static func parse(_ data: Data, source: String) throws(FineTuneError) -> IDXArray {
        let b = [UInt8](data)
        func fail(_ what: String) -> FineTuneError { FineTuneError(.invalidIDX, "\(source): \(what)") }
        guard b.count >= 4 else { throw fail("holds \(b.count) bytes, fewer than the 4-byte IDX magic number") }
        guard b[0] == 0, b[1] == 0 else {
            throw fail(String(format: "magic number starts with %02x %02x; an IDX file starts with two zero bytes (images 00 00 08 03, labels 00 00 08 01)", b[0], b[1]))
        }
        guard b[2] == 0x08 else {
            throw fail(String(format: "element type 0x%02x is not supported; only unsigned bytes (0x08) are read", b[2]))
        }
        let rank = Int(b[3])
        guard rank >= 1 else { throw fail("declares 0 dimensions") }
        let header = 4 + 4 * rank
        guard b.count >= header else { throw fail("ends inside its header (\(b.count) bytes, the header of \(rank) dimensions needs \(header))") }
        var shape = [Int]()
        for d in 0..<rank {
            let o = 4 + 4 * d
            shape.append(Int(b[o]) << 24 | Int(b[o + 1]) << 16 | Int(b[o + 2]) << 8 | Int(b[o + 3]))
        }
        let count = shape.reduce(1, *)
        guard b.count - header == count else {
            throw fail("dimensions \(shape) need \(count) values but \(b.count - header) bytes follow the header")
        }
        return IDXArray(shape: shape, values: Array(b[header...]))
    }
}

/// Images with their labels from a pair of IDX files (MNIST, Fashion-MNIST).
public struct IDXImageSet: Sendable, Equatable {
    /// Pixels of every image, [count, height, width] row-major, 0…255.
    public var pixels: [UInt8]
    /// Class label of each image.
    public var labels: [Int]
    /// Image height.
    public var height: Int
    /// Image width.
    public var width: Int

    /// Number of images.
    public var count: Int { labels.count }

    /// Reads an images file (magic 0x803, [N, H, W]) and a labels file (magic 0x801, [N]) and
    /// checks that they hold the same number of entries.
    public static func read(images: URL, labels: URL) throws(FineTuneError) -> IDXImageSet {
        let im = try IDXArray.read(images)
        guard im.shape.count == 3 else {
            throw FineTuneError(.invalidIDX, "\(images.path): an images file has 3 dimensions (magic 0x803), this one has \(im.shape.count) (\(im.shape))")
        }
        let lb = try IDXArray.read(labels)
        guard lb.shape.count == 1 else {
            throw FineTuneError(.invalidIDX, "\(labels.path): a labels file has 1 dimension (magic 0x801), this one has \(lb.shape.count) (\(lb.shape))")
        }
        guard im.shape[0] == lb.shape[0] else {
            throw FineTuneError(.invalidIDX, "\(images.path) holds \(im.shape[0]) images but \(labels.path) holds \(lb.shape[0]) labels")
        }
        return IDXImageSet(pixels: im.values, labels: lb.values.map(Int.init), height: im.shape[1], width: im.shape[2])
    }

    /// The images `indices` as a tensor [k, 1, H, W] of pixel / 255, and their labels.
    public func batch(_ indices: [Int]) -> (images: Tensor, labels: [Int]) {
        let plane = height * width
        var out = [Float](repeating: 0, count: indices.count * plane)
        for (r, i) in indices.enumerated() {
            precondition(i >= 0 && i < count, "IDXImageSet.batch: index \(i) is outside 0..<\(count)")
            for p in 0..<plane { out[r * plane + p] = Float(pixels[i * plane + p]) / 255 }
        }
        return (Tensor(shape: [indices.count, 1, height, width], scalars: out), indices.map { labels[$0] })
    }
}
