// The preprocessing fitted on a training split: imputation values, standardisation statistics,
// one-hot categories and class names. Codable, so it is saved beside a checkpoint and applied
// unchanged to validation, test and inference data. Categories unseen in training encode as zeros.
import Foundation

/// One feature column as fitted on the training split.
public struct FittedColumn: Sendable, Equatable, Codable {
    /// Header name of the source column.
    public var name: String
    /// Numeric or categorical.
    public var kind: ColumnKind
    /// Numeric: the value that replaces a missing number (training mean or median).
    public var fillValue: Double?
    /// Numeric: subtracted before scaling (training mean after imputation; 0 if not standardising).
    public var mean: Double?
    /// Numeric: divides after centring (training std, population form; 1 if the std is 0 or if
    /// not standardising), as scikit-learn's `StandardScaler`.
    public var scale: Double?
    /// Categorical: the training categories, sorted; one output feature each.
    public var categories: [String]?
    /// Categorical: the category that replaces a missing value (most frequent in training;
    /// ties go to the first in sorted order).
    public var fillCategory: String?
    /// Numeric: a cell that is not a number counts as missing (a mostly numeric column with a few
    /// junk cells, reported when the table was read); nil or false refuses such a cell.
    public var nonNumericAsMissing: Bool?

    /// Names of the output features this column produces.
    public var featureNames: [String] {
        switch kind {
        case .numeric: return [name]
        case .categorical: return (categories ?? []).map { "\(name)=\($0)" }
        }
    }
}

/// Fitted preprocessing: turns table rows into standardised, one-hot encoded Float features.
public struct TabularPreprocessor: Sendable, Equatable, Codable {
    /// Version of this JSON layout.
    public var formatVersion: Int
    /// Name of the target column.
    public var target: String
    /// Class names; label `k` means `classNames[k]`.
    public var classNames: [String]
    /// Missing-value markers, sorted.
    public var missingTokens: [String]
    /// Feature columns in output order.
    public var columns: [FittedColumn]

    /// Names of all output features, in order.
    public var featureNames: [String] { columns.flatMap(\.featureNames) }

    /// Fits imputation, standardisation and one-hot categories on `rows` of `table` only.
    public static func fit(
        _ table: CSVTable, schema: TabularSchema, rows: [Int], options: TabularOptions
    ) -> TabularPreprocessor {
        var fitted: [FittedColumn] = []
        for column in schema.columns {
            let texts = rows.map { trimmed(table.rows[$0][column.index]) }
            let present = texts.filter { !options.missingTokens.contains($0) }
            switch column.kind {
            case .numeric:
                // The schema checked these parse (detected or declared numeric).
                let values = present.compactMap(parseNumber)
                let fill: Double
                if values.isEmpty {
                    fill = 0
                } else if options.numericImputation == .mean {
                    fill = values.reduce(0, +) / Double(values.count)
                } else {
                    let s = values.sorted()
                    fill = s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
                }
                var mean = 0.0, scale = 1.0
                if options.standardize && !rows.isEmpty {
                    let imputed = texts.map { parseNumber($0) ?? fill }
                    mean = imputed.reduce(0, +) / Double(imputed.count)
                    let variance = imputed.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(imputed.count)
                    let std = variance.squareRoot()
                    scale = std > 0 ? std : 1
                }
                fitted.append(FittedColumn(name: column.name, kind: .numeric, fillValue: fill,
                                           mean: mean, scale: scale, nonNumericAsMissing: column.nonNumericAsMissing))
            case .categorical:
                var counts: [String: Int] = [:]
                for t in present { counts[t, default: 0] += 1 }
                let categories = counts.keys.sorted()
                var best: String? = nil
                for c in categories where best == nil || counts[c]! > counts[best!]! { best = c }
                fitted.append(FittedColumn(name: column.name, kind: .categorical,
                                           categories: categories, fillCategory: best))
            }
        }
        return TabularPreprocessor(formatVersion: 1, target: schema.target, classNames: schema.classNames,
                                   missingTokens: options.missingTokens.sorted(), columns: fitted)
    }

