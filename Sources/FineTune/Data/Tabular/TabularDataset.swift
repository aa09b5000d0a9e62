// A prepared table ready for training: features as a row-major Float matrix, integer labels,
// and the names that explain both. Holds no Tensor, so it stands alone; callers wrap `features`
// into whatever tensor type they train with.

/// Rows of numeric features with class labels 0..<classNames.count.
public struct TabularDataset: Sendable, Equatable {
    /// Row-major features of shape [count, featureCount].
    public var features: [Float]
    /// One label per row, in 0..<classNames.count; empty when the table had no target column.
    public var labels: [Int]
    /// Number of rows.
    public var count: Int
    /// Number of features per row.
    public var featureCount: Int
    /// Names of the feature columns: numeric columns by name, one-hot columns as `column=value`.
    public var featureNames: [String]
    /// Class names; label `k` means `classNames[k]`.
    public var classNames: [String]

    /// Creates a dataset; stops with a message if the sizes disagree.
    public init(features: [Float], labels: [Int], count: Int, featureNames: [String], classNames: [String]) {
        precondition(features.count == count * featureNames.count,
                     "TabularDataset: \(features.count) feature values for shape [\(count), \(featureNames.count)]")
        precondition(labels.isEmpty || labels.count == count,
                     "TabularDataset: \(labels.count) labels for \(count) rows")
        self.features = features
        self.labels = labels
        self.count = count
        self.featureCount = featureNames.count
        self.featureNames = featureNames
        self.classNames = classNames
    }

    /// Number of classes.
    public var classCount: Int { classNames.count }

    /// The features of row `i`.
    public func row(_ i: Int) -> ArraySlice<Float> {
        features[(i * featureCount)..<((i + 1) * featureCount)]
    }

    /// The rows at `indices`, in that order.
    public func subset(_ indices: [Int]) -> TabularDataset {
        var f: [Float] = []
        f.reserveCapacity(indices.count * featureCount)
        for i in indices {
            precondition(i >= 0 && i < count, "TabularDataset.subset: row \(i) outside 0..<\(count)")
            f.append(contentsOf: row(i))
        }
        return TabularDataset(features: f, labels: labels.isEmpty ? [] : indices.map { labels[$0] },
                              count: indices.count, featureNames: featureNames, classNames: classNames)
    }
}
