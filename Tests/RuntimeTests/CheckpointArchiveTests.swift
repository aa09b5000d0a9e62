// The portable checkpoint format (PROTOCOL.md §4.5): a stored ZIP with manifest.json. A directory
// round-trips file for file; archives that lie or escape are refused with the entry named: a path
// with `..` or a leading `/`, an entry missing from the manifest, a listed file that is absent, a
// wrong size or SHA-256, a symlink, a manifest of another format, totals beyond the limit.
import Foundation
import RungBasics
import Store
import Testing
import ZIPFoundation
@testable import Runtime

private func scratch() throws -> URL {
    let u = FileManager.default.temporaryDirectory.appendingPathComponent("rung-ckpt-\(UUID().uuidString)", isDirectory: true)
    try FileManager.default.createDirectory(at: u, withIntermediateDirectories: true)
    return u
}

/// A ZIP made by hand: `entries` in order (nil bytes: a symlink to "/etc/passwd").
private func zip(_ entries: [(String, Data?)], in dir: URL) throws -> Data {
    let url = dir.appendingPathComponent("hand-\(UUID().uuidString).zip")
    let archive = try Archive(url: url, accessMode: .create)
    for (path, bytes) in entries {
        if let bytes {
            try archive.addEntry(with: path, type: .file, uncompressedSize: Int64(bytes.count)) { pos, size in
                bytes.subdata(in: Int(pos)..<Int(pos) + size)
            }
        } else {
            let target = Data("/etc/passwd".utf8)
            try archive.addEntry(with: path, type: .symlink, uncompressedSize: Int64(target.count)) { pos, size in
                target.subdata(in: Int(pos)..<Int(pos) + size)
            }
        }
    }
    return try Data(contentsOf: url)
}

private func manifest(_ files: [(String, Data)], size: ((String, Int) -> Int)? = nil) -> Data {
    let list = files.map { f in
        #"{"path":"\#(f.0)","size":\#(size?(f.0, f.1.count) ?? f.1.count),"sha256":"\#(SHA256.hex(f.1))"}"#
    }
    return Data(#"{"format":"rung-checkpoint","version":1,"files":[\#(list.joined(separator: ","))]}"#.utf8)
}

@Suite struct CheckpointArchiveTests {
    @Test func directoryRoundTripsWithAManifest() throws {
        let root = try scratch()
        defer { try? FileManager.default.removeItem(at: root) }
        let src = root.appendingPathComponent("src")
        try FileManager.default.createDirectory(at: src.appendingPathComponent("sub"), withIntermediateDirectories: true)
        try Data("weights".utf8).write(to: src.appendingPathComponent("model.safetensors"))
        try Data().write(to: src.appendingPathComponent("sub/empty"))
        let data = try CheckpointArchive.pack(src)
        // Stored (no compression), manifest at the root listing every file.
        let archive = try Archive(data: data, accessMode: .read)
        #expect(archive.map(\.path).sorted() == ["manifest.json", "model.safetensors", "sub/empty"])
        #expect(archive.allSatisfy { !$0.isCompressed })
        let dst = root.appendingPathComponent("dst")
        try CheckpointArchive.unpack(data, into: dst)
        #expect(try Data(contentsOf: dst.appendingPathComponent("model.safetensors")) == Data("weights".utf8))
        #expect(try Data(contentsOf: dst.appendingPathComponent("sub/empty")).isEmpty)
        #expect(!FileManager.default.fileExists(atPath: dst.appendingPathComponent("manifest.json").path))
    }

    @Test func lyingOrEscapingArchivesAreRefusedNamingTheEntry() throws {
        let root = try scratch()
        defer { try? FileManager.default.removeItem(at: root) }
        let w = Data("w".utf8)
        let cases: [([(String, Data?)], String)] = [
            ([("manifest.json", manifest([("../evil", w)])), ("../evil", w)], #"manifest path "../evil" escapes"#),
            ([("manifest.json", manifest([("/etc/evil", w)])), ("/etc/evil", w)], #""/etc/evil" is absolute"#),
            ([("manifest.json", manifest([("a", w)])), ("a", w), ("extra", w)], #"entry "extra" is not in manifest.json"#),
            ([("manifest.json", manifest([("a", w), ("b", w)])), ("a", w)], #"lists "b" but the archive has no such entry"#),
            ([("manifest.json", manifest([("a", Data("x".utf8))])), ("a", w)], #"entry "a" does not match manifest.json"#),
            ([("manifest.json", manifest([("a", w)], size: { _, _ in 5 })), ("a", w)], #"entry "a" holds 1 bytes; manifest.json says 5"#),
            ([("manifest.json", manifest([("a", w)])), ("a", w), ("link", nil)], #"entry "link" is a symlink"#),
            ([("manifest.json", manifest([("a", w)], size: { _, _ in 1 << 41 })), ("a", w)], "add up to more than"),
            ([("a", w)], "no manifest.json at the root"),
            ([("manifest.json", Data(#"{"format":"tar","version":1,"files":[]}"#.utf8))], #"format "tar""#),
        ]
        for (entries, expected) in cases {
            let target = root.appendingPathComponent("out")
            do {
                try CheckpointArchive.unpack(try zip(entries, in: root), into: target)
                Issue.record("accepted: \(expected)")
            } catch {
                #expect("\(error)".contains(expected), "\(error)")
            }
            #expect(!FileManager.default.fileExists(atPath: target.path), "nothing unpacked for: \(expected)")
            #expect(!FileManager.default.fileExists(atPath: root.deletingLastPathComponent().appendingPathComponent("evil").path))
        }
        #expect(throws: RuntimeError.self) { try CheckpointArchive.unpack(Data("not a zip".utf8), into: root.appendingPathComponent("x")) }
    }
}
