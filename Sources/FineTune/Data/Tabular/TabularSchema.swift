// What a table holds before any fitting: which column is the target, which columns are features
// and of which kind, the class names in their fixed order, and each row's label.
// Leaves out all statistics: those are fitted on the training split by `TabularPreprocessor`.

/// A feature column of a table: its position, name and kind.
public struct SchemaColumn: Sendable, Equatable, Codable {
    /// Position in the CSV header (0-based).
    public var index: Int
    /// Header name.
    public var name: String
    /// Numeric or categorical.
    public var kind: ColumnKind
    /// A mostly numeric column whose few non-numeric cells are read as missing values.
    public var nonNumericAsMissing: Bool?
}

/// The columns, classes and labels of a table, checked against the options.
public struct TabularSchema: Sendable, Equatable {
    /// Position of the target column in the header.
    public var targetIndex: Int
    /// Name of the target column.
    public var target: String
    /// Feature columns in header order (target and ignored columns left out).
    public var columns: [SchemaColumn]
    /// Class names, sorted: numerically when every class name is a number, otherwise by text.
    public var classNames: [String]
    /// Each row's label: its class name's position in `classNames`.
    public var labels: [Int]
    /// What was read differently from the text, for a person: mostly numeric columns whose
    /// non-numeric cells are read as missing, with their lines.
    public var notes: [String] = []

    /// The share of a column's present values that must be numbers for the column to be read as
    /// numeric with its other cells missing (below it, the column is categorical).
    public static let mostlyNumeric = 0.9

    /// Reads the table's columns against `options`. Errors name the file, line and column.
    public static func infer(_ table: CSVTable, options: TabularOptions) throws(FineTuneError) -> TabularSchema {
        let targetIndex = try table.columnIndex(options.target)
        for name in options.columnKinds.keys.sorted() { _ = try table.columnIndex(name) }
        for name in options.ignoredColumns.sorted() { _ = try table.columnIndex(name) }

        var columns: [SchemaColumn] = []
        var notes: [String] = []
        for (c, name) in table.header.enumerated() where c != targetIndex && !options.ignoredColumns.contains(name) {
            if let declared = options.columnKinds[name] {
                if declared == .numeric {
                    for (r, row) in table.rows.enumerated() {
                        let text = trimmed(row[c])
                        if options.missingTokens.contains(text) { continue }
                        if parseNumber(text) == nil {
                            throw FineTuneError(.invalidValue,
                                                "\(table.fileName) line \(table.lineNumbers[r]), column \(c + 1) (\"\(name)\"): \"\(text)\" is not a number, but the column is declared numeric; write missing values as one of \(tokenList(options.missingTokens))")
                        }
                    }
                }
                columns.append(SchemaColumn(index: c, name: name, kind: declared))
            } else {
                var numbers = 0
                var others: [(row: Int, text: String)] = []
                for (r, row) in table.rows.enumerated() {
                    let text = trimmed(row[c])
                    if options.missingTokens.contains(text) { continue }
                    if parseNumber(text) == nil { others.append((r, text)) } else { numbers += 1 }
                }
                let present = numbers + others.count
                if others.isEmpty {
                    columns.append(SchemaColumn(index: c, name: name, kind: .numeric))
                } else if numbers > 0, Double(numbers) >= mostlyNumeric * Double(present) {
                    // Junk in a numeric column (`abc`, `1,5`): one-hot encoding it would turn one
                    // feature into hundreds; read it as missing, or refuse, and name the cells.
                    let shown = others.prefix(5).map { "line \(table.lineNumbers[$0.row]) \"\($0.text)\"" }
                    let more = others.count > 5 ? " and \(others.count - 5) more" : ""
                    let what = "\(table.fileName) column \(c + 1) (\"\(name)\") is numeric in \(numbers) of \(present) present cells, but not in \(others.count): \(shown.joined(separator: ", "))\(more)"
                    if options.refuseNonNumeric {
                        throw FineTuneError(.invalidValue, "\(what); fix those cells or write missing values as one of \(tokenList(options.missingTokens)) (without refuse_non_numeric they are read as missing)")
                    }
                    notes.append("\(what); read as missing values (the column stays numeric; refuse_non_numeric refuses the table instead)")
                    columns.append(SchemaColumn(index: c, name: name, kind: .numeric, nonNumericAsMissing: true))
                } else {
                    columns.append(SchemaColumn(index: c, name: name, kind: .categorical))
                }
            }
        }

        var names: [String] = []
        var seen = Set<String>()
        for (r, row) in table.rows.enumerated() {
            let text = trimmed(row[targetIndex])
            if options.missingTokens.contains(text) {
                throw FineTuneError(.missingTarget,
                                    "\(table.fileName) line \(table.lineNumbers[r]), column \(targetIndex + 1) (\"\(options.target)\"): the target is missing (\"\(text)\"); every row needs a class")
            }
            if seen.insert(text).inserted { names.append(text) }
        }
        let classNames = sortedClassNames(names)
        guard classNames.count >= 2 else {
            throw FineTuneError(.invalidValue,
                                "\(table.fileName): target column \"\(options.target)\" has only the class \(tokenList(Set(classNames))); classification needs at least 2 classes")
        }
        var position: [String: Int] = [:]
        for (k, name) in classNames.enumerated() { position[name] = k }
        let labels = table.rows.map { position[trimmed($0[targetIndex])]! }
        return TabularSchema(targetIndex: targetIndex, target: options.target, columns: columns,
                             classNames: classNames, labels: labels, notes: notes)
    }

    /// Class names in the documented order: by numeric value when all are numbers, else by text.
    public static func sortedClassNames(_ names: [String]) -> [String] {
        let numbers = names.map(parseNumber)
        if numbers.allSatisfy({ $0 != nil }) {
            return zip(names, numbers).sorted { ($0.1!, $0.0) < ($1.1!, $1.0) }.map(\.0)
        }
        return names.sorted()
    }
}

/// The field without surrounding spaces and tabs.
@inline(__always)
func trimmed(_ s: String) -> String {
    guard let first = s.utf8.first, let last = s.utf8.last else { return s }
    let space = UInt8(ascii: " "), tab = UInt8(ascii: "\t")
    if first != space && first != tab && last != space && last != tab { return s }
    return String(s.drop(while: { $0 == " " || $0 == "\t" }).reversed().drop(while: { $0 == " " || $0 == "\t" }).reversed())
}

/// A finite number written as decimal text (`1`, `-2.5`, `3e-4`), or nil.
func parseNumber(_ s: String) -> Double? {
    guard let v = Double(s), v.isFinite else { return nil }
    return v
}

/// Missing-value markers listed for a message, sorted, the empty one shown as "(empty)".
func tokenList(_ tokens: Set<String>) -> String {
    tokens.sorted().map { $0.isEmpty ? "(empty)" : "\"\($0)\"" }.joined(separator: ", ")
}
