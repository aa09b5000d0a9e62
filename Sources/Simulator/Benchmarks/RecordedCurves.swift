// Recorded learning curves read from the per-epoch export format (CSV or JSONL, optionally gzipped):
// one row per trial (per training seed) per epoch with `trial`, `epoch`, metric columns, optional
// `seed` and `seconds` columns and `param.<name>` configuration columns. See
// Sources/Simulator/README.md for the format. Leaves out writing it.
import Foundation
import Search

/// One recorded trial: its configuration and its curve of one metric.
public struct RecordedTrial: Sendable, Hashable {
    /// The trial's identifier in the recording.
    public var id: String
    /// Its configuration (from the `param.<name>` columns).
    public var config: Configuration
    /// Epochs in increasing order.
    public var epochs: [Double]
    /// The metric at each epoch: the mean over the recorded seeds where there are several.
    public var values: [Double]
    /// Each recorded seed's curve of the metric, on the same epochs (one curve when the recording
    /// has no `seed` column); what noise injection resamples.
    public var seedValues: [[Double]] = []
    /// Seconds each epoch took, where recorded.
    public var seconds: [Double]?
    /// The other numeric metric columns, each with a value at every epoch (columns missing at some
    /// epoch are left out).
    public var otherMetrics: [String: [Double]] = [:]

    /// The value at `resource`: exact at a recorded epoch, linear between two, the first value
    /// before the first epoch and the last value after the last one (a trial that stopped early
    /// keeps its last value).
    public func value(at resource: Double) -> Double { interpolate(values, at: resource) }

    /// The value of recorded seed `seed` (taken modulo the number of seeds) at `resource`, read
    /// like `value(at:)`.
    public func value(at resource: Double, seed: Int) -> Double {
        seedValues.count > 1 ? interpolate(seedValues[seed % seedValues.count], at: resource) : value(at: resource)
    }

    /// How many seeds were recorded (≥ 1).
    public var seedCount: Int { max(1, seedValues.count) }

    /// The other recorded metrics at `resource`, read like `value(at:)`, in name order.
    public func metrics(at resource: Double) -> MetricValues {
        if otherMetrics.isEmpty { return MetricValues() }
        return MetricValues(uniquing: otherMetrics.keys.sorted().map { (key: $0, value: interpolate(otherMetrics[$0]!, at: resource)) })
    }

    private func interpolate(_ values: [Double], at resource: Double) -> Double {
        guard let last = epochs.last else { return .nan }
        if resource <= epochs[0] { return values[0] }
        if resource >= last { return values[values.count - 1] }
        var lo = 0, hi = epochs.count - 1
        while hi - lo > 1 {
            let mid = (lo + hi) / 2
            if epochs[mid] <= resource { lo = mid } else { hi = mid }
        }
        let w = (resource - epochs[lo]) / (epochs[hi] - epochs[lo])
        return values[lo] + w * (values[hi] - values[lo])
    }
}

/// A set of recorded curves of one metric.
public struct RecordedCurves: Sendable {
    /// The metric the values are of.
    public var metric: String
    /// The trials in the order they first appear in the file.
    public var trials: [RecordedTrial]

    /// Reads a `.csv` or `.jsonl` file (chosen by extension; anything else is tried as CSV), or
    /// either gzipped (`.csv.gz`, `.jsonl.gz`; unpacked by `gzip -dc`).
    public static func load(contentsOf url: URL, metric: String) throws -> RecordedCurves {
        let text: String
        let gzipped = url.pathExtension.lowercased() == "gz"
        do { text = gzipped ? try gunzip(url) : try String(contentsOf: url, encoding: .utf8) } catch let e as SimulatorError {
            throw e
        } catch {
            throw SimulatorError(.badRecording, "cannot read recorded curves '\(url.path)': \(error.localizedDescription)")
        }
        let inner = gzipped ? url.deletingPathExtension() : url
        let rows = inner.pathExtension.lowercased() == "jsonl"
            ? try parseJSONLines(text, source: url.path)
            : try parseCSV(text, source: url.path)
        return try RecordedCurves(rows: rows, metric: metric, source: url.path)
    }

