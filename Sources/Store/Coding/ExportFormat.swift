// `rung export` text: one row per trial per epoch, as CSV or JSON Lines, in the per-epoch format
// `rung simulate --benchmark replay:FILE` reads. Columns: trial, attempt, epoch, seconds (if known),
// the metrics (sorted; one named like a fixed column is written `metric.<name>`), then
// `param.<name>` (sorted). Leaves out reading it back (the Simulator).
import Foundation
import RungBasics
import Search

/// The two export formats.
public enum ExportFormat: String, Sendable, CaseIterable {
    /// Header line, then one comma-separated row per trial per epoch. Missing values are empty
    /// cells; non-finite numbers are `nan`, `inf`, `-inf`; text with `,` `"` or a newline is quoted.
    case csv
    /// One flat JSON object per line with the same keys; non-finite numbers are `null`.
    case jsonl

    /// The column names for `rows`, in order.
    public static func columns(_ rows: [ExportRow]) -> [String] {
        var metrics = Set<String>(), params = Set<String>()
        var anySeconds = false
        for row in rows {
            metrics.formUnion(row.metrics.keys)
            params.formUnion(row.config.keys)
            anySeconds = anySeconds || row.seconds != nil
        }
        var columns = ["trial", "attempt", "epoch"]
        if anySeconds { columns.append("seconds") }
        columns += metrics.sorted().map(metricColumn)
        columns += params.sorted().map { "param." + $0 }
        return columns
    }

    /// The fixed columns; a metric of the same name is namespaced (`metric.seconds`), so a trial's
    /// own `seconds` never replaces the epoch's wall time.
    public static let fixedColumns: Set<String> = ["trial", "attempt", "epoch", "seconds"]

    /// The column of a metric: its name, or `metric.<name>` when that is a fixed column's name
    /// (or starts like a namespaced one).
    public static func metricColumn(_ name: String) -> String {
        fixedColumns.contains(name) || name.hasPrefix("param.") || name.hasPrefix("metric.") ? "metric." + name : name
    }

    /// Metrics of `rows` written under another column name, with that name (for a note to the user).
    public static func renamedMetrics(_ rows: [ExportRow]) -> [(metric: String, column: String)] {
        var names = Set<String>()
        for row in rows { names.formUnion(row.metrics.keys) }
        return names.sorted().compactMap { n in metricColumn(n) == n ? nil : (n, metricColumn(n)) }
    }

    /// Writes the whole export through `sink`, one line (with its newline) per call.
    public func write(_ rows: [ExportRow], to sink: (String) throws -> Void) rethrows {
        let columns = Self.columns(rows)
        if self == .csv { try sink(columns.map(Self.csvField).joined(separator: ",") + "\n") }
        for row in rows {
            let values = columns.map { Self.value(of: $0, in: row) }
            switch self {
            case .csv:
                try sink(values.map { $0.map(Self.csvText) ?? "" }.joined(separator: ",") + "\n")
            case .jsonl:
                var line = JSONWriter()
                line.raw("{")
                var first = true
                for (name, value) in zip(columns, values) {
                    guard let value else { continue }
                    line.key(name, first: first)
                    first = false
                    // JSON Lines readers (pandas, jq) take null for a number that is not finite.
                    if case .double(let v) = value, !v.isFinite { line.writeNull() } else { line.write(value) }
                }
                line.raw("}\n")
                try sink(line.text)
            }
        }
    }

    /// The whole export as one string.
    public func render(_ rows: [ExportRow]) -> String {
        var out = ""
        write(rows) { out += $0 }
        return out
    }

    private static func value(of column: String, in row: ExportRow) -> ParameterValue? {
        switch column {
        case "trial": return .int(row.trial.rawValue)
        case "attempt": return .int(row.attempt)
        case "epoch": return .int(row.epoch)
        case "seconds": return row.seconds.map { .double($0) }
        case _ where column.hasPrefix("param."): return row.config[String(column.dropFirst(6))]
        case _ where column.hasPrefix("metric."):
            let name = String(column.dropFirst(7))
            return (row.metrics[name] ?? row.metrics[column]).map { .double($0) }
        default: return row.metrics[column].map { .double($0) }
        }
    }

    private static func csvText(_ value: ParameterValue) -> String {
        switch value {
        case .double(let v): return v.isNaN ? "nan" : v.isInfinite ? (v < 0 ? "-inf" : "inf") : v.description
        case .int(let v): return String(v)
        case .bool(let v): return v ? "true" : "false"
        case .string(let v): return csvField(v)
        }
    }

    private static func csvField(_ text: String) -> String {
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) || text.isEmpty else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
