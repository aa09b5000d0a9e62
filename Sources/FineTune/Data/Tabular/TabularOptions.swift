// What a caller can say about a table before it is loaded: the target column, declared column
// kinds, ignored columns, the missing-value markers, imputation, and the split.
// Leaves out: per-column imputation strategies and ordinal encodings.

/// How a feature column is read.
public enum ColumnKind: String, Sendable, Codable, Equatable {
    /// Numbers: imputed with the training mean or median, then standardised.
    case numeric
    /// Text labels: imputed with the most frequent training value, then one-hot encoded.
    case categorical
}

/// How missing numbers are filled in (scikit-learn's `SimpleImputer` strategies).
public enum NumericImputation: String, Sendable, Codable, Equatable {
    /// The mean of the training split's present values.
    case mean
    /// The median of the training split's present values (mean of the middle two when even).
    case median
}

/// Options for reading a table and preparing it for training.
public struct TabularOptions: Sendable, Equatable {
    /// The missing-value markers used when none are given: a field that is empty after trimming
    /// spaces, or exactly one of `NA`, `N/A`, `?`, `nan`, `NaN`, `NAN` (after trimming).
    public static let defaultMissingTokens: Set<String> = ["", "NA", "N/A", "?", "nan", "NaN", "NAN"]

    /// The name of the target column (header text, exact match).
    public var target: String
    /// Kinds declared by the caller, by column name. Undeclared columns are detected: a column
    /// is numeric when every present value parses as a finite number, categorical otherwise.
    public var columnKinds: [String: ColumnKind]
    /// Columns left out of the features (for example an identifier).
    public var ignoredColumns: Set<String>
    /// Field texts (compared after trimming spaces) that mean "missing".
    public var missingTokens: Set<String>
    /// How missing numbers are filled in.
    public var numericImputation: NumericImputation
    /// Whether numeric features are standardised with the training split's mean and std.
    public var standardize: Bool
    /// Fraction of each class that goes to the validation split, in [0, 1).
    public var validationFraction: Double
    /// Fraction of each class that goes to the test split, in [0, 1).
    public var testFraction: Double
    /// Seed of the split's random source.
    public var seed: UInt64
    /// A detected column whose present values are mostly numbers (at least
    /// `TabularSchema.mostlyNumeric` of them) but has a few that are not (`abc`, `1,5`): false
    /// reads those cells as missing values and says so with their lines (`TabularSchema.notes`);
    /// true refuses the table, listing them. Never one-hot encoded either way.
    public var refuseNonNumeric: Bool = false

    /// Creates options; only the target is required.
    public init(
        target: String,
        columnKinds: [String: ColumnKind] = [:],
        ignoredColumns: Set<String> = [],
        missingTokens: Set<String> = TabularOptions.defaultMissingTokens,
        numericImputation: NumericImputation = .mean,
        standardize: Bool = true,
        validationFraction: Double = 0.15,
        testFraction: Double = 0.15,
        seed: UInt64 = 0
    ) {
        self.target = target
        self.columnKinds = columnKinds
        self.ignoredColumns = ignoredColumns
        self.missingTokens = missingTokens
        self.numericImputation = numericImputation
        self.standardize = standardize
        self.validationFraction = validationFraction
        self.testFraction = testFraction
        self.seed = seed
    }
}
