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

    /// Reads the table's columns against `options`. Errors name the file, line and column.
    public static func infer(_ table: CSVTable, options: TabularOptions) throws(FineTuneError) -> TabularSchema {
        let targetIndex = try table.columnIndex(options.target)
        for name in options.columnKinds.keys.sorted() { _ = try table.columnIndex(name) }
        for name in options.ignoredColumns.sorted() { _ = try table.columnIndex(name) }

        var columns: [SchemaColumn] = []
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
                var numeric = true
                for row in table.rows {
                    let text = trimmed(row[c])
                    if options.missingTokens.contains(text) { continue }
                    if parseNumber(text) == nil { numeric = false; break }
                }
                columns.append(SchemaColumn(index: c, name: name, kind: numeric ? .numeric : .categorical))
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
                             classNames: classNames, labels: labels)
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