    /// The text of a gzipped file, unpacked by `gzip -dc` (Foundation has no inflate on Linux).
    static func gunzip(_ url: URL) throws -> String {
        guard FileManager.default.isReadableFile(atPath: url.path) else {
            throw SimulatorError(.badRecording, "cannot read recorded curves '\(url.path)': no such readable file")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["gzip", "-dc", url.path]
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        let message = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw SimulatorError(.badRecording, "cannot unpack recorded curves '\(url.path)' with gzip -dc: \(message.trimmingCharacters(in: .whitespacesAndNewlines))")
        }
        return String(decoding: data, as: UTF8.self)
    }

    /// Builds curves from rows of column name → raw value.
    public init(rows: [[String: ParameterValue]], metric: String, source: String) throws {
        self.metric = metric
        var order: [String] = []
        var byTrial: [String: (config: Configuration, points: [(Double, Double, Double?, [String: Double])])] = [:]
        /// Per trial: seed label → (epoch, value), in file order.
        var seedPoints: [String: [String: [(Double, Double)]]] = [:]
        var seedOrder: [String: [String]] = [:]
        for (index, row) in rows.enumerated() {
            let line = "\(source): row \(index + 1)"
            guard let trial = row["trial"] else {
                throw SimulatorError(.badRecording, "\(line) has no `trial` column; the export format needs trial,epoch,<metric>")
            }
            guard let epoch = row["epoch"]?.numeric else {
                throw SimulatorError(.badRecording, "\(line) has no numeric `epoch`")
            }
            guard let value = row[metric]?.numeric else {
                let known = row.keys.filter { !$0.hasPrefix("param.") && $0 != "trial" && $0 != "epoch" }.sorted()
                throw SimulatorError(.badRecording,
                    "\(line) has no numeric `\(metric)` (the study's objective metric); its metric columns are: \(known.joined(separator: ", "))")
            }
            let id = trial.description
            if byTrial[id] == nil {
                order.append(id)
                var config = Configuration()
                for (key, v) in row where key.hasPrefix("param.") { config[String(key.dropFirst(6))] = v }
                byTrial[id] = (config, [])
            }
            var others: [String: Double] = [:]
            for (key, v) in row where !Self.reserved.contains(key) && key != metric && !key.hasPrefix("param.") {
                if let x = v.numeric { others[key] = x }
            }
            let seed = row["seed"]?.description ?? ""
            if seedPoints[id, default: [:]][seed] == nil { seedOrder[id, default: []].append(seed) }
            seedPoints[id, default: [:]][seed, default: []].append((epoch, value))
            // The first seed's rows carry the epochs, seconds and other metrics.
            if seed == seedOrder[id]![0] { byTrial[id]!.points.append((epoch, value, row["seconds"]?.numeric, others)) }
        }
        guard !order.isEmpty else { throw SimulatorError(.badRecording, "\(source) holds no rows") }
        trials = try order.map { id in
            let (config, points) = byTrial[id]!
            let sorted = points.sorted { $0.0 < $1.0 }
            let secs = sorted.allSatisfy { $0.2 != nil } ? sorted.map { $0.2! } : nil
            var others: [String: [Double]] = [:]
            for key in Set(sorted.flatMap { $0.3.keys }) where sorted.allSatisfy({ $0.3[key] != nil }) {
                others[key] = sorted.map { $0.3[key]! }
            }
            let epochs = sorted.map(\.0)
            var runs: [[Double]] = []
            for seed in seedOrder[id]! {
                let run = seedPoints[id]![seed]!.sorted { $0.0 < $1.0 }
                guard run.map(\.0) == epochs else {
                    throw SimulatorError(.badRecording,
                        "\(source): trial \(id) seed \(seed) has epochs \(run.map(\.0)) but its first seed has \(epochs); every seed of a trial must record the same epochs")
                }
                runs.append(run.map(\.1))
            }
            let mean = runs.count == 1 ? runs[0] : epochs.indices.map { e in runs.reduce(0) { $0 + $1[e] } / Double(runs.count) }
            var trial = RecordedTrial(id: id, config: config, epochs: epochs, values: mean,
                                      seconds: secs, otherMetrics: others)
            if runs.count > 1 { trial.seedValues = runs }
            return trial
        }
    }