    /// Applies the fitted preprocessing to `rows` of `table` (all rows when nil). Columns are
    /// found by name, so their order may differ from training. When the table has the target
    /// column, labels are filled in; otherwise `labels` is empty (inference).
    public func transform(_ table: CSVTable, rows: [Int]? = nil) throws(FineTuneError) -> TabularDataset {
        let rows = rows ?? Array(table.rows.indices)
        let missing = Set(missingTokens)
        var sources: [Int] = []
        for column in columns { sources.append(try table.columnIndex(column.name)) }
        let width = columns.reduce(0) { $0 + ($1.kind == .numeric ? 1 : ($1.categories ?? []).count) }
        var features = [Float](repeating: 0, count: rows.count * width)
        for (j, column) in columns.enumerated() {
            let c = sources[j]
            var offset = 0
            for k in 0..<j { offset += columns[k].kind == .numeric ? 1 : (columns[k].categories ?? []).count }
            switch column.kind {
            case .numeric:
                let fill = column.fillValue ?? 0, mean = column.mean ?? 0, scale = column.scale ?? 1
                for (i, r) in rows.enumerated() {
                    let text = trimmed(table.rows[r][c])
                    var value = fill
                    if !missing.contains(text) {
                        guard let v = parseNumber(text) else {
                            if column.nonNumericAsMissing == true { features[i * width + offset] = Float((fill - mean) / scale); continue }
                            throw FineTuneError(.invalidValue,
                                                "\(table.fileName) line \(table.lineNumbers[r]), column \(c + 1) (\"\(column.name)\"): \"\(text)\" is not a number; the column is numeric; write missing values as one of \(tokenList(missing))")
                        }
                        value = v
                    }
                    features[i * width + offset] = Float((value - mean) / scale)
                }
            case .categorical:
                var position: [String: Int] = [:]
                for (k, name) in (column.categories ?? []).enumerated() { position[name] = k }
                for (i, r) in rows.enumerated() {
                    var text = trimmed(table.rows[r][c])
                    if missing.contains(text) { text = column.fillCategory ?? text }
                    if let k = position[text] { features[i * width + offset + k] = 1 }
                }
            }
        }
        var labels: [Int] = []
        if let t = table.header.firstIndex(of: target) {
            var position: [String: Int] = [:]
            for (k, name) in classNames.enumerated() { position[name] = k }
            labels.reserveCapacity(rows.count)
            for r in rows {
                let text = trimmed(table.rows[r][t])
                guard let k = position[text] else {
                    let known = classNames.map { "\"\($0)\"" }.joined(separator: ", ")
                    throw FineTuneError(missing.contains(text) ? .missingTarget : .invalidValue,
                                        "\(table.fileName) line \(table.lineNumbers[r]), column \(t + 1) (\"\(target)\"): class \"\(text)\" is not one of the trained classes \(known)")
                }
                labels.append(k)
            }
        }
        return TabularDataset(features: features, labels: labels, count: rows.count,
                              featureNames: featureNames, classNames: classNames)
    }

    /// The preprocessing as compact JSON with sorted keys (for a checkpoint's metadata).
    public func jsonString() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(
            positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        // Strings, arrays and (with the strategy above) every Double encode without failing.
        let data = try! encoder.encode(self)
        return String(decoding: data, as: UTF8.self)
    }

    /// Reads preprocessing saved by `jsonString()`.
    public init(jsonString: String) throws(FineTuneError) {
        do {
            let decoder = JSONDecoder()
            decoder.nonConformingFloatDecodingStrategy = .convertFromString(
                positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
            self = try decoder.decode(TabularPreprocessor.self, from: Data(jsonString.utf8))
        } catch {
            throw FineTuneError(.invalidOptions, "saved preprocessing is not valid: \(error)")
        }
    }

    /// Creates preprocessing from its parts (normally made by `fit`).
    public init(formatVersion: Int = 1, target: String, classNames: [String], missingTokens: [String],
                columns: [FittedColumn]) {
        self.formatVersion = formatVersion
        self.target = target
        self.classNames = classNames
        self.missingTokens = missingTokens
        self.columns = columns
    }
}
