// Plain-text mirror of the journal: `logs/trial-<id>.log`, one line per journal entry of that trial,
// appended after each commit, so `tail -f` and `grep` work on a study directory. The database stays
// the authority: after a crash the files are brought up to date from it on the next writer open.
// Leaves out reading: `rung logs` reads the database (cursor, dedupe, order across attempts).
import Foundation
import GRDB
import Search

/// Appends committed journal entries to per-trial files. Used only on the writer connection's
/// queue (GRDB serialises all writes and their commit hooks there); the lock makes that explicit.
final class LogMirror: @unchecked Sendable {  // Safe: all state is guarded by `lock`.
    private let directory: StudyDirectory
    private let lock = NSLock()
    private var pending: [JournalEntry] = []
    private var handles: [TrialID: FileHandle] = [:]
    /// Trials whose file missed an append: no more appends this run, so the file stays a prefix of
    /// the journal and the next writer open completes it.
    private var broken: Set<TrialID> = []
    /// The last I/O failure; the next writer open repairs the files.
    private(set) var lastError: String?

    init(directory: StudyDirectory) { self.directory = directory }

    /// Queues `entry` for its trial's file once the current transaction commits.
    func enqueue(_ entry: JournalEntry, in db: Database) {
        lock.lock()
        let first = pending.isEmpty
        pending.append(entry)
        lock.unlock()
        if first {
            db.afterNextTransaction(onCommit: { [self] _ in flush() }, onRollback: { [self] _ in discard() })
        }
    }

    private func discard() {
        lock.lock(); pending.removeAll(); lock.unlock()
    }

    private func flush() {
        lock.lock()
        defer { lock.unlock() }
        var byTrial: [TrialID: String] = [:]
        var order: [TrialID] = []
        for entry in pending {
            guard let trial = entry.trial else { continue }
            if byTrial[trial] == nil { order.append(trial); byTrial[trial] = "" }
            byTrial[trial]! += Self.format(entry)
        }
        pending.removeAll(keepingCapacity: true)
        for trial in order { append(Data(byTrial[trial]!.utf8), to: trial) }
    }

    private func append(_ data: Data, to trial: TrialID) {
        guard !broken.contains(trial) else { return }
        do {
            let handle: FileHandle
            if let open = handles[trial] {
                handle = open
            } else {
                if handles.count >= 64 { closeAllLocked() }
                let url = directory.logFile(trial)
                if !FileManager.default.fileExists(atPath: url.path) {
                    _ = FileManager.default.createFile(atPath: url.path, contents: nil)
                }
                handle = try FileHandle(forWritingTo: url)
                try handle.seekToEnd()
                handles[trial] = handle
            }
            try handle.write(contentsOf: data)
        } catch {
            broken.insert(trial)
            lastError = "cannot append to \(directory.logFile(trial).path): \(error.localizedDescription)"
            try? handles.removeValue(forKey: trial)?.close()
        }
    }

    func closeAll() {
        lock.lock(); closeAllLocked(); lock.unlock()
    }

    private func closeAllLocked() {
        for handle in handles.values { try? handle.close() }
        handles.removeAll()
    }

    /// One file line: `<UTC time> a<attempt> <worker> <stream|== decision>: <text>` (no `: ` when the
    /// text is empty), with newlines
    /// in the text written as `\n`, so one entry is always one line.
    static func format(_ entry: JournalEntry) -> String {
        var line = TimeText.iso(entry.time)
        line += " a\(entry.attempt ?? 0) \(entry.worker ?? "-") "
        if let decision = entry.decision { line += "== \(decision.rawValue)" } else { line += entry.stream?.rawValue ?? "stdout" }
        if !entry.text.isEmpty { line += ": " }
        for c in entry.text.unicodeScalars {
            switch c {
            case "\n": line += "\\n"
            case "\r": line += "\\r"
            default: line.unicodeScalars.append(c)
            }
        }
        return line + "\n"
    }
}

