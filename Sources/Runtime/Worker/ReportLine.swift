// The classification report a trial prints once, after its final test: one JSON line
// `{"rung_report": {"split": "test", "class_names": [...], "accuracy": …, "precision": [...],
// "recall": [...], "f1": [...], "support": [...], "confusion": [[...]]}}` (confusion rows are true
// classes, columns predictions). It has no `epoch`, so it is never taken for a metric line. The
// worker keeps the last one an attempt prints and sends it with PAUSED / DONE as `ClassReport`.
// Non-finite figures are written as the strings "NaN", "Infinity", "-Infinity".
import FineTune
import Foundation
import Search

/// A per-class report of a trial's final model, as printed on one line by the trial.
public struct ReportLine: Codable, Equatable, Sendable {
    /// Which split the figures come from (`test`, or `validation` when there is no test split).
    public var split: String
    /// Class names, in class-index order.
    public var classNames: [String]
    /// Fraction of rows predicted correctly.
    public var accuracy: Double
    /// Per-class precision, recall and F1.
    public var precision: [Double], recall: [Double], f1: [Double]
    /// Rows of each class.
    public var support: [Int]
    /// Counts: row = true class, column = predicted class.
    public var confusion: [[Int]]

    enum CodingKeys: String, CodingKey {
        case split, classNames = "class_names", accuracy, precision, recall, f1, support, confusion
    }

    /// The report of `report` with `classNames` (numbered "0", "1", … when empty).
    public init(_ report: ClassificationReport, classNames: [String], split: String = "test") {
        self.split = split
        let k = report.confusion.classCount
        self.classNames = classNames.count == k ? classNames : (0..<k).map(String.init)
        accuracy = report.accuracy
        precision = report.precision; recall = report.recall; f1 = report.f1
        support = report.support
        confusion = report.confusion.rows
    }

    /// The same report as the wire and the store carry it.
    public var classReport: ClassReport {
        ClassReport(split: split, classNames: classNames, accuracy: accuracy, precision: precision, recall: recall,
                    f1: f1, support: support, confusion: confusion)
    }

    /// The line form of a `ClassReport`.
    public init(_ report: ClassReport) {
        split = report.split; classNames = report.classNames; accuracy = report.accuracy
        precision = report.precision; recall = report.recall; f1 = report.f1
        support = report.support; confusion = report.confusion
    }

    /// The JSON line a trial prints: `{"rung_report": {...}}`.
    public var line: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
        let body = (try? encoder.encode(self)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
        return "{\"rung_report\": " + body + "}"
    }

    /// Parses a printed line; nil when it is not a report line.
    public init?(line: String) {
        let trimmed = line.trimmingCharacters(in: .whitespaces)
        guard trimmed.hasPrefix("{\"rung_report\""),
              let value = try? Self.decoder.decode(Printed.self, from: Data(trimmed.utf8)) else { return nil }
        self = value.report
    }

    /// The printed line's outer object.
    private struct Printed: Decodable {
        var report: ReportLine
        enum CodingKeys: String, CodingKey { case report = "rung_report" }
    }

    private static var decoder: JSONDecoder {
        let d = JSONDecoder()
        d.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
        return d
    }
}
