// The image-folder loader on a folder tree the test builds from the committed fixture images, its
// errors (no class folders, an empty class, an undecodable file named), and Fashion-MNIST from
// Debian's dataset-fashion-mnist when it is installed.

import Foundation
import Testing
@testable import FineTune

private func tree(_ layout: [String: [String]]) throws -> URL {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("rung-imagefolder-\(UUID().uuidString)")
    for (folder, files) in layout {
        let dir = root.appendingPathComponent(folder)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        for f in files {
            let (name, source) = f.contains("=") ? (String(f.split(separator: "=")[0]), String(f.split(separator: "=")[1])) : (f, f)
            if source == "garbage" {
                try Data("not an image".utf8).write(to: dir.appendingPathComponent(name))
            } else {
                try FileManager.default.copyItem(at: imageFixtureURL(source), to: dir.appendingPathComponent(name))
            }
        }
    }
    return root
}

private func loadError(_ root: URL) -> String {
    do {
        _ = try ImageFolder.load(root: root, height: 4, width: 4, channels: 3)
        return "no error"
    } catch { return error.message }
}

@Test func imageFolderLoadsClassesSortedByName() throws {
    let root = try tree(["zebra": ["b.png=grey8.png", "a.jpg=rgb.jpg", "notes.txt=garbage"],
                         "apple": ["x.JPEG=grey.jpg"]])
    defer { try? FileManager.default.removeItem(at: root) }
    let ds = try ImageFolder.load(root: root, height: 6, width: 5, channels: 3)
    #expect(ds.classNames == ["apple", "zebra"])
    #expect(ds.labels == [0, 1, 1])
    #expect(ds.channels == 3 && ds.height == 6 && ds.width == 5)
    // zebra/b.png is grey8.png (3×5 grey) stretched to 6×5 and replicated: its three planes agree and
    // equal the decoder's pixels resized the same way.
    let expected = ImageTransforms.resize(PlanarImage(try ImageDecoder.decode(contentsOf: imageFixtureURL("grey8.png"))), height: 6, width: 5)
    let b = ds.planarImage(2)
    #expect(Array(b.pixels[0..<30]) == expected.pixels && Array(b.pixels[30..<60]) == expected.pixels)

    let greyCrop = try ImageFolder.load(root: root, height: 8, width: 8, channels: 1, fit: .centerCrop)
    #expect(greyCrop.channels == 1 && greyCrop.count == 3)
    // rgb.jpg is 16×24: short side to 8 gives 8×12, the centred 8×8 window starts at column 2.
    let rgb = PlanarImage(try ImageDecoder.decode(contentsOf: imageFixtureURL("rgb.jpg")))
    let want = ImageTransforms.convertChannels(ImageTransforms.crop(ImageTransforms.resize(rgb, height: 8, width: 12),
                                                                    top: 0, left: 2, height: 8, width: 8), to: 1)
    #expect(greyCrop.planarImage(1).pixels == want.pixels)
}

@Test func imageFolderErrorsNameTheProblem() throws {
    let empty = try tree(["": []])
    defer { try? FileManager.default.removeItem(at: empty) }
    #expect(loadError(empty).contains("has no class folders"))

    let emptyClass = try tree(["cats": ["a.png=grey8.png"], "dogs": ["readme.txt=garbage"]])
    defer { try? FileManager.default.removeItem(at: emptyClass) }
    let m = loadError(emptyClass)
    #expect(m.contains("dogs") && m.contains("holds no images") && m.contains(".jpeg"))

    let bad = try tree(["cats": ["a.png=grey8.png", "broken.jpg=garbage"]])
    defer { try? FileManager.default.removeItem(at: bad) }
    let b = loadError(bad)
    #expect(b.contains("broken.jpg") && b.contains("neither PNG nor JPEG"))

    #expect(loadError(URL(fileURLWithPath: "/nonexistent/rung-images")).contains("cannot list image-folder root"))
    do {
        _ = try ImageFolder.load(root: bad, height: 4, width: 4, channels: 2)
        Issue.record("2 channels accepted")
    } catch { #expect(error.message.contains("accepted: 1 (grey) or 3 (RGB)")) }
}

@Test func fashionMNISTMissingSaysHowToInstall() {
    let nowhere = URL(fileURLWithPath: "/nonexistent/fashion-mnist")
    #expect(!FashionMNIST.isAvailable(.test, directory: nowhere))
    do {
        _ = try FashionMNIST.load(.test, directory: nowhere)
        Issue.record("no error for a missing Fashion-MNIST")
    } catch {
        #expect(error.message.contains("deploy/setup.sh") && error.message.contains("apt-get install dataset-fashion-mnist"))
        #expect(error.message.contains("t10k-images-idx3-ubyte.gz"))
    }
}

@Test(.enabled(if: FashionMNIST.isAvailable(.test),
               "Fashion-MNIST is not installed: run deploy/setup.sh (apt-get install dataset-fashion-mnist) to include this test"))
func fashionMNISTTestSplitLoads() throws {
    let test = try FashionMNIST.load(.test)
    #expect(test.count == 10_000 && test.channels == 1 && test.height == 28 && test.width == 28)
    #expect(test.classCounts == [Int](repeating: 1000, count: 10))
    #expect(test.classNames == ImageDataset.fashionMNISTClasses)
    #expect(test.labels.prefix(5) == [9, 2, 1, 1, 6])     // the published first test labels
    #expect(test.pixels.allSatisfy { $0 >= 0 && $0 <= 1 })
}