extension StudyStore {
    /// Brings every trial's log file up to date with the journal: drops a torn last line, then
    /// appends the entries the file lacks (file line k is the trial's k-th journal entry).
    func repairLogMirror() throws {
        let lasts = try read { db in
            try Row.fetchAll(db, sql: """
                SELECT id, time, trial, attempt, seq, worker, stream, decision, text, n FROM journal
                JOIN (SELECT max(id) AS last, count(*) AS n FROM journal WHERE trial IS NOT NULL GROUP BY trial)
                ON id = last
                """).map { (JournalEntry(row: $0), $0[9] as Int) }
        }
        for (last, total) in lasts {
            let trial = last.trial!
            let url = directory.logFile(trial)
            // A file is always a prefix of its trial's journal (appends go in commit order and stop
            // after a failure), so a file ending with the last entry's line is complete.
            if try endsWith(url, LogMirror.format(last)) { continue }
            let original = (try? Data(contentsOf: url)) ?? Data()
            var data = original
            // Keep whole lines only: a crash may have torn the last one.
            if let end = data.lastIndex(of: 0x0A) { data = data.prefix(through: end) } else { data = Data() }
            let have = data.reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) }
            guard have < total else {
                if data.count != original.count { try rewrite(url, data) }
                continue
            }
            let missing = try read { db in
                try Row.fetchAll(db, sql: """
                    SELECT id, time, trial, attempt, seq, worker, stream, decision, text FROM journal
                    WHERE trial = ? ORDER BY id LIMIT -1 OFFSET ?
                    """, arguments: [trial.rawValue, have]).map(JournalEntry.init(row:))
            }
            for entry in missing { data.append(contentsOf: Array(LogMirror.format(entry).utf8)) }
            try rewrite(url, data)
        }
    }

    /// True when the file at `url` exists and its last bytes are `suffix`.
    private func endsWith(_ url: URL, _ suffix: String) throws -> Bool {
        let tail = Data(suffix.utf8)
        guard let handle = try? FileHandle(forReadingFrom: url) else { return false }
        defer { try? handle.close() }
        let size = try handle.seekToEnd()
        guard size >= UInt64(tail.count) else { return false }
        try handle.seek(toOffset: size - UInt64(tail.count))
        return try handle.readToEnd() == tail
    }

    private func rewrite(_ url: URL, _ data: Data) throws {
        do { try data.write(to: url, options: .atomic) } catch {
            throw StoreError(.io, "cannot repair log file \(url.path): \(error.localizedDescription)")
        }
    }
}

/// UTC timestamps as text.
public enum TimeText {
    /// `2026-11-29T14:31:02.120Z` for seconds since 1970.
    public static func iso(_ seconds: Double) -> String {
        // Beyond ±1e15 s (30 million years) a time is garbage, and Int(_:) would trap near 9.2e18.
        guard seconds.isFinite, abs(seconds) < 1e15, var whole = Int(exactly: seconds.rounded(.down)) else { return "?" }
        var millis = Int(((seconds - Double(whole)) * 1000).rounded())
        if millis == 1000 { whole += 1; millis = 0 }
        var t = time_t(whole)
        var parts = tm()
        gmtime_r(&t, &parts)
        // Written as bytes (every log-file line starts with one: string padding cost more than the line).
        let year = Int(parts.tm_year) + 1900
        guard (0...9999).contains(year) else {
            func pad(_ v: Int32, _ n: Int) -> String {
                let s = String(v)
                return String(repeating: "0", count: max(0, n - s.count)) + s
            }
            return "\(pad(parts.tm_year + 1900, 4))-\(pad(parts.tm_mon + 1, 2))-\(pad(parts.tm_mday, 2))T"
                + "\(pad(parts.tm_hour, 2)):\(pad(parts.tm_min, 2)):\(pad(parts.tm_sec, 2)).\(pad(Int32(millis), 3))Z"
        }
        return String(unsafeUninitializedCapacity: 24) { out in
            func put(_ v: Int, _ digits: Int, at i: Int) {
                var v = v
                for k in stride(from: i + digits - 1, through: i, by: -1) { out[k] = 0x30 + UInt8(v % 10); v /= 10 }
            }
            put(year, 4, at: 0); out[4] = 0x2D
            put(Int(parts.tm_mon) + 1, 2, at: 5); out[7] = 0x2D
            put(Int(parts.tm_mday), 2, at: 8); out[10] = 0x54
            put(Int(parts.tm_hour), 2, at: 11); out[13] = 0x3A
            put(Int(parts.tm_min), 2, at: 14); out[16] = 0x3A
            put(Int(parts.tm_sec), 2, at: 17); out[19] = 0x2E
            put(millis, 3, at: 20); out[23] = 0x5A
            return 24
        }
    }
}
