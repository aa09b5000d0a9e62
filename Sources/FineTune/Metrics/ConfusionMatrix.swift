// Confusion matrix and the per-class counts every other classification metric is read from.
// Rows are true classes, columns predicted classes, as scikit-learn's `confusion_matrix`.
// Leaves out sample weights and normalised variants.

/// Counts of (true class, predicted class) pairs for classes 0..<classCount.
public struct ConfusionMatrix: Sendable, Equatable, Codable {
    /// Number of classes.
    public let classCount: Int
    /// Row-major counts of shape [classCount, classCount]: row = true class, column = prediction.
    public private(set) var counts: [Int]

    /// Counts `labels` against `predictions`; both hold class indices in 0..<classCount.
    public init(labels: [Int], predictions: [Int], classCount: Int) throws(FineTuneError) {
        try checkLabels(labels, classCount: classCount, what: "labels")
        try checkLabels(predictions, classCount: classCount, what: "predictions")
        guard labels.count == predictions.count else {
            throw FineTuneError(.invalidMetricInput,
                                "\(labels.count) labels but \(predictions.count) predictions; they must pair up")
        }
        self.classCount = classCount
        var counts = [Int](repeating: 0, count: classCount * classCount)
        for (t, p) in zip(labels, predictions) { counts[t * classCount + p] += 1 }
        self.counts = counts
    }

    /// The number of rows of true class `trueClass` predicted as `predicted`.
    public subscript(trueClass: Int, predicted: Int) -> Int {
        counts[trueClass * classCount + predicted]
    }

    /// The matrix as nested rows (row = true class).
    public var rows: [[Int]] {
        (0..<classCount).map { Array(counts[($0 * classCount)..<(($0 + 1) * classCount)]) }
    }

    /// Total number of rows counted.
    public var total: Int { counts.reduce(0, +) }
    /// Correct predictions of class `k`.
    public func truePositives(_ k: Int) -> Int { self[k, k] }
    /// Rows of class `k` (its support).
    public func support(_ k: Int) -> Int { (0..<classCount).reduce(0) { $0 + self[k, $1] } }
    /// Rows predicted as class `k`.
    public func predictedCount(_ k: Int) -> Int { (0..<classCount).reduce(0) { $0 + self[$1, k] } }
}

/// Checks that every value is a class index in 0..<classCount.
func checkLabels(_ values: [Int], classCount: Int, what: String) throws(FineTuneError) {
    guard classCount >= 1 else {
        throw FineTuneError(.invalidMetricInput, "classCount is \(classCount), but must be ≥ 1")
    }
    if let bad = values.firstIndex(where: { $0 < 0 || $0 >= classCount }) {
        throw FineTuneError(.invalidMetricInput,
                            "\(what)[\(bad)] is \(values[bad]), but class indices must be in 0..<\(classCount)")
    }
}
