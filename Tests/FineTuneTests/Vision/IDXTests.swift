// The IDX reader on small files the test writes itself, plain and gzipped (stored deflate blocks
// with a name field in the header), its errors on damaged files, and the real Fashion-MNIST files
// from Debian's dataset-fashion-mnist package when they are installed.

import Foundation
import Testing
import Tensors
@testable import FineTune

private func idxBytes(type: UInt8 = 8, shape: [Int], values: [UInt8]) -> Data {
    var d = Data([0, 0, type, UInt8(shape.count)])
    for s in shape { d.append(contentsOf: [UInt8(s >> 24 & 0xff), UInt8(s >> 16 & 0xff), UInt8(s >> 8 & 0xff), UInt8(s & 0xff)]) }
    d.append(contentsOf: values)
    return d
}

private func crc32(_ bytes: [UInt8]) -> UInt32 {
    var c: UInt32 = 0xffff_ffff
    for b in bytes {
        c ^= UInt32(b)
        for _ in 0..<8 { c = c & 1 != 0 ? (c >> 1) ^ 0xedb8_8320 : c >> 1 }
    }
    return ~c
}

/// A gzip member holding `payload` in stored (uncompressed) deflate blocks of at most 7 bytes,
/// with the file name field set, so the reader must walk the header and several blocks.
private func gzipStored(_ payload: Data, badCRC: Bool = false) -> Data {
    var d = Data([0x1f, 0x8b, 8, 0x08, 0, 0, 0, 0, 0, 3])
    d.append(contentsOf: Array("t.idx".utf8) + [0])
    let p = [UInt8](payload)
    var start = 0
    repeat {
        let n = min(7, p.count - start)
        let last: UInt8 = start + n == p.count ? 1 : 0
        d.append(contentsOf: [last, UInt8(n & 0xff), UInt8(n >> 8), ~UInt8(n & 0xff), ~UInt8(n >> 8)])
        d.append(contentsOf: p[start..<(start + n)])
        start += n
    } while start < p.count
    let crc = crc32(p) ^ (badCRC ? 1 : 0)
    let size = UInt32(p.count)
    for v in [crc, size] { d.append(contentsOf: (0..<4).map { UInt8(v >> (8 * $0) & 0xff) }) }
    return d
}

private func temporaryFile(_ name: String, _ data: Data) throws -> URL {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rung-idx-\(ProcessInfo.processInfo.processIdentifier)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    let url = dir.appendingPathComponent(name)
    try data.write(to: url)
    return url
}

@Test(arguments: [false, true])
func idxImagesAndLabelsRoundTrip(gzipped: Bool) throws {
    let pixels: [UInt8] = (0..<(3 * 4 * 2)).map { UInt8($0 * 10) }
    let labels: [UInt8] = [7, 0, 9]
    let imData = idxBytes(shape: [3, 4, 2], values: pixels)
    let lbData = idxBytes(shape: [3], values: labels)
    let suffix = gzipped ? ".gz" : ""
    let im = try temporaryFile("images-\(gzipped)-idx3-ubyte" + suffix, gzipped ? gzipStored(imData) : imData)
    let lb = try temporaryFile("labels-\(gzipped)-idx1-ubyte" + suffix, gzipped ? gzipStored(lbData) : lbData)
    let set = try IDXImageSet.read(images: im, labels: lb)
    #expect(set.count == 3 && set.height == 4 && set.width == 2)
    #expect(set.pixels == pixels)
    #expect(set.labels == [7, 0, 9])
    let (x, y) = set.batch([2, 0])
    #expect(x.shape == [2, 1, 4, 2])
    #expect(y == [9, 7])
    #expect(x.scalars == (pixels[16..<24] + pixels[0..<8]).map { Float($0) / 255 })
}

@Test func idxErrorsNameTheFileAndTheProblem() throws {
    func message(_ data: Data, _ name: String) -> String {
        do { _ = try IDXArray.parse(data, source: name); return "no error" } catch { return error.message }
    }
    #expect(message(Data([0, 0, 8]), "a") == "a: holds 3 bytes, fewer than the 4-byte IDX magic number")
    #expect(message(Data([1, 2, 8, 1]), "b").hasPrefix("b: magic number starts with 01 02"))
    #expect(message(idxBytes(type: 0x0d, shape: [1], values: [0, 0, 0, 0]), "c") == "c: element type 0x0d is not supported; only unsigned bytes (0x08) are read")
    #expect(message(idxBytes(shape: [2, 3], values: [1, 2, 3, 4, 5]), "d") == "d: dimensions [2, 3] need 6 values but 5 bytes follow the header")
    #expect(message(Data([0, 0, 8, 3, 0, 0]), "e") == "e: ends inside its header (6 bytes, the header of 3 dimensions needs 16)")

    let lbData = idxBytes(shape: [2], values: [1, 2])
    let bad = try temporaryFile("bad-crc.gz", gzipStored(lbData, badCRC: true))
    #expect(throws: FineTuneError.self) { try IDXArray.read(bad) }
    do { _ = try IDXArray.read(bad) } catch { #expect(error.code == .invalidGzip && error.message.contains("CRC-32")) }

    let im = try temporaryFile("im.idx", idxBytes(shape: [3, 1, 1], values: [1, 2, 3]))
    let lb = try temporaryFile("lb.idx", lbData)
    do { _ = try IDXImageSet.read(images: im, labels: lb); Issue.record("mismatched counts accepted") } catch {
        #expect(error.message == "\(im.path) holds 3 images but \(lb.path) holds 2 labels")
    }
    do { _ = try IDXImageSet.read(images: lb, labels: lb); Issue.record("labels accepted as images") } catch {
        #expect(error.message.contains("an images file has 3 dimensions"))
    }
}

private let fashionDirectory = URL(fileURLWithPath: "/usr/share/datasets/fashion-mnist")

@Test(.enabled(if: FileManager.default.fileExists(atPath: fashionDirectory.appendingPathComponent("t10k-images-idx3-ubyte.gz").path),
               "Fashion-MNIST is absent: apt-get install dataset-fashion-mnist to include this test"))
func readsRealFashionMNISTTestSet() throws {
    let set = try IDXImageSet.read(images: fashionDirectory.appendingPathComponent("t10k-images-idx3-ubyte.gz"),
                                   labels: fashionDirectory.appendingPathComponent("t10k-labels-idx1-ubyte.gz"))
    #expect(set.count == 10_000 && set.height == 28 && set.width == 28)
    var perClass = [Int](repeating: 0, count: 10)
    for l in set.labels { perClass[l] += 1 }
    #expect(perClass == [Int](repeating: 1_000, count: 10))
    #expect(set.labels.prefix(10) == [9, 2, 1, 1, 6, 1, 4, 6, 5, 7])
}
