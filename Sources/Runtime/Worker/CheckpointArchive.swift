// A checkpoint directory as one portable file for transfer between workers (PROTOCOL.md §4.5): a ZIP
// archive whose entries are stored (no compression), holding the directory's files and, at the root,
// `manifest.json` = {"format": "rung-checkpoint", "version": 1, "files": [{path, size, sha256}]}.
// Unpacking trusts nothing: every file must be in the manifest with its size and SHA-256, and paths
// that escape (absolute, `..`), symlinks and oversize totals are refused. Leaves out compression
// (safetensors weights barely compress) and the transfer itself (CHECKPOINT_PUT / CHECKPOINT).
import Foundation
import RungBasics
import ZIPFoundation

/// Packs and unpacks checkpoint directories.
public enum CheckpointArchive {
    /// The manifest's name inside the archive.
    public static let manifestName = "manifest.json"
    /// The manifest's `format`.
    public static let format = "rung-checkpoint"
    /// The manifest's `version` this build writes and reads.
    public static let version = 1
    /// Largest total of the files' sizes unpacked (the wire's largest checkpoint, 1 TiB).
    public static let maxTotalBytes = 1 << 40

    /// One file of a checkpoint, as the manifest lists it.
    public struct FileEntry: Codable, Hashable, Sendable {
        /// Path relative to the checkpoint directory, `/`-separated.
        public var path: String
        /// Size in bytes.
        public var size: Int
        /// SHA-256 of the bytes, lowercase hex.
        public var sha256: String
    }

    /// `manifest.json`.
    public struct Manifest: Codable, Hashable, Sendable {
        /// Always "rung-checkpoint".
        public var format: String
        /// 1.
        public var version: Int
        /// Every file of the checkpoint directory.
        public var files: [FileEntry]
    }

    /// The directory's regular files (recursively) and their manifest as a stored ZIP archive.
    public static func pack(_ directory: URL) throws -> Data {
        let fm = FileManager.default
        var entries: [(FileEntry, URL)] = []
        let root = directory.standardizedFileURL.resolvingSymlinksInPath()
        guard let walker = fm.enumerator(at: root, includingPropertiesForKeys: [.isRegularFileKey, .isSymbolicLinkKey, .isDirectoryKey]) else {
            throw RuntimeError(.io, "cannot read the checkpoint directory \(directory.path)")
        }
        for case let url as URL in walker {
            let values = try url.resourceValues(forKeys: [.isRegularFileKey, .isSymbolicLinkKey, .isDirectoryKey])
            if values.isDirectory == true { continue }
            let relative = String(url.standardizedFileURL.path.dropFirst(root.path.count + 1))
            guard values.isSymbolicLink != true, values.isRegularFile == true else {
                throw RuntimeError(.invalidArgument,
                    "checkpoint directory \(directory.path): \(relative) is a symlink or special file; a checkpoint holds regular files only")
            }
            guard relative != manifestName else {
                throw RuntimeError(.invalidArgument, "checkpoint directory \(directory.path) holds a file named \(manifestName), which the archive reserves")
            }
            let data = try Data(contentsOf: url)
            entries.append((FileEntry(path: relative, size: data.count, sha256: SHA256.hex(data)), url))
        }
        entries.sort { $0.0.path < $1.0.path }
        let manifest = Manifest(format: format, version: version, files: entries.map(\.0))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let manifestData = try encoder.encode(manifest)

        let file = directory.deletingLastPathComponent()
            .appendingPathComponent(".\(directory.lastPathComponent)-\(UUID().uuidString).ckpt.zip")
        defer { try? fm.removeItem(at: file) }
        do {
            let archive = try Archive(url: file, accessMode: .create)
            try add(archive, manifestName, manifestData)
            for (entry, url) in entries { try add(archive, entry.path, try Data(contentsOf: url)) }
        } catch let e as RuntimeError {
            throw e
        } catch {
            throw RuntimeError(.io, "cannot write the checkpoint archive of \(directory.path): \(error)")
        }
        return try Data(contentsOf: file)
    }

    private static func add(_ archive: Archive, _ path: String, _ data: Data) throws {
        try archive.addEntry(with: path, type: .file, uncompressedSize: Int64(data.count), compressionMethod: .none) { position, size in
            data.subdata(in: Int(position)..<Int(position) + size)
        }
    }

