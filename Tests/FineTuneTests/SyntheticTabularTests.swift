// The built-in synthetic table: byte-stable output for a seed (checked against a committed
// head), the documented columns, kinds, class balance and missing rate.
import Foundation
import Testing
@testable import FineTune

@Suite struct SyntheticTabularTests {
    @Test func firstRowsMatchTheCommittedText() throws {
        let url = try #require(Bundle.module.url(forResource: "synthetic-head", withExtension: "csv", subdirectory: "Fixtures"))
        let head = try String(contentsOf: url, encoding: .utf8)
        let lines = SyntheticTabular.csv(rows: 600, seed: 0).split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.prefix(21).joined(separator: "\n") + "\n" == head)
        if let out = ProcessInfo.processInfo.environment["RUNG_SYNTHETIC_OUT"] {
            try SyntheticTabular.csv().write(toFile: out, atomically: true, encoding: .utf8)
        }
    }

    @Test func hasTheDocumentedShape() throws {
        let table = SyntheticTabular.table()
        #expect(table.header == SyntheticTabular.header)
        #expect(table.rows.count == 600)
        let schema = try TabularSchema.infer(table, options: TabularOptions(target: SyntheticTabular.target))
        #expect(schema.columns.map(\.kind) == [.numeric, .numeric, .numeric, .numeric, .numeric, .categorical])
        #expect(schema.classNames == ["high", "low", "medium"])
        let counts = (0..<3).map { k in schema.labels.filter { $0 == k }.count }
        #expect(counts.allSatisfy { $0 > 150 && $0 < 250 }, "class counts \(counts)")
        let numericCells = table.rows.flatMap { $0[0..<5] }
        let missing = numericCells.filter { TabularOptions.defaultMissingTokens.contains(trimmed($0)) }.count
        let rate = Double(missing) / Double(numericCells.count)
        #expect(rate > 0.04 && rate < 0.08, "missing rate \(rate)")
        #expect(Set(table.rows.map { $0[5] }) == Set(SyntheticTabular.regions + [""]))
        #expect(SyntheticTabular.csv(rows: 50, seed: 1) == SyntheticTabular.csv(rows: 50, seed: 1))
        #expect(SyntheticTabular.csv(rows: 50, seed: 1) != SyntheticTabular.csv(rows: 50, seed: 2))
    }
}
