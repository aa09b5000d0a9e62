// The coordinator's journal records as JSON lines: how they are written into the study store's
// `coordinator_log` table (in the same transaction as their projection, so the log and the rows it
// becomes never disagree) and read back by `CoordinatorCore.restore` after a restart. Also reads
// the `coordinator.journal` file older coordinators kept beside the store, to migrate it. The hot
// `.epoch` record is written with RungBasics' JSONWriter; the rest go through JSONEncoder.
import Foundation
import RungBasics
import Search

/// The text form of journal records.
public enum Journal {
    private static let encoder: JSONEncoder = {
        let e = JSONEncoder.sorted
        e.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
        return e
    }()

    /// One JSON line (without the newline) per record.
    public static func encode(_ records: [JournalRecord]) throws -> [String] {
        try records.map { r in
            if case .epoch(let e) = r { return line(e) }  // the hot record: written by hand, 10× faster
            return String(decoding: try encoder.encode(r), as: UTF8.self)
        }
    }

    /// The records of `lines`; a line that does not decode is an error naming its position.
    public static func decode(_ lines: [String], source: String) throws -> [JournalRecord] {
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
        var records: [JournalRecord] = []
        records.reserveCapacity(lines.count)
        for (i, line) in lines.enumerated() {
            do {
                records.append(try decoder.decode(JournalRecord.self, from: Data(line.utf8)))
            } catch {
                throw RuntimeError(.damaged, "\(source) is damaged at record \(i + 1): \(error)")
            }
        }
        return records
    }

    /// An `.epoch` record in the shape `JSONEncoder` gives it (`{"epoch":{"_0":{…}}}`), the report
    /// written as the REPORT body is (`JSONWriter.write(_:)`), without JSONEncoder's cost.
    static func line(_ e: EpochReport) -> String {
        var w = JSONWriter(nonFinite: .standard)
        w.raw(#"{"epoch":{"_0":"#)
        w.write(e)
        w.raw("}}")
        return w.text
    }

    /// The metric line of a report as a trial prints it: `{"epoch": 3, "acc": 0.81}` (metrics in
    /// key order, full precision).
    static func metricLine(_ e: EpochReport) -> String {
        var w = JSONWriter(nonFinite: .standard)
        w.raw(#"{"epoch": "#)
        w.writeWholeOrDouble(e.resource)
        for p in e.metrics.pairs.sorted(by: { $0.key < $1.key }) {
            w.raw(", "); w.writeString(p.key); w.raw(": "); w.writeDouble(p.value)
        }
        w.raw("}")
        return w.text
    }

    /// Reads every complete record of a `coordinator.journal` file written by an older coordinator
    /// (none if it does not exist). Its torn last line (a crash mid-write, before the store commit
    /// of the same batch) is left out.
    public static func readFile(_ url: URL) throws -> [JournalRecord] {
        guard FileManager.default.fileExists(atPath: url.path) else { return [] }
        let data = try Data(contentsOf: url)
        var lines = data.split(separator: 10, omittingEmptySubsequences: true)
        if data.last != 10, !lines.isEmpty { lines.removeLast() }
        return try decode(lines.map { String(decoding: $0, as: UTF8.self) }, source: "the journal \(url.path)")
    }
}