    /// Columns with a fixed meaning in the export format.
    static let reserved: Set<String> = ["trial", "epoch", "seconds", "seed"]

    /// The configuration parameters the recording holds (its `param.<name>` columns, without the
    /// prefix), sorted.
    public var parameterNames: [String] { Set(trials.flatMap { $0.config.keys }).sorted() }

    /// The largest epoch any trial reached.
    public var maxEpoch: Double { trials.compactMap(\.epochs.last).max() ?? 0 }

    /// Parses a cell: integer, then double, then true/false, else the text itself.
    static func cell(_ text: String) -> ParameterValue {
        if let i = Int(text) { return .int(i) }
        if let d = Double(text) { return .double(d) }
        if text == "true" || text == "false" { return .bool(text == "true") }
        return .string(text)
    }

    /// Parses CSV with a header line; fields may be double-quoted ("" escapes a quote). Empty
    /// fields are left out of the row.
    static func parseCSV(_ text: String, source: String) throws -> [[String: ParameterValue]] {
        var records: [[String]] = []
        var field = "", record: [String] = []
        var quoted = false, atFieldStart = true
        var chars = text.makeIterator()
        while let c = chars.next() {
            if quoted {
                if c == "\"" {
                    // A doubled quote is a literal quote; a single one ends the quoted part.
                    var lookahead = chars
                    if lookahead.next() == "\"" { field.append("\""); chars = lookahead } else { quoted = false }
                } else { field.append(c) }
                continue
            }
            switch c {
            case "\"" where atFieldStart: quoted = true; atFieldStart = false
            case ",": record.append(field); field = ""; atFieldStart = true
            case "\n", "\r\n", "\r":
                record.append(field); field = ""; atFieldStart = true
                if !(record.count == 1 && record[0].isEmpty) { records.append(record) }
                record = []
            default: field.append(c); atFieldStart = false
            }
        }
        if quoted { throw SimulatorError(.badRecording, "\(source): a quoted field is never closed") }
        if !field.isEmpty || !record.isEmpty { record.append(field); records.append(record) }
        guard let header = records.first else { return [] }
        let names = header.map { $0.trimmingCharacters(in: .whitespaces) }
        return try records.dropFirst().enumerated().map { (i, fields) in
            guard fields.count == names.count else {
                throw SimulatorError(.badRecording,
                    "\(source): line \(i + 2) has \(fields.count) fields but the header has \(names.count)")
            }
            var row: [String: ParameterValue] = [:]
            for (name, f) in zip(names, fields) where !f.isEmpty { row[name] = cell(f) }
            return row
        }
    }

    /// Parses JSON Lines: one flat object per non-empty line. A `null` is a missing number (`rung
    /// export` writes NaN and infinities as null) and reads as NaN.
    static func parseJSONLines(_ text: String, source: String) throws -> [[String: ParameterValue]] {
        var rows: [[String: ParameterValue]] = []
        let decoder = JSONDecoder()
        for (i, line) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty { continue }
            do {
                let object = try decoder.decode([String: ParameterValue?].self, from: Data(trimmed.utf8))
                rows.append(object.mapValues { $0 ?? .double(.nan) })
            } catch {
                throw SimulatorError(.badRecording,
                    "\(source): line \(i + 1) is not a flat JSON object of numbers, strings and booleans: \(trimmed.prefix(80))")
            }
        }
        return rows
    }
}
