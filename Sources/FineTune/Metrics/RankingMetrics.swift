// ROC-AUC and log-loss, scikit-learn 1.9.1's way. AUC is the trapezoidal area under the ROC
// curve with one point per distinct score (tied scores move the curve diagonally, i.e. count
// one half), computed with exact integer areas. Leaves out partial AUC and sample weights.
import Foundation

extension Metrics {
    /// Binary ROC-AUC of `scores` (higher means class 1) against labels 0/1, as scikit-learn's
    /// `roc_auc_score`. Nil when only one class is present (scikit-learn returns nan then).
    public static func rocAUC(binaryLabels labels: [Int], scores: [Double]) throws(FineTuneError) -> Double? {
        try checkLabels(labels, classCount: 2, what: "labels")
        guard labels.count == scores.count else {
            throw FineTuneError(.invalidMetricInput, "\(labels.count) labels but \(scores.count) scores")
        }
        if let bad = scores.firstIndex(where: { $0.isNaN }) {
            throw FineTuneError(.invalidMetricInput, "scores[\(bad)] is nan; ROC-AUC needs comparable scores")
        }
        let positives = labels.reduce(0, +), negatives = labels.count - positives
        guard positives > 0, negatives > 0 else { return nil }
        let order = scores.indices.sorted { scores[$0] > scores[$1] }
        // Twice the area in units of (1 false positive × 1 true positive): exact in integers.
        var twiceArea = 0, tp = 0, fp = 0, i = 0
        while i < order.count {
            let threshold = scores[order[i]]
            var groupTP = 0, groupFP = 0
            while i < order.count, scores[order[i]] == threshold {
                if labels[order[i]] == 1 { groupTP += 1 } else { groupFP += 1 }
                i += 1
            }
            twiceArea += groupFP * (2 * tp + groupTP)
            tp += groupTP
            fp += groupFP
        }
        return Double(twiceArea) / (2 * Double(positives) * Double(negatives))
    }

    /// ROC-AUC of class probabilities (row-major [n, classCount]). Two classes: binary AUC of
    /// column 1. More: one-vs-rest, macro mean over the classes that have both positive and
    /// negative rows (scikit-learn instead fails or gives nan when a class is absent from the
    /// labels; with every class present the two agree). Nil when no class qualifies.
    public static func rocAUC(labels: [Int], probabilities: [Double], classCount: Int) throws(FineTuneError) -> Double? {
        try checkProbabilities(labels: labels, probabilities: probabilities, classCount: classCount)
        guard classCount >= 2 else {
            throw FineTuneError(.invalidMetricInput, "ROC-AUC needs at least 2 classes, got \(classCount)")
        }
        let n = labels.count
        if classCount == 2 {
            return try rocAUC(binaryLabels: labels, scores: (0..<n).map { probabilities[$0 * 2 + 1] })
        }
        var sum = 0.0, defined = 0
        for k in 0..<classCount {
            let binary = labels.map { $0 == k ? 1 : 0 }
            let scores = (0..<n).map { probabilities[$0 * classCount + k] }
            if let auc = try rocAUC(binaryLabels: binary, scores: scores) {
                sum += auc
                defined += 1
            }
        }
        return defined == 0 ? nil : sum / Double(defined)
    }

    /// Mean negative log-likelihood of the true class (scikit-learn's `log_loss` with
    /// `labels=range(classCount)`): each probability is clipped to [ε, 1 − ε] first, with no
    /// renormalisation. ε defaults to Double's machine epsilon, as scikit-learn for float64
    /// input; `summary` passes Float's (2⁻²³), as scikit-learn for float32 input.
    public static func logLoss(labels: [Int], probabilities: [Double], classCount: Int,
                               epsilon: Double = Double.ulpOfOne) throws(FineTuneError) -> Double {
        try checkProbabilities(labels: labels, probabilities: probabilities, classCount: classCount)
        var total = 0.0
        for (i, y) in labels.enumerated() {
            let p = min(max(probabilities[i * classCount + y], epsilon), 1 - epsilon)
            total -= Foundation.log(p)
        }
        return total / Double(labels.count)
    }

    private static func checkProbabilities(labels: [Int], probabilities: [Double], classCount: Int) throws(FineTuneError) {
        try checkLabels(labels, classCount: classCount, what: "labels")
        guard !labels.isEmpty, probabilities.count == labels.count * classCount else {
            throw FineTuneError(.invalidMetricInput,
                                "\(probabilities.count) probabilities for \(labels.count) labels × \(classCount) classes; need one row of \(classCount) per label (and at least one label)")
        }
        if let bad = probabilities.firstIndex(where: { !($0 >= 0 && $0 <= 1) }) {
            throw FineTuneError(.invalidMetricInput,
                                "probabilities[\(bad)] (row \(bad / classCount), class \(bad % classCount)) is \(probabilities[bad]); probabilities must be in [0, 1]")
        }
    }
}
