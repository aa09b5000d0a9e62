// The one-call path from a CSV file to prepared train / validation / test sets: read, check the
// schema, split by class, fit preprocessing on the training rows only, transform every split.
// Also the k-fold variant, where preprocessing is fitted afresh on each fold's training rows.
import Foundation

/// Prepared splits of one table and the preprocessing fitted on its training split.
public struct TabularSplits: Sendable, Equatable {
    /// The training split (preprocessing was fitted on these rows only).
    public var train: TabularDataset
    /// The validation split.
    public var validation: TabularDataset
    /// The test split (empty when the test fraction is 0).
    public var test: TabularDataset
    /// The preprocessing fitted on `train`; save it with the checkpoint for inference.
    public var preprocessor: TabularPreprocessor
    /// The table rows (0-based, header excluded) behind each split.
    public var indices: SplitIndices
    /// What was read differently from the text (`TabularSchema.notes`), for a person.
    public var notes: [String] = []
}

/// Entry points that read a CSV table and prepare it for training.
public enum TabularData {
    /// Reads `url` and prepares stratified train / validation / test splits.
    public static func load(_ url: URL, options: TabularOptions) throws(FineTuneError) -> TabularSplits {
        try prepare(try CSVTable(contentsOf: url), options: options)
    }

    /// Prepares stratified train / validation / test splits of a parsed table.
    public static func prepare(_ table: CSVTable, options: TabularOptions) throws(FineTuneError) -> TabularSplits {
        let schema = try TabularSchema.infer(table, options: options)
        let indices = try StratifiedSplit.split(
            labels: schema.labels, classNames: schema.classNames,
            validationFraction: options.validationFraction, testFraction: options.testFraction,
            seed: options.seed, source: table.fileName)
        let pre = TabularPreprocessor.fit(table, schema: schema, rows: indices.train, options: options)
        return TabularSplits(train: try pre.transform(table, rows: indices.train),
                             validation: try pre.transform(table, rows: indices.validation),
                             test: try pre.transform(table, rows: indices.test),
                             preprocessor: pre, indices: indices, notes: schema.notes)
    }

    /// Stratified k-fold of a parsed table: for each fold, preprocessing fitted on the other
    /// folds, applied to both. `options.validationFraction` and `testFraction` are not used;
    /// each result's `test` is empty and `indices.test` is empty.
    public static func kFold(_ table: CSVTable, options: TabularOptions, k: Int) throws(FineTuneError) -> [TabularSplits] {
        let schema = try TabularSchema.infer(table, options: options)
        let folds = try StratifiedSplit.kFold(labels: schema.labels, classNames: schema.classNames,
                                              k: k, seed: options.seed, source: table.fileName)
        var result: [TabularSplits] = []
        for fold in folds {
            let pre = TabularPreprocessor.fit(table, schema: schema, rows: fold.train, options: options)
            result.append(TabularSplits(
                train: try pre.transform(table, rows: fold.train),
                validation: try pre.transform(table, rows: fold.validation),
                test: try pre.transform(table, rows: []),
                preprocessor: pre,
                indices: SplitIndices(train: fold.train, validation: fold.validation, test: [])))
        }
        return result
    }
}
