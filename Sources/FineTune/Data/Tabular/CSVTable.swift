// A CSV file read into rows of text fields: RFC 4180 quoting ("a, b", "say ""hi"""), quoted
// line breaks, LF / CRLF / CR line endings, a UTF-8 byte-order mark, and a header row.
// Leaves out: other delimiters, comment lines, encodings other than UTF-8. Blank lines are skipped.
import Foundation

/// A CSV table as text: the header, the data rows, and the line on which each row starts.
public struct CSVTable: Sendable, Equatable {
    /// The name used in error messages (usually the file's last path component).
    public var fileName: String
    /// The header's column names, trimmed of surrounding spaces.
    public var header: [String]
    /// The data rows; every row has exactly `header.count` fields, untrimmed.
    public var rows: [[String]]
    /// For each row, the 1-based line of the file on which it starts.
    public var lineNumbers: [Int]

    /// Creates a table from parts; `rows` and `lineNumbers` must have equal lengths.
    public init(fileName: String, header: [String], rows: [[String]], lineNumbers: [Int]) {
        precondition(rows.count == lineNumbers.count,
                     "CSVTable: \(rows.count) rows but \(lineNumbers.count) line numbers")
        self.fileName = fileName
        self.header = header
        self.rows = rows
        self.lineNumbers = lineNumbers
    }

    /// Reads and parses a CSV file. Errors name the file and, for bad rows, the line.
    public init(contentsOf url: URL) throws(FineTuneError) {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw FineTuneError(.unreadableFile,
                                "cannot read \(url.path): \(error.localizedDescription)")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw FineTuneError(.unreadableFile, "\(url.path) is not UTF-8 text")
        }
        try self.init(parsing: text, fileName: url.lastPathComponent)
    }

    /// Parses CSV text; `fileName` is used in error messages only.
    public init(parsing text: String, fileName: String) throws(FineTuneError) {
        var parser = CSVRecordParser(bytes: Array(text.utf8), fileName: fileName)
        guard let first = try parser.nextRecord() else {
            throw FineTuneError(.emptyFile,
                                "\(fileName) is empty: expected a header row and at least one data row")
        }
        var header = first.fields.map { $0.trimmingCharacters(in: .whitespaces) }
        for (i, name) in header.enumerated() where name.isEmpty { header[i] = "column \(i + 1)" }
        var seen: [String: Int] = [:]
        for (i, name) in header.enumerated() {
            if let j = seen[name] {
                throw FineTuneError(.malformedCSV,
                                    "\(fileName) line \(first.line): header names column \(j + 1) and column \(i + 1) both \"\(name)\"; column names must be unique")
            }
            seen[name] = i
        }
        var rows: [[String]] = []
        var lines: [Int] = []
        while let record = try parser.nextRecord() {
            guard record.fields.count == header.count else {
                throw FineTuneError(.raggedRow,
                                    "\(fileName) line \(record.line): \(record.fields.count) fields, header has \(header.count)")
            }
            rows.append(record.fields)
            lines.append(record.line)
        }
        guard !rows.isEmpty else {
            throw FineTuneError(.emptyFile, "\(fileName) has a header but no data rows")
        }
        self.init(fileName: fileName, header: header, rows: rows, lineNumbers: lines)
    }

    /// The index of the column called `name`, or an error listing the columns there are.
    public func columnIndex(_ name: String) throws(FineTuneError) -> Int {
        if let i = header.firstIndex(of: name) { return i }
        let list = header.map { "\"\($0)\"" }.joined(separator: ", ")
        throw FineTuneError(.unknownColumn,
                            "\(fileName): no column named \"\(name)\"; the columns are \(list)")
    }
}

/// Splits UTF-8 bytes into CSV records. Works on bytes: the delimiters are ASCII and never
/// occur inside a multi-byte UTF-8 sequence.
struct CSVRecordParser {
    private let bytes: [UInt8]
    private let fileName: String
    private var position = 0
    private var line = 1

    init(bytes: [UInt8], fileName: String) {
        // Skip a UTF-8 byte-order mark.
        let bom: [UInt8] = [0xEF, 0xBB, 0xBF]
        self.bytes = bytes
        self.fileName = fileName
        if bytes.starts(with: bom) { position = 3 }
    }

    private static let quote = UInt8(ascii: "\""), comma = UInt8(ascii: ",")
    private static let cr = UInt8(ascii: "\r"), lf = UInt8(ascii: "\n")

    /// Consumes one line break (CRLF, LF or CR) at the current position, if there is one.
    private mutating func consumeLineBreak() -> Bool {
        guard position < bytes.count else { return false }
        if bytes[position] == Self.cr {
            position += 1
            if position < bytes.count, bytes[position] == Self.lf { position += 1 }
        } else if bytes[position] == Self.lf {
            position += 1
        } else {
            return false
        }
        line += 1
        return true
    }

    /// The next non-blank record with the line it starts on, or nil at the end of the text.
    mutating func nextRecord() throws(FineTuneError) -> (fields: [String], line: Int)? {
        while position < bytes.count, consumeLineBreak() {}  // blank lines
        guard position < bytes.count else { return nil }
        let startLine = line
        var fields: [String] = []
        var field: [UInt8] = []
        while true {
            // One field starts here.
            field.removeAll(keepingCapacity: true)
            if position < bytes.count, bytes[position] == Self.quote {
                let quoteLine = line
                position += 1
                var closed = false
                while position < bytes.count {
                    let b = bytes[position]
                    if b == Self.quote {
                        if position + 1 < bytes.count, bytes[position + 1] == Self.quote {
                            field.append(Self.quote)
                            position += 2
                        } else {
                            position += 1
                            closed = true
                            break
                        }
                    } else {
                        if b == Self.lf || (b == Self.cr && !(position + 1 < bytes.count && bytes[position + 1] == Self.lf)) {
                            line += 1
                        }
                        field.append(b)
                        position += 1
                    }
                }
                guard closed else {
                    throw FineTuneError(.malformedCSV,
                                        "\(fileName) line \(quoteLine), field \(fields.count + 1): quoted field is never closed (a \" without its closing \")")
                }
                if position < bytes.count, bytes[position] != Self.comma,
                   bytes[position] != Self.cr, bytes[position] != Self.lf {
                    throw FineTuneError(.malformedCSV,
                                        "\(fileName) line \(line), field \(fields.count + 1): unexpected text after a closing quote; write a quote inside a quoted field as \"\"")
                }
            } else {
                while position < bytes.count {
                    let b = bytes[position]
                    if b == Self.comma || b == Self.cr || b == Self.lf { break }
                    field.append(b)
                    position += 1
                }
            }
            fields.append(String(decoding: field, as: UTF8.self))
            if position < bytes.count, bytes[position] == Self.comma {
                position += 1
                continue
            }
            _ = consumeLineBreak()
            return (fields, startLine)
        }
    }
}
