// Labelled text for classification: CSV (quoted fields), TSV (tab-separated, no quoting) or JSONL
// (one object a line), each with a text column and a label column. Labels map to 0..<K in sorted
// order. Leaves out multi-label data and sentence pairs.
import Foundation

/// Texts and their class indices.
public struct TextDataset: Sendable, Equatable {
    /// The texts, one per example.
    public var texts: [String]
    /// Class index per example, in `0..<classNames.count`.
    public var labels: [Int]
    /// Class names, sorted; a label is an index into this list.
    public var classNames: [String]

    public init(texts: [String], labels: [Int], classNames: [String]) {
        self.texts = texts; self.labels = labels; self.classNames = classNames
    }

    /// Number of examples.
    public var count: Int { texts.count }

    /// The examples at `indices`, in that order.
    public func subset(_ indices: [Int]) -> TextDataset {
        TextDataset(texts: indices.map { texts[$0] }, labels: indices.map { labels[$0] }, classNames: classNames)
    }
}

/// Readers of labelled text files.
public enum TextData {
    /// Reads a `.csv`, `.tsv` or `.jsonl` file (chosen by extension) with columns `textColumn`
    /// and `labelColumn`. Errors name the file, the line and what is accepted.
    public static func load(_ url: URL, textColumn: String = "text", labelColumn: String = "label") throws(FineTuneError) -> TextDataset {
        let name = url.lastPathComponent
        var pairs: [(text: String, label: String, line: Int)] = []
        switch url.pathExtension.lowercased() {
        case "jsonl", "ndjson":
            let text = try readText(url)
            var lineNumber = 0
            for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
                lineNumber += 1
                let trimmed = line.trimmingCharacters(in: .whitespacesAndNewlines)
                if trimmed.isEmpty { continue }
                guard let object = (try? JSONSerialization.jsonObject(with: Data(trimmed.utf8))) as? [String: Any] else {
                    throw FineTuneError(.malformedCSV, "\(name) line \(lineNumber): not a JSON object")
                }
                guard let t = object[textColumn] as? String else {
                    throw FineTuneError(.unknownColumn, "\(name) line \(lineNumber): no string field \"\(textColumn)\" (fields: \(object.keys.sorted().joined(separator: ", ")))")
                }
                guard let l = object[labelColumn] else {
                    throw FineTuneError(.missingTarget, "\(name) line \(lineNumber): no field \"\(labelColumn)\" (fields: \(object.keys.sorted().joined(separator: ", ")))")
                }
                pairs.append((t, "\(l)", lineNumber))
            }
        case "tsv", "tab":
            let text = try readText(url)
            var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { $0.hasSuffix("\r") ? $0.dropLast() : $0 }
            while lines.last?.isEmpty == true { lines.removeLast() }
            guard let header = lines.first?.split(separator: "\t", omittingEmptySubsequences: false).map(String.init) else {
                throw FineTuneError(.emptyFile, "\(name) is empty: expected a header row and data rows")
            }
            let (ti, li) = try columns(header, textColumn, labelColumn, file: name)
            for (offset, line) in lines.enumerated().dropFirst() where !line.isEmpty {
                let fields = line.split(separator: "\t", omittingEmptySubsequences: false)
                guard fields.count == header.count else {
                    throw FineTuneError(.raggedRow, "\(name) line \(offset + 1): \(fields.count) fields, header has \(header.count) (TSV fields are separated by tabs and are not quoted)")
                }
                pairs.append((String(fields[ti]), String(fields[li]), offset + 1))
            }
        case "csv":
            let table = try CSVTable(contentsOf: url)
            let ti = try table.columnIndex(textColumn), li = try table.columnIndex(labelColumn)
            for (row, line) in zip(table.rows, table.lineNumbers) { pairs.append((row[ti], row[li], line)) }
        default:
            throw FineTuneError(.invalidOptions, "\(name): unknown text data format \".\(url.pathExtension)\"; accepted: .csv, .tsv, .jsonl")
        }
        guard !pairs.isEmpty else { throw FineTuneError(.emptyFile, "\(name) holds no examples") }
        if let bad = pairs.first(where: { $0.label.trimmingCharacters(in: .whitespaces).isEmpty }) {
            throw FineTuneError(.missingTarget, "\(name) line \(bad.line): the label \"\(labelColumn)\" is empty")
        }
        let classNames = Array(Set(pairs.map(\.label))).sorted()
        guard classNames.count >= 2 else {
            throw FineTuneError(.invalidValue, "\(name): every example has the label \"\(classNames[0])\"; classification needs at least 2 classes")
        }
        let index = Dictionary(uniqueKeysWithValues: classNames.enumerated().map { ($1, $0) })
        return TextDataset(texts: pairs.map(\.text), labels: pairs.map { index[$0.label]! }, classNames: classNames)
    }

    static func readText(_ url: URL) throws(FineTuneError) -> String {
        do { return try String(contentsOf: url, encoding: .utf8) } catch {
            throw FineTuneError(.unreadableFile, "cannot read \(url.path): \(error.localizedDescription)")
        }
    }

    static func columns(_ header: [String], _ text: String, _ label: String, file: String) throws(FineTuneError) -> (Int, Int) {
        guard let ti = header.firstIndex(of: text) else {
            throw FineTuneError(.unknownColumn, "\(file): no column \"\(text)\"; columns are \(header.joined(separator: ", "))")
        }
        guard let li = header.firstIndex(of: label) else {
            throw FineTuneError(.unknownColumn, "\(file): no column \"\(label)\"; columns are \(header.joined(separator: ", "))")
        }
        return (ti, li)
    }
}
