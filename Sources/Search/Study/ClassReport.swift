// The per-class report of a trial's final model (precision, recall, F1, support per class and the
// confusion matrix), as a plain value: the vocabulary the wire (PAUSED / DONE `report`), the study
// store (`trial_reports`) and the CLI share. Leaves out computing it (FineTune) and the line a trial
// prints (Runtime's `ReportLine`).

/// A classification report: per-class figures in class-index order and the confusion matrix.
public struct ClassReport: Codable, Sendable, Equatable, Hashable {
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

    /// Makes a report (checked by `problem`, not here).
    public init(split: String, classNames: [String], accuracy: Double, precision: [Double], recall: [Double],
                f1: [Double], support: [Int], confusion: [[Int]]) {
        self.split = split; self.classNames = classNames; self.accuracy = accuracy
        self.precision = precision; self.recall = recall; self.f1 = f1
        self.support = support; self.confusion = confusion
    }

    /// Number of classes.
    public var classCount: Int { classNames.count }

    /// What is wrong with the report's shape, for a person, or nil when every per-class list has
    /// one entry per class name and the confusion matrix is square of that size.
    public var problem: String? {
        let k = classNames.count
        if k == 0 { return "the report names no class (`class_names` is empty)" }
        for (name, count) in [("precision", precision.count), ("recall", recall.count), ("f1", f1.count),
                              ("support", support.count), ("confusion", confusion.count)] where count != k {
            return "the report has \(k) class names but \(count) `\(name)` entries; each per-class list needs one per class"
        }
        if let row = confusion.firstIndex(where: { $0.count != k }) {
            return "row \(row) of the report's confusion matrix has \(confusion[row].count) columns; it needs \(k) (one per class)"
        }
        return nil
    }
}
