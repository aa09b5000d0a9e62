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
    private let encoder: JSONEncoder = {
        let e = JSONEncoder.sorted
        e.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
        return e
    }()

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
            if case .epoch(let e) = r {
                data.append(contentsOf: Self.line(e).utf8)  // the hot record: written by hand, 10× faster
            } else {
                data.append(try encoder.encode(r))
            }
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

    /// An `.epoch` record as `JSONEncoder` would write it (same keys, same shape), without its cost.
    static func line(_ e: EpochReport) -> String {
        var out = "{\"epoch\":{\"_0\":{\"attempt\":\(e.attempt),\"metrics\":{"
        var first = true
        for key in e.metrics.keys.sorted() {
            if !first { out += "," }
            first = false
            out += jsonString(key) + ":" + jsonNumber(e.metrics[key]!)
        }
        out += "},\"resource\":\(jsonNumber(e.resource)),\"seq\":\(e.seq),\"trial\":\(e.trial.rawValue)}}}"
        return out
    }

    /// The metric line of a report as a trial prints it: `{"epoch": 3, "acc": 0.81}` (metrics in
    /// key order, full precision).
    static func metricLine(_ e: EpochReport) -> String {
        var out = "{\"epoch\": " + (e.resource == e.resource.rounded() && abs(e.resource) < 1e15 ? String(Int(e.resource)) : jsonNumber(e.resource))
        for key in e.metrics.keys.sorted() { out += ", " + jsonString(key) + ": " + jsonNumber(e.metrics[key]!) }
        return out + "}"
    }

    static func jsonNumber(_ v: Double) -> String {
        if v.isNaN { return "\"NaN\"" }
        if v.isInfinite { return v > 0 ? "\"Infinity\"" : "\"-Infinity\"" }
        return "\(v)"
    }

    static func jsonString(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where u.value < 0x20: out += String(format: "\\u%04x", u.value)
            default: out.unicodeScalars.append(u)
            }
        }
        return out + "\""
    }

    /// Reads every complete record of the journal at `url` (none if it does not exist).
    public static func read(_ url: URL) throws -> [JournalRecord] {
        guard FileManager.default.fileExists(atPath: url.path) else { return [] }
        let data = try Data(contentsOf: url)
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
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
