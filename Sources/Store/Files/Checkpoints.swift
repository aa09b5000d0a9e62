// The checkpoint artifact store: chunked uploads written to a `.partial` file, checked against
// their size and sha256, then renamed into place (`checkpoints/trial-<id>/attempt-<n>.ckpt.zip`)
// and recorded in the `checkpoints` table; chunked reads for downloads. Leaves out what is inside
// a checkpoint (a ZIP with a manifest, Runtime's CheckpointArchive) and which worker holds one.
import Foundation
import GRDB
import RungBasics
import Search

extension StudyStore {
    /// The file a finished checkpoint lives in, or nil if (trial, attempt) has none.
    public func checkpointURL(trial: TrialID, attempt: Int) throws -> URL? {
        try checkpoint(trial: trial, attempt: attempt).map { directory.root.appendingPathComponent($0.path) }
    }

    /// The record of a finished checkpoint, or nil.
    public func checkpoint(trial: TrialID, attempt: Int) throws -> CheckpointRecord? {
        try read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM checkpoints WHERE trial = ? AND attempt = ?",
                             arguments: [trial.rawValue, attempt]).map(CheckpointRecord.init(row:))
        }
    }

    /// The checkpoint a resume of `trial` starts from: the one at the highest resource (latest
    /// attempt on ties), or nil if it never paused.
    public func latestCheckpoint(_ trial: TrialID) throws -> CheckpointRecord? {
        try read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM checkpoints WHERE trial = ? ORDER BY resource DESC, attempt DESC LIMIT 1",
                             arguments: [trial.rawValue]).map(CheckpointRecord.init(row:))
        }
    }

    private func partialURL(_ trial: TrialID, _ attempt: Int) -> URL {
        directory.root.appendingPathComponent(directory.checkpointRelativePath(trial, attempt: attempt) + ".partial")
    }

    /// Writes one uploaded chunk at byte `offset` of (trial, attempt)'s checkpoint in progress.
    /// The chunk at offset 0 starts the upload (over): whatever an earlier, abandoned upload left
    /// is dropped. Later chunks may come in any order and a resent chunk overwrites the same
    /// bytes. Chunks in order are hashed as they arrive, so `finishCheckpoint` need not read the
    /// file again.
    public func putCheckpointChunk(trial: TrialID, attempt: Int, offset: Int, data: Data) throws {
        guard offset >= 0 else { throw StoreError(.invalidArgument, "checkpoint chunk offset is \(offset), but must be ≥ 0") }
        let url = partialURL(trial, attempt)
        do {
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            if offset == 0 || !FileManager.default.fileExists(atPath: url.path) {
                _ = FileManager.default.createFile(atPath: url.path, contents: nil)  // creates or truncates
            }
            let handle = try FileHandle(forWritingTo: url)
            defer { try? handle.close() }
            try handle.seek(toOffset: UInt64(offset))
            try handle.write(contentsOf: data)
        } catch {
            uploads.forget(trial, attempt)
            throw StoreError(.io, "cannot write checkpoint chunk to \(url.path): \(error.localizedDescription)")
        }
        uploads.add(trial, attempt, offset: offset, data: data)
    }

    /// Completes an upload: checks that the `.partial` file has `bytes` bytes and digest `sha256`
    /// (lower-case hex), syncs it, renames it into place and records it. On a mismatch the partial
    /// file is deleted and `.checksumMismatch` thrown, so the worker can upload again.
    @discardableResult
    public func finishCheckpoint(trial: TrialID, attempt: Int, resource: Double, bytes: Int, sha256: String,
                                 now: Double) throws -> CheckpointRecord {
        let partial = partialURL(trial, attempt)
        let relative = directory.checkpointRelativePath(trial, attempt: attempt)
        let final = directory.root.appendingPathComponent(relative)
        let (size, digest) = try uploads.take(trial, attempt, fileSize: Self.size(of: partial)) ?? Self.digest(of: partial)
        guard size == bytes, digest == sha256.lowercased() else {
            try? FileManager.default.removeItem(at: partial)
            throw StoreError(.checksumMismatch,
                             "checkpoint of trial \(trial) attempt \(attempt) arrived with \(size) bytes, sha256 \(digest); expected \(bytes) bytes, sha256 \(sha256)")
        }
        do {
            let handle = try FileHandle(forWritingTo: partial)
            try handle.synchronize()
            try handle.close()
            if FileManager.default.fileExists(atPath: final.path) { try FileManager.default.removeItem(at: final) }
            try FileManager.default.moveItem(at: partial, to: final)
        } catch {
            throw StoreError(.io, "cannot move checkpoint into \(final.path): \(error.localizedDescription)")
        }
        let record = CheckpointRecord(trial: trial, attempt: attempt, resource: resource, path: relative,
                                      bytes: size, sha256: digest, created: now)
        try write { tx in
            try tx.db.execute(sql: """
                INSERT OR REPLACE INTO checkpoints (trial, attempt, resource, path, bytes, sha256, created)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """, arguments: [trial.rawValue, attempt, resource, relative, size, digest, now])
        }
        return record
    }

    /// Stores a whole checkpoint at once (a local worker, tests): one chunk, then `finishCheckpoint`.
    @discardableResult
    public func putCheckpoint(trial: TrialID, attempt: Int, resource: Double, data: Data, now: Double) throws -> CheckpointRecord {
        try? FileManager.default.removeItem(at: partialURL(trial, attempt))
        try putCheckpointChunk(trial: trial, attempt: attempt, offset: 0, data: data)
        return try finishCheckpoint(trial: trial, attempt: attempt, resource: resource, bytes: data.count,
                                    sha256: SHA256.hex(data), now: now)
    }

    /// Reads up to `length` bytes at `offset` of a finished checkpoint, for a chunked download.
    /// An empty result means the end of the file.
    public func readCheckpointChunk(trial: TrialID, attempt: Int, offset: Int, length: Int) throws -> Data {
        guard let url = try checkpointURL(trial: trial, attempt: attempt) else {
            throw StoreError(.unknownEntity, "trial \(trial) attempt \(attempt) has no finished checkpoint")
        }
        do {
            let handle = try FileHandle(forReadingFrom: url)
            defer { try? handle.close() }
            try handle.seek(toOffset: UInt64(offset))
            return try handle.read(upToCount: length) ?? Data()
        } catch {
            throw StoreError(.io, "cannot read checkpoint \(url.path): \(error.localizedDescription)")
        }
    }

    /// Size of a file, or -1 if it cannot be read.
    static func size(of url: URL) -> Int {
        ((try? FileManager.default.attributesOfItem(atPath: url.path))?[.size] as? NSNumber)?.intValue ?? -1
    }

    /// Size and sha256 of a file, read in 1 MiB pieces.
    static func digest(of url: URL) throws -> (Int, String) {
        do {
            let handle = try FileHandle(forReadingFrom: url)
            defer { try? handle.close() }
            var hash = SHA256()
            var size = 0
            while let piece = try handle.read(upToCount: 1 << 20), !piece.isEmpty {
                hash.update(piece)
                size += piece.count
            }
            return (size, hash.hexDigest())
        } catch {
            throw StoreError(.unknownEntity, "no checkpoint upload in progress at \(url.path): \(error.localizedDescription)")
        }
    }
}

