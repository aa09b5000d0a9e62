// A checkpoint directory as one file for transfer: a plain tar archive (so a person can inspect
// one stored by the coordinator with `tar -tf`), made and read by the system's `tar`. Leaves out
// compression (safetensors weights barely compress).
import Foundation

/// Packs and unpacks checkpoint directories.
public enum CheckpointArchive {
    /// The directory's files as a tar archive.
    public static func pack(_ directory: URL) throws -> Data {
        let file = directory.deletingLastPathComponent()
            .appendingPathComponent(".\(directory.lastPathComponent)-\(UUID().uuidString).tar")
        defer { try? FileManager.default.removeItem(at: file) }
        try tar(["-cf", file.path, "-C", directory.path, "."])
        return try Data(contentsOf: file)
    }

    /// Unpacks an archive into `directory` (replacing what it held).
    public static func unpack(_ archive: Data, into directory: URL) throws {
        let fm = FileManager.default
        let staging = directory.deletingLastPathComponent()
            .appendingPathComponent(".\(directory.lastPathComponent)-\(UUID().uuidString)", isDirectory: true)
        try fm.createDirectory(at: staging, withIntermediateDirectories: true)
        let file = staging.appendingPathExtension("tar")
        defer { try? fm.removeItem(at: file); try? fm.removeItem(at: staging) }
        try archive.write(to: file)
        try tar(["-xf", file.path, "-C", staging.path])
        try? fm.removeItem(at: directory)
        try fm.moveItem(at: staging, to: directory)
    }

    private static func tar(_ arguments: [String]) throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/tar")
        p.arguments = arguments
        let err = Pipe()
        p.standardError = err
        do { try p.run() } catch {
            throw RuntimeError(.spawnFailed, "cannot run /bin/tar (is tar installed?): \(error)")
        }
        let message = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else {
            throw RuntimeError(.io, "tar \(arguments.joined(separator: " ")) failed: \(String(decoding: message, as: UTF8.self))")
        }
    }
}
