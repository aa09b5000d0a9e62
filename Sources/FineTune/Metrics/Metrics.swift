// Classification metrics matching scikit-learn 1.9.1: accuracy; precision, recall and F1 per
// class, macro and weighted (zero_division=0); ROC-AUC binary and one-vs-rest macro; log-loss.
// All arithmetic in Double. Leaves out sample weights, micro averages and multilabel targets.

/// Precision, recall, F1 and support per class, their macro and weighted means, and accuracy.
public struct ClassificationReport: Sendable, Equatable, Codable {
    /// Fraction of rows predicted correctly.
    public var accuracy: Double
    /// Per class: tp / (tp + fp), or 0 when nothing was predicted as the class.
    public var precision: [Double]
    /// Per class: tp / (tp + fn), or 0 when the class has no rows.
    public var recall: [Double]
    /// Per class: 2tp / (2tp + fp + fn), or 0 when that denominator is 0.
    public var f1: [Double]
    /// Per class: number of rows of the class.
    public var support: [Int]
    /// Unweighted means over all classes 0..<classCount (absent classes count as 0).
    public var macroPrecision: Double, macroRecall: Double, macroF1: Double
    /// Means weighted by support.
    public var weightedPrecision: Double, weightedRecall: Double, weightedF1: Double
    /// The confusion matrix the figures come from.
    public var confusion: ConfusionMatrix
}

/// The per-epoch figures a training loop reports.
public struct ClassificationSummary: Sendable, Equatable, Codable {
    /// Fraction of rows whose argmax probability is the true class.
    public var accuracy: Double
    /// Macro-averaged F1.
    public var macroF1: Double
    /// Support-weighted F1.
    public var weightedF1: Double
    /// Macro-averaged precision.
    public var macroPrecision: Double
    /// Macro-averaged recall.
    public var macroRecall: Double
    /// ROC-AUC (binary, or one-vs-rest macro); nil when undefined (a single class present).
    public var rocAUC: Double?
    /// Mean log-loss.
    public var logLoss: Double
}

/// Classification metrics. Labels are class indices in 0..<classCount; probabilities are
/// row-major [n, classCount].
public enum Metrics {
    /// Fraction of rows where the prediction equals the label (scikit-learn `accuracy_score`).
    public static func accuracy(labels: [Int], predictions: [Int]) throws(FineTuneError) -> Double {
        guard labels.count == predictions.count, !labels.isEmpty else {
            throw FineTuneError(.invalidMetricInput,
                                "accuracy needs equal, non-zero numbers of labels and predictions; got \(labels.count) and \(predictions.count)")
        }
        let correct = zip(labels, predictions).reduce(0) { $0 + ($1.0 == $1.1 ? 1 : 0) }
        return Double(correct) / Double(labels.count)
    }

    /// The class with the highest probability in each row (the first one on ties, as argmax).
    public static func argmax(probabilities: [Float], classCount: Int) -> [Int] {
        precondition(classCount > 0 && probabilities.count % classCount == 0,
                     "argmax: \(probabilities.count) probabilities do not fill rows of \(classCount)")
        return stride(from: 0, to: probabilities.count, by: classCount).map { start in
            var best = 0
            for k in 1..<classCount where probabilities[start + k] > probabilities[start + best] { best = k }
            return best
        }
    }

    /// Precision, recall and F1 per class with macro and weighted means, as scikit-learn's
    /// `precision_recall_fscore_support(labels=range(classCount), zero_division=0)`.
    public static func report(labels: [Int], predictions: [Int], classCount: Int) throws(FineTuneError) -> ClassificationReport {
        let cm = try ConfusionMatrix(labels: labels, predictions: predictions, classCount: classCount)
        guard !labels.isEmpty else {
            throw FineTuneError(.invalidMetricInput, "classification metrics need at least one row")
        }
        var precision: [Double] = [], recall: [Double] = [], f1: [Double] = [], support: [Int] = []
        for k in 0..<classCount {
            let tp = cm.truePositives(k), predicted = cm.predictedCount(k), actual = cm.support(k)
            precision.append(predicted == 0 ? 0 : Double(tp) / Double(predicted))
            recall.append(actual == 0 ? 0 : Double(tp) / Double(actual))
            let denominator = predicted + actual  // 2tp + fp + fn
            f1.append(denominator == 0 ? 0 : Double(2 * tp) / Double(denominator))
            support.append(actual)
        }
        let n = Double(classCount)
        let total = Double(support.reduce(0, +))
        func weighted(_ v: [Double]) -> Double {
            zip(v, support).reduce(0) { $0 + $1.0 * Double($1.1) } / total
        }
        return ClassificationReport(
            accuracy: Double((0..<classCount).reduce(0) { $0 + cm.truePositives($1) }) / Double(labels.count),
            precision: precision, recall: recall, f1: f1, support: support,
            macroPrecision: precision.reduce(0, +) / n, macroRecall: recall.reduce(0, +) / n,
            macroF1: f1.reduce(0, +) / n,
            weightedPrecision: weighted(precision), weightedRecall: weighted(recall), weightedF1: weighted(f1),
            confusion: cm)
    }

    /// Accuracy, macro/weighted F1, macro precision/recall, ROC-AUC and log-loss of predicted
    /// probabilities (predictions are their argmax).
    public static func summary(labels: [Int], probabilities: [Float], classCount: Int) throws(FineTuneError) -> ClassificationSummary {
        let predictions = argmax(probabilities: probabilities, classCount: classCount)
        let r = try report(labels: labels, predictions: predictions, classCount: classCount)
        let doubles = probabilities.map(Double.init)
        return ClassificationSummary(
            accuracy: r.accuracy, macroF1: r.macroF1, weightedF1: r.weightedF1,
            macroPrecision: r.macroPrecision, macroRecall: r.macroRecall,
            rocAUC: try rocAUC(labels: labels, probabilities: doubles, classCount: classCount),
            logLoss: try logLoss(labels: labels, probabilities: doubles, classCount: classCount,
                                 epsilon: Double(Float.ulpOfOne)))
    }
}
