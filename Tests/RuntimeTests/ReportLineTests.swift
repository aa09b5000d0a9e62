// The report line: its JSON round trip (non-finite figures included), that it is never taken for a
// metric line, and that the built-in tabular task prints it once, after its final attempt only.
import Foundation
import Testing
import Search
@testable import Runtime

@Suite struct ReportLineTests {
    static let report = ClassReport(split: "test", classNames: ["no", "yes"], accuracy: 0.5, precision: [.nan, 0.5],
                                    recall: [0, 1], f1: [0, 2.0 / 3], support: [2, 2], confusion: [[0, 2], [0, 2]])

    @Test func lineRoundTripsAndIsNoMetricLine() throws {
        let line = ReportLine(Self.report).line
        #expect(line.hasPrefix("{\"rung_report\": {"))
        #expect(line.contains("\"class_names\":[\"no\",\"yes\"]") && line.contains("\"NaN\""))
        let back = try #require(ReportLine(line: line)).classReport
        #expect(back.precision[0].isNaN && back.precision[1] == 0.5 && back.f1 == Self.report.f1)
        #expect(back.confusion == Self.report.confusion && back.classNames == Self.report.classNames)
        #expect(MetricLine(line) == nil)
        #expect(ReportLine(line: #"{"epoch": 1, "acc": 0.5}"#) == nil)
        #expect(ReportLine(line: #"{"rung_report": {"split": "test"}}"#) == nil)
    }

    @Test func builtinTabularTrialPrintsItsReportAfterTheFinalAttemptOnly() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rung-report-line-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: dir) }
        func run(save: Bool) throws -> [String] {
            let spec = BuiltinTrialSpec(task: BuiltinTask(kind: "tabular", optionsJSON: #"{"epochs": 2}"#), trial: TrialID(0),
                                        attempt: 1, config: [:], fromEpoch: 0, toEpoch: 2,
                                        checkpointDirectory: dir.path, saveCheckpoint: save)
            var lines: [String] = []
            try BuiltinTrial.run(spec) { lines.append($0) }
            return lines
        }
        let paused = try run(save: true)
        #expect(paused.count == 2 && paused.allSatisfy { MetricLine($0) != nil })
        let final = try run(save: false)
        #expect(final.count == 3)
        let report = try #require(ReportLine(line: final[2])).classReport
        #expect(report.problem == nil && report.split == "test")
        // Rows of the confusion matrix add up to the support of each class.
        #expect(report.confusion.map { $0.reduce(0, +) } == report.support)
        #expect(report.support.reduce(0, +) > 0)
    }
}
