// The PNG / JPEG decoder against the pixels Pillow decodes from the same committed files
// (scripts/fixtures/images.py), sample for sample, and its errors on damaged or foreign files:
// each names the file and what is wrong.

import Foundation
import Testing
@testable import FineTune

struct ImageFixtures: Decodable {
    struct File: Decodable { var width: Int; var height: Int; var channels: Int; var samples: [Int] }
    struct Resize: Decodable {
        var channels: Int; var height: Int; var width: Int; var outHeight: Int; var outWidth: Int; var values: [Float]
    }
    var files: [String: File]
    var resizes: [Resize]

    static func load() throws -> ImageFixtures {
        try JSONDecoder().decode(ImageFixtures.self, from: trainingFixtureData("images/images.json"))
    }
}

func imageFixtureURL(_ name: String) -> URL {
    Bundle.module.resourceURL!.appendingPathComponent("Fixtures/images").appendingPathComponent(name)
}

@Test(arguments: ["grey8.png", "rgb8.png", "rgba8.png", "grey-alpha.png", "palette.png", "bits1.png", "grey16.png",
                  "rgb.jpg", "grey.jpg", "progressive.jpg"])
func decoderGivesPillowsPixels(_ name: String) throws {
    let expected = try #require(try ImageFixtures.load().files[name])
    let image = try ImageDecoder.decode(contentsOf: imageFixtureURL(name))
    #expect(image.width == expected.width && image.height == expected.height && image.channels == expected.channels)
    #expect(image.samples.map(Int.init) == expected.samples, "\(name): samples differ")
}

@Test func decoderRecognisesFormatsByContent() throws {
    let png = try Data(contentsOf: imageFixtureURL("grey8.png"))
    let jpg = try Data(contentsOf: imageFixtureURL("rgb.jpg"))
    #expect(ImageFormat.detect(png) == .png && ImageFormat.detect(jpg) == .jpeg)
    #expect(ImageFormat.detect(Data("GIF89a".utf8)) == nil && ImageFormat.detect(Data()) == nil)
    // The name does not matter: a PNG's bytes under any source name decode as PNG.
    #expect(try ImageDecoder.decode(png, source: "x.jpg").width == 5)
}

private func decodeError(_ data: Data, source: String = "shirt.png") -> String {
    do {
        _ = try ImageDecoder.decode(data, source: source)
        return "no error"
    } catch {
        #expect(error.code == .invalidImage)
        return error.message
    }
}

@Test func decoderNamesFileAndProblem() throws {
    let gif = decodeError(Data("GIF89a\u{1}\u{0}".utf8), source: "a/b.gif")
    #expect(gif.contains("a/b.gif") && gif.contains("neither PNG nor JPEG") && gif.contains("47 49 46 38"))

    let png = try Data(contentsOf: imageFixtureURL("rgb8.png"))
    for cut in [8, 20, 40, png.count - 13] {
        let m = decodeError(png.prefix(cut), source: "t.png")
        #expect(m.hasPrefix("t.png: cannot decode as PNG") && m.contains("truncated"), "cut at \(cut): \(m)")
    }
    let jpg = try Data(contentsOf: imageFixtureURL("rgb.jpg"))
    for cut in [3, 100, 300, jpg.count - 2] {
        let m = decodeError(jpg.prefix(cut), source: "t.jpg")
        #expect(m.hasPrefix("t.jpg: cannot decode as JPEG") && !m.isEmpty, "cut at \(cut): \(m)")
    }
    #expect(decodeError(jpg.prefix(400), source: "t.jpg").contains("truncated"))

    // A damaged PNG header CRC and a JPEG with a corrupt frame header fail with the library's message.
    var badCRC = png
    badCRC[29] ^= 0xff
    #expect(decodeError(badCRC).contains("CRC"))
    var badJPEG = jpg
    if let sof = (0..<(jpg.count - 1)).first(where: { jpg[$0] == 0xFF && jpg[$0 + 1] == 0xC0 }) {
        badJPEG[sof + 4] = 12     // sample precision 12
        #expect(decodeError(badJPEG, source: "p.jpg").contains("12"))
    } else {
        Issue.record("rgb.jpg has no baseline SOF0 marker")
    }
}

@Test func everyTruncationIsAnErrorNeverACrash() throws {
    for name in ["rgb8.png", "palette.png", "grey.jpg", "progressive.jpg"] {
        let data = try Data(contentsOf: imageFixtureURL(name))
        var failures = 0
        for cut in 0..<data.count {
            do {
                _ = try ImageDecoder.decode(data.prefix(cut), source: name)
                Issue.record("\(name) cut to \(cut) of \(data.count) bytes decoded without an error")
            } catch {
                failures += 1
                #expect(error.message.hasPrefix(name))
            }
        }
        #expect(failures == data.count)
    }
}

@Test func hugeDimensionsAreRefusedBeforeAllocation() throws {
    // rgb8.png with its IHDR width and height set to 20000 × 20000 (and the chunk CRC fixed).
    var png = [UInt8](try Data(contentsOf: imageFixtureURL("rgb8.png")))
    for o in [16, 20] { png[o..<(o + 4)] = [0, 0, 0x4E, 0x20] }
    var c: UInt32 = 0xffff_ffff
    for b in png[12..<29] {
        c ^= UInt32(b)
        for _ in 0..<8 { c = c & 1 != 0 ? (c >> 1) ^ 0xedb8_8320 : c >> 1 }
    }
    let crc = ~c
    png[29..<33] = [UInt8(crc >> 24), UInt8(crc >> 16 & 0xff), UInt8(crc >> 8 & 0xff), UInt8(crc & 0xff)]
    #expect(decodeError(Data(png), source: "big.png").contains("20000×20000 pixels exceed the limit of 100 megapixels"))
}

@Test func cmykJPEGIsRefusedWithWhatIsAccepted() throws {
    let m = decodeError(try Data(contentsOf: imageFixtureURL("cmyk.jpg")), source: "ink.jpg")
    #expect(m.hasPrefix("ink.jpg: cannot decode as JPEG") && m.contains("CMYK") && m.contains("accepted: greyscale, YCbCr or RGB"))
}

@Test func missingImageFileIsUnreadable() {
    #expect(throws: FineTuneError.self) { try ImageDecoder.decode(contentsOf: URL(fileURLWithPath: "/nonexistent/x.png")) }
}

@Test func planarImageMovesChannelsFirst() {
    let d = DecodedImage(width: 2, height: 1, channels: 3, samples: [0, 51, 102, 153, 204, 255])
    let p = PlanarImage(d)
    #expect(p.channels == 3 && p.height == 1 && p.width == 2)
    let expected: [Float] = [0, 153, 51, 204, 102, 255].map { Float($0) / 255 }
    #expect(p.pixels == expected)
    #expect(p[c: 1, y: 0, x: 1] == Float(204) / 255)
}
