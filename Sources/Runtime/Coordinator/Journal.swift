// The coordinator's journal: its `JournalRecord`s as JSON lines in `<study dir>/coordinator.journal`,
// appended before the coordinator acts on them and folded by `CoordinatorCore.restore` after a
// restart. A torn last line (crash mid-write) is ignored. Leaves out the study store, which holds
// the same facts in the form clients read (trials, attempts, rung results, logs).
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// An append-only file of journal records.
public final class Journal {
    /// The file.
    public let url: URL
    private let fd: Int32
    private let fsync: Bool
    private let encoder = JSONEncoder.sorted

    /// Opens (creating if needed) the journal at `url`. With `fsync`, every append is synced to
    /// disk before it returns; without, an append survives a crash of the process (not of the machine).
    public init(url: URL, fsync: Bool = false) throws {
        self.url = url
        self.fsync = fsync
        fd = open(url.path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw RuntimeError(.io, "cannot open the journal \(url.path): \(String(cString: strerror(errno)))")
        }
    }

    deinit { close(fd) }

    /// Appends records with one write.
    public func append(_ records: [JournalRecord]) throws {
        guard !records.isEmpty else { return }
        var data = Data()
        for r in records {
            data.append(try encoder.encode(r))
            data.append(10)
        }
        try data.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let n = write(fd, raw.baseAddress! + offset, raw.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw RuntimeError(.io, "cannot append to the journal \(url.path): \(String(cString: strerror(errno)))")
                }
                offset += n
            }
        }
        if fsync { _ = Glibc.fsync(fd) }
    }

    /// Reads every complete record of the journal at `url` (none if it does not exist).
    public static func read(_ url: URL) throws -> [JournalRecord] {
        guard FileManager.default.fileExists(atPath: url.path) else { return [] }
        let data = try Data(contentsOf: url)
        let decoder = JSONDecoder()
        var records: [JournalRecord] = []
        var lines = data.split(separator: 10, omittingEmptySubsequences: true)
        if data.last != 10, !lines.isEmpty { lines.removeLast() }  // torn by a crash mid-write
        for (i, line) in lines.enumerated() {
            do {
                records.append(try decoder.decode(JournalRecord.self, from: Data(line)))
            } catch {
                throw RuntimeError(.io, "the journal \(url.path) is damaged at record \(i + 1): \(error)")
            }
        }
        return records
    }
}
