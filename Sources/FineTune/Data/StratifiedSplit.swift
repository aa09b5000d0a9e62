// Seeded stratified splits: train / validation / test, and k folds. Each class is shuffled with
// the split's own SplitMix64 and cut in the same proportions, so class balance is kept in every
// part. Indices come back sorted ascending. Leaves out group-aware and time-ordered splits.

/// Row indices of a train / validation / test split.
public struct SplitIndices: Sendable, Equatable, Codable {
    /// Rows for fitting.
    public var train: [Int]
    /// Rows for model selection and early stopping.
    public var validation: [Int]
    /// Rows held out to the end.
    public var test: [Int]
}

/// Row indices of one fold of a k-fold split.
public struct FoldIndices: Sendable, Equatable, Codable {
    /// Rows for fitting (all other folds).
    public var train: [Int]
    /// Rows of this fold.
    public var validation: [Int]
}

/// Stratified, seeded splitting of labelled rows.
public enum StratifiedSplit {
    /// Splits rows by class. For a class with `n` rows, `round(n * testFraction)` go to test and
    /// `round(n * validationFraction)` to validation (each at most what is left while keeping
    /// one row for training); the rest train. Every class needs at least 2 rows.
    /// - Parameters:
    ///   - labels: one class index per row, each in `0..<classNames.count`.
    ///   - classNames: used in error messages.
    ///   - source: the data's name, used in error messages.
    public static func split(
        labels: [Int], classNames: [String], validationFraction: Double, testFraction: Double,
        seed: UInt64, source: String = "data"
    ) throws(FineTuneError) -> SplitIndices {
        guard validationFraction >= 0, testFraction >= 0, validationFraction + testFraction < 1 else {
            throw FineTuneError(.invalidOptions,
                                "validation fraction \(validationFraction) and test fraction \(testFraction) must each be ≥ 0 and sum to less than 1")
        }
        let byClass = try rowsByClass(labels: labels, classNames: classNames, minimum: 2, source: source,
                                      purpose: "a stratified train/validation/test split")
        var rng = SplitMix64(seed: seed)
        var result = SplitIndices(train: [], validation: [], test: [])
        for var rows in byClass {
            rng.shuffle(&rows)
            let n = rows.count
            let nTest = min(Int((Double(n) * testFraction).rounded()), n - 1)
            let nValidation = min(Int((Double(n) * validationFraction).rounded()), n - 1 - nTest)
            result.test += rows[0..<nTest]
            result.validation += rows[nTest..<(nTest + nValidation)]
            result.train += rows[(nTest + nValidation)...]
        }
        result.train.sort()
        result.validation.sort()
        result.test.sort()
        return result
    }

    /// Stratified k-fold: each class is shuffled and dealt round-robin into `k` folds, so fold
    /// sizes per class differ by at most one. Every class needs at least `k` rows.
    public static func kFold(
        labels: [Int], classNames: [String], k: Int, seed: UInt64, source: String = "data"
    ) throws(FineTuneError) -> [FoldIndices] {
        guard k >= 2 else {
            throw FineTuneError(.invalidOptions, "k-fold needs k ≥ 2 folds, got \(k)")
        }
        let byClass = try rowsByClass(labels: labels, classNames: classNames, minimum: k, source: source,
                                      purpose: "stratified \(k)-fold")
        var rng = SplitMix64(seed: seed)
        var folds = [[Int]](repeating: [], count: k)
        var next = 0  // continue dealing where the previous class stopped, to balance fold sizes
        for var rows in byClass {
            rng.shuffle(&rows)
            for r in rows {
                folds[next].append(r)
                next = (next + 1) % k
            }
        }
        return folds.indices.map { f in
            let validation = folds[f].sorted()
            let train = folds.indices.filter { $0 != f }.flatMap { folds[$0] }.sorted()
            return FoldIndices(train: train, validation: validation)
        }
    }

    /// Rows grouped by class in ascending row order; errors when a class has fewer than `minimum`.
    private static func rowsByClass(
        labels: [Int], classNames: [String], minimum: Int, source: String, purpose: String
    ) throws(FineTuneError) -> [[Int]] {
        var byClass = [[Int]](repeating: [], count: classNames.count)
        for (row, label) in labels.enumerated() {
            precondition(label >= 0 && label < classNames.count,
                         "StratifiedSplit: label \(label) at row \(row) outside 0..<\(classNames.count)")
            byClass[label].append(row)
        }
        for (k, rows) in byClass.enumerated() where rows.count < minimum {
            let counted = rows.count == 1 ? "1 example" : "\(rows.count) examples"
            throw FineTuneError(.cannotStratify,
                                "\(source): class \"\(classNames[k])\" has \(counted); \(purpose) needs at least \(minimum) of every class")
        }
        return byClass
    }
}