extension CheckpointRecord {
    init(row: Row) {
        self.init(trial: TrialID(row["trial"] as Int), attempt: row["attempt"], resource: row["resource"],
                  path: row["path"], bytes: row["bytes"], sha256: row["sha256"], created: row["created"])
    }
}

/// Running digests of uploads whose chunks arrive in order (the usual case), so finishing an
/// upload does not read the whole file again.
final class UploadDigests: @unchecked Sendable {  // Safe: all state is guarded by `lock`.
    private struct Upload {
        var next: Int
        var hash: SHA256
    }
    private let lock = NSLock()
    private var uploads: [String: Upload] = [:]

    private func key(_ trial: TrialID, _ attempt: Int) -> String { "\(trial.rawValue)/\(attempt)" }

    /// Hashes a chunk that continues the upload in order; any other chunk (a gap, a resend)
    /// drops the running digest, and the file is read again at the end.
    func add(_ trial: TrialID, _ attempt: Int, offset: Int, data: Data) {
        lock.lock(); defer { lock.unlock() }
        let k = key(trial, attempt)
        if offset == 0 {
            var hash = SHA256()
            hash.update(data)
            uploads[k] = Upload(next: data.count, hash: hash)
        } else if var upload = uploads[k], upload.next == offset {
            upload.hash.update(data)
            upload.next += data.count
            uploads[k] = upload
        } else {
            uploads[k] = nil
        }
    }

    func forget(_ trial: TrialID, _ attempt: Int) {
        lock.lock(); uploads[key(trial, attempt)] = nil; lock.unlock()
    }

    /// The (size, hex digest) of a complete in-order upload whose file has `fileSize` bytes, or
    /// nil; forgets the upload either way.
    func take(_ trial: TrialID, _ attempt: Int, fileSize: Int) -> (Int, String)? {
        lock.lock(); defer { lock.unlock() }
        guard let upload = uploads.removeValue(forKey: key(trial, attempt)), upload.next == fileSize else { return nil }
        return (fileSize, upload.hash.hexDigest())
    }
}
