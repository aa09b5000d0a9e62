// Junk in a mostly numeric CSV column (`abc`, `N/A`, `1,5`): reported with its lines and read as
// missing values (or refused with `refuseNonNumeric`), never one-hot encoded into a feature per value.
import Foundation
import Testing
@testable import FineTune

private func table() throws -> CSVTable {
    var text = "income,age,label\n"
    for i in 0..<40 { text += "\(1000 + i * 10),\(20 + i % 30),\(i % 2 == 0 ? "yes" : "no")\n" }
    text += "abc,31,yes\n"        // line 42
    text += "N/A,32,no\n"         // line 43: a missing-value marker, not junk
    text += "\"1,5\",33,yes\n"    // line 44
    text += "2000,x,no\n"         // line 45: `age` too
    return try CSVTable(parsing: text, fileName: "junk.csv")
}

@Test func junkCellsInANumericColumnAreReportedAndReadAsMissing() throws {
    let splits = try TabularData.prepare(try table(), options: TabularOptions(target: "label"))
    // Two numeric features, not one per distinct text.
    #expect(splits.train.featureNames == ["income", "age"])
    #expect(splits.preprocessor.columns.map(\.kind) == [.numeric, .numeric])
    #expect(splits.notes == [
        "junk.csv column 1 (\"income\") is numeric in 41 of 43 present cells, but not in 2: line 42 \"abc\", line 44 \"1,5\"; read as missing values (the column stays numeric; refuse_non_numeric refuses the table instead)",
        "junk.csv column 2 (\"age\") is numeric in 43 of 44 present cells, but not in 1: line 45 \"x\"; read as missing values (the column stays numeric; refuse_non_numeric refuses the table instead)",
    ])
    // A junk cell gets the training fill value, exactly as a missing one does.
    let all = try splits.preprocessor.transform(try table())
    let income = (0..<all.count).map { all.features[$0 * 2] }
    #expect(income[40] == income[41] && income[41] == income[42])
}

@Test func junkCellsAreRefusedWhenAsked() throws {
    var options = TabularOptions(target: "label")
    options.refuseNonNumeric = true
    do {
        _ = try TabularData.prepare(try table(), options: options)
        Issue.record("the junk was accepted")
    } catch let error as FineTuneError {
        #expect(error.message.hasPrefix("junk.csv column 1 (\"income\") is numeric in 41 of 43 present cells, but not in 2: line 42 \"abc\", line 44 \"1,5\"; fix those cells"))
    }
}

@Test func aMostlyTextColumnStaysCategorical() throws {
    var text = "colour,label\n"
    for i in 0..<20 { text += "\(["red", "green", "blue"][i % 3]),\(i % 2)\n" }
    text += "7,1\n"
    let splits = try TabularData.prepare(try CSVTable(parsing: text, fileName: "c.csv"), options: TabularOptions(target: "label"))
    #expect(splits.preprocessor.columns.map(\.kind) == [.categorical])
    #expect(splits.notes.isEmpty)
}