    /// Unpacks an archive into `directory` (replacing what it held) after checking it against its
    /// manifest; throws naming the offending entry, and leaves `directory` untouched, otherwise.
    public static func unpack(_ archiveData: Data, into directory: URL) throws {
        let fm = FileManager.default
        let tag = ".\(directory.lastPathComponent)-\(UUID().uuidString)"
        try fm.createDirectory(at: directory.deletingLastPathComponent(), withIntermediateDirectories: true)
        let staging = directory.deletingLastPathComponent().appendingPathComponent(tag, isDirectory: true)
        let file = directory.deletingLastPathComponent().appendingPathComponent(tag + ".ckpt.zip")
        defer { try? fm.removeItem(at: file); try? fm.removeItem(at: staging) }
        try archiveData.write(to: file)
        func bad(_ why: String) -> RuntimeError { RuntimeError(.invalidArgument, "checkpoint archive: \(why)") }

        let archive: Archive
        do { archive = try Archive(url: file, accessMode: .read) } catch {
            throw bad("not a ZIP archive (\(archiveData.count) bytes): \(error)")
        }
        guard let manifestEntry = archive[manifestName], manifestEntry.type == .file else {
            throw bad("no \(manifestName) at the root; a checkpoint archive lists its files there (PROTOCOL.md §4.5)")
        }
        guard manifestEntry.uncompressedSize <= 16 << 20 else { throw bad("\(manifestName) is larger than 16 MiB") }
        var manifestData = Data()
        _ = try archive.extract(manifestEntry) { manifestData.append($0) }
        let manifest: Manifest
        do { manifest = try JSONDecoder().decode(Manifest.self, from: manifestData) } catch {
            throw bad("\(manifestName) is not {\"format\", \"version\", \"files\": [{\"path\", \"size\", \"sha256\"}]}: \(error)")
        }
        guard manifest.format == format, manifest.version == version else {
            throw bad("\(manifestName) says format \"\(manifest.format)\" version \(manifest.version); this worker reads \"\(format)\" version \(version)")
        }
        var listed: [String: FileEntry] = [:]
        var total = 0
        for f in manifest.files {
            if let problem = pathProblem(f.path) { throw bad("manifest path \"\(f.path)\" \(problem)") }
            guard listed[f.path] == nil else { throw bad("manifest lists \"\(f.path)\" twice") }
            guard f.size >= 0, f.sha256.count == 64 else { throw bad("manifest entry \"\(f.path)\" needs a size ≥ 0 and a 64-digit hex sha256") }
            total += f.size
            guard total <= maxTotalBytes else { throw bad("the files add up to more than \(maxTotalBytes) bytes") }
            listed[f.path] = f
        }
        var seen: Set<String> = []
        try fm.createDirectory(at: staging, withIntermediateDirectories: true)
        for entry in archive {
            let path = entry.path
            if path == manifestName { continue }
            switch entry.type {
            case .symlink: throw bad("entry \"\(path)\" is a symlink; a checkpoint holds regular files only")
            case .directory:
                if let problem = pathProblem(path.hasSuffix("/") ? String(path.dropLast()) : path) {
                    throw bad("directory entry \"\(path)\" \(problem)")
                }
                continue
            case .file: break
            }
            if let problem = pathProblem(path) { throw bad("entry \"\(path)\" \(problem)") }
            guard let f = listed[path] else { throw bad("entry \"\(path)\" is not in \(manifestName)") }
            guard seen.insert(path).inserted else { throw bad("entry \"\(path)\" appears twice") }
            guard entry.uncompressedSize == UInt64(f.size) else {
                throw bad("entry \"\(path)\" holds \(entry.uncompressedSize) bytes; \(manifestName) says \(f.size)")
            }
            let target = staging.appendingPathComponent(path)
            try fm.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
            guard fm.createFile(atPath: target.path, contents: nil), let out = FileHandle(forWritingAtPath: target.path) else {
                throw RuntimeError(.io, "cannot write \(target.path)")
            }
            var hash = SHA256()
            var size = 0
            do {
                defer { try? out.close() }
                _ = try archive.extract(entry) { chunk in
                    size += chunk.count
                    guard size <= f.size else { throw bad("entry \"\(path)\" is longer than the \(f.size) bytes \(manifestName) says") }
                    hash.update(chunk)
                    try out.write(contentsOf: chunk)
                }
            }
            guard size == f.size, hash.hexDigest() == f.sha256 else {
                throw bad("entry \"\(path)\" does not match \(manifestName) (\(size) bytes, sha256 \(hash.hexDigest()); expected \(f.size) bytes, sha256 \(f.sha256))")
            }
        }
        if let missing = listed.keys.sorted().first(where: { !seen.contains($0) }) {
            throw bad("\(manifestName) lists \"\(missing)\" but the archive has no such entry")
        }
        try? fm.removeItem(at: directory)
        try fm.moveItem(at: staging, to: directory)
    }

    /// Why a path may not be unpacked (absolute, `..`, `.`, empty parts, backslashes, NUL), or nil.
    static func pathProblem(_ path: String) -> String? {
        if path.isEmpty { return "is empty" }
        if path.hasPrefix("/") { return "is absolute" }
        if path.contains("\\") || path.contains("\u{0}") { return "holds a backslash or NUL" }
        if path.utf8.count > 4096 { return "is longer than 4096 bytes" }
        for part in path.split(separator: "/", omittingEmptySubsequences: false) {
            if part == ".." { return "escapes the checkpoint directory (`..`)" }
            if part.isEmpty || part == "." { return "has an empty or `.` component" }
        }
        return nil
    }
}
