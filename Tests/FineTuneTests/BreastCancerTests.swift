// The breast-cancer acceptance table, when scripts/fetch-breast-cancer.py has written it to
// data/breast_cancer.csv: loads through the tabular path with the documented shape and 20%
// missing feature values. Skipped (with a message) when the file is absent.
import Foundation
import Testing
@testable import FineTune

/// data/breast_cancer.csv in the package root (three levels above this file).
private let breastCancerURL = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("data/breast_cancer.csv")

@Suite(.enabled(if: FileManager.default.fileExists(atPath: breastCancerURL.path),
                "data/breast_cancer.csv is absent; run python3 scripts/fetch-breast-cancer.py to include this test"))
struct BreastCancerTests {
    @Test func loadsWithTheDocumentedShape() throws {
        let table = try CSVTable(contentsOf: breastCancerURL)
        #expect(table.header.count == 31)
        #expect(table.header.first == "mean radius" && table.header[29] == "worst fractal dimension")
        #expect(table.rows.count == 569)
        let blanks = table.rows.reduce(0) { $0 + $1[0..<30].filter { $0.isEmpty }.count }
        #expect(blanks == 3414)  // exactly 20% of 569 × 30

        let options = TabularOptions(target: "diagnosis", seed: 1)
        let schema = try TabularSchema.infer(table, options: options)
        #expect(schema.columns.count == 30 && schema.columns.allSatisfy { $0.kind == .numeric })
        #expect(schema.classNames == ["benign", "malignant"])
        #expect(schema.labels.filter { $0 == 1 }.count == 212)

        let splits = try TabularData.prepare(table, options: options)
        #expect(splits.train.count + splits.validation.count + splits.test.count == 569)
        #expect(splits.train.featureCount == 30)
        #expect(splits.train.features.allSatisfy { $0.isFinite })
        // Standardised on the training split: each training column has mean ≈ 0.
        for j in 0..<30 {
            let column = (0..<splits.train.count).map { Double(splits.train.features[$0 * 30 + j]) }
            #expect(abs(column.reduce(0, +) / Double(column.count)) < 1e-5, "column \(j)")
        }
    }
}
