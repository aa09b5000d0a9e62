// CSV parsing: RFC 4180 quoting, line endings, blank lines, and the errors for bad files, each
// naming the file, the line and (where there is one) the column.
import Foundation
import Testing
@testable import FineTune

/// Runs `body`, expecting a FineTuneError with `code` whose message contains every fragment.
func expectError(_ code: FineTuneError.Code, _ fragments: [String],
                 sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> Void) {
    do {
        try body()
        Issue.record("expected a \(code) error", sourceLocation: sourceLocation)
    } catch let error as FineTuneError {
        #expect(error.code == code, "\(error)", sourceLocation: sourceLocation)
        for f in fragments {
            #expect(error.message.contains(f), "message \"\(error.message)\" lacks \"\(f)\"", sourceLocation: sourceLocation)
        }
    } catch {
        Issue.record("unexpected error \(error)", sourceLocation: sourceLocation)
    }
}

@Suite struct CSVTableTests {
    @Test func parsesQuotesCommasAndLineEndings() throws {
        let text = "\u{FEFF}id, name ,note\r\n1,\"Smith, J\",\"said \"\"hi\"\"\"\r\n\r\n2,plain,\"two\nlines\"\n3,,\"\"\r4,x,y"
        let t = try CSVTable(parsing: text, fileName: "q.csv")
        #expect(t.header == ["id", "name", "note"])
        #expect(t.rows == [["1", "Smith, J", "said \"hi\""], ["2", "plain", "two\nlines"], ["3", "", ""], ["4", "x", "y"]])
        // Row 2 starts on line 4 (line 3 is blank); row 3 after the quoted line break.
        #expect(t.lineNumbers == [2, 4, 6, 7])
    }

    @Test func readsAFileAndNamesItInErrors() throws {
        let url = try #require(Bundle.module.url(forResource: "ragged", withExtension: "csv", subdirectory: "Fixtures/csv"))
        expectError(.raggedRow, ["ragged.csv line 4: 2 fields, header has 3"]) { _ = try CSVTable(contentsOf: url) }
    }

    @Test func raggedRowNamesLineAndCounts() {
        let header = (1...31).map { "c\($0)" }.joined(separator: ",")
        var lines = [header]
        for _ in 2...16 { lines.append(Array(repeating: "1", count: 31).joined(separator: ",")) }
        lines.append(Array(repeating: "1", count: 29).joined(separator: ","))
        expectError(.raggedRow, ["data.csv line 17: 29 fields, header has 31"]) {
            _ = try CSVTable(parsing: lines.joined(separator: "\n"), fileName: "data.csv")
        }
    }

    @Test func unreadableAndEmptyFiles() throws {
        expectError(.unreadableFile, ["cannot read /no/such/dir/data.csv"]) {
            _ = try CSVTable(contentsOf: URL(fileURLWithPath: "/no/such/dir/data.csv"))
        }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rung-csv-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        expectError(.unreadableFile, ["cannot read"]) { _ = try CSVTable(contentsOf: dir) }
        let binary = dir.appendingPathComponent("binary.csv")
        try Data([0x61, 0xFF, 0xFE, 0x0A]).write(to: binary)
        expectError(.unreadableFile, ["binary.csv is not UTF-8"]) { _ = try CSVTable(contentsOf: binary) }
        let empty = dir.appendingPathComponent("empty.csv")
        try Data().write(to: empty)
        expectError(.emptyFile, ["empty.csv is empty"]) { _ = try CSVTable(contentsOf: empty) }
        expectError(.emptyFile, ["h.csv has a header but no data rows"]) {
            _ = try CSVTable(parsing: "a,b\n\n", fileName: "h.csv")
        }
    }

    @Test func malformedQuotesAndDuplicateColumns() {
        expectError(.malformedCSV, ["m.csv line 2, field 2: quoted field is never closed"]) {
            _ = try CSVTable(parsing: "a,b\n1,\"open\n2,3\n", fileName: "m.csv")
        }
        expectError(.malformedCSV, ["m.csv line 2, field 1: unexpected text after a closing quote"]) {
            _ = try CSVTable(parsing: "a,b\n\"x\"y,3\n", fileName: "m.csv")
        }
        expectError(.malformedCSV, ["column 1 and column 3 both \"a\""]) {
            _ = try CSVTable(parsing: "a,b,a\n1,2,3\n", fileName: "m.csv")
        }
    }

    @Test func unknownColumnListsTheColumns() throws {
        let t = try CSVTable(parsing: "age,color,label\n1,red,x\n", fileName: "d.csv")
        expectError(.unknownColumn, ["d.csv: no column named \"target\"", "the columns are \"age\", \"color\", \"label\""]) {
            _ = try t.columnIndex("target")
        }
    }
}
