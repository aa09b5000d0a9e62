// Metrics against scikit-learn 1.9.1 values (Fixtures/metrics.json, written by
// scripts/fixtures/metrics.py), plus closed forms for AUC ties and input errors.
import Foundation
import Testing
@testable import FineTune

struct MetricsFixture: Decodable {
    struct Case: Decodable {
        var name: String
        var classCount: Int
        var dtype: String
        var labels: [Int]
        var predictions: [Int]
        var probabilities: [Double]
        var accuracy: Double
        var precision: [Double], recall: [Double], f1: [Double]
        var support: [Int]
        var macro: [Double], weighted: [Double]
        var confusion: [[Int]]
        var rocAUC: Double
        var logLoss: Double
    }
    var sklearn: String
    var cases: [Case]

    static func load() throws -> MetricsFixture {
        let url = try #require(Bundle.module.url(forResource: "metrics", withExtension: "json", subdirectory: "Fixtures"))
        return try JSONDecoder().decode(MetricsFixture.self, from: Data(contentsOf: url))
    }
}

/// |a − b| ≤ tolerance · max(1, |b|), element by element.
func expectClose(_ a: [Double], _ b: [Double], tolerance: Double = 1e-12, _ what: String,
                 sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(a.count == b.count, "\(what): \(a.count) values, expected \(b.count)", sourceLocation: sourceLocation)
    for (i, (x, y)) in zip(a, b).enumerated() {
        #expect(abs(x - y) <= tolerance * max(1, abs(y)), "\(what)[\(i)]: \(x), expected \(y)",
                sourceLocation: sourceLocation)
    }
}

@Suite struct MetricsTests {
    @Test func fixtureWasMadeWithTheExpectedScikitLearn() throws {
        let fixture = try MetricsFixture.load()
        #expect(fixture.sklearn == "1.9.1")
        #expect(fixture.cases.count == 8)
    }

    @Test(arguments: try! MetricsFixture.load().cases.map(\.name))
    func matchesScikitLearn(_ name: String) throws {
        let c = try #require(try MetricsFixture.load().cases.first { $0.name == name })
        let k = c.classCount
        let r = try Metrics.report(labels: c.labels, predictions: c.predictions, classCount: k)
        expectClose([r.accuracy], [c.accuracy], "\(name) accuracy")
        expectClose([try Metrics.accuracy(labels: c.labels, predictions: c.predictions)], [c.accuracy], "\(name) accuracy")
        expectClose(r.precision, c.precision, "\(name) precision")
        expectClose(r.recall, c.recall, "\(name) recall")
        expectClose(r.f1, c.f1, "\(name) f1")
        #expect(r.support == c.support)
        expectClose([r.macroPrecision, r.macroRecall, r.macroF1], c.macro, "\(name) macro")
        expectClose([r.weightedPrecision, r.weightedRecall, r.weightedF1], c.weighted, "\(name) weighted")
        #expect(r.confusion.rows == c.confusion)
        let auc = try #require(try Metrics.rocAUC(labels: c.labels, probabilities: c.probabilities, classCount: k))
        expectClose([auc], [c.rocAUC], "\(name) ROC-AUC")
        if c.dtype == "float32" {
            // scikit-learn clips with float32's epsilon and sums in float32.
            let loss = try Metrics.logLoss(labels: c.labels, probabilities: c.probabilities, classCount: k,
                                           epsilon: Double(Float.ulpOfOne))
            expectClose([loss], [c.logLoss], tolerance: 1e-6, "\(name) log-loss")
        } else {
            let loss = try Metrics.logLoss(labels: c.labels, probabilities: c.probabilities, classCount: k)
            expectClose([loss], [c.logLoss], "\(name) log-loss")
        }
    }

    @Test func summaryAgreesWithTheParts() throws {
        let c = try #require(try MetricsFixture.load().cases.first { $0.name == "three-class" })
        let s = try Metrics.summary(labels: c.labels, probabilities: c.probabilities.map { Float($0) }, classCount: 3)
        // Predictions in the fixture are the argmax of the same probabilities.
        expectClose([s.accuracy, s.macroF1, s.weightedF1], [c.accuracy, c.macro[2], c.weighted[2]], "summary")
        expectClose([try #require(s.rocAUC)], [c.rocAUC], tolerance: 1e-6, "summary AUC")
        expectClose([s.logLoss], [c.logLoss], tolerance: 1e-6, "summary log-loss")
    }

    @Test func aucCountsTiesAsOneHalf() throws {
        // One positive and one negative with equal scores: the curve is the diagonal, 0.5.
        #expect(try Metrics.rocAUC(binaryLabels: [0, 1], scores: [0.3, 0.3]) == 0.5)
        // Positives {0.8, 0.5}, negatives {0.5, 0.2}: pairs won 3, tied 1, lost 0 → 3.5 / 4.
        #expect(try Metrics.rocAUC(binaryLabels: [1, 1, 0, 0], scores: [0.8, 0.5, 0.5, 0.2]) == 0.875)
        // Perfectly reversed ranking.
        #expect(try Metrics.rocAUC(binaryLabels: [1, 0], scores: [0.1, 0.9]) == 0)
    }

    @Test func aucIsUndefinedWithOneClass() throws {
        #expect(try Metrics.rocAUC(binaryLabels: [1, 1, 1], scores: [0.1, 0.2, 0.3]) == nil)
    }

    @Test func oneVsRestSkipsAClassAbsentFromTheLabels() throws {
        // Class 2 has no rows: the macro mean is over classes 0 and 1 only.
        let probs: [Double] = [0.7, 0.2, 0.1, 0.1, 0.8, 0.1, 0.6, 0.3, 0.1, 0.3, 0.6, 0.1]
        let labels = [0, 1, 0, 1]
        let auc0 = try #require(try Metrics.rocAUC(binaryLabels: [1, 0, 1, 0], scores: [0.7, 0.1, 0.6, 0.3]))
        let auc1 = try #require(try Metrics.rocAUC(binaryLabels: [0, 1, 0, 1], scores: [0.2, 0.8, 0.3, 0.6]))
        #expect(try Metrics.rocAUC(labels: labels, probabilities: probs, classCount: 3) == (auc0 + auc1) / 2)
    }

    @Test func logLossClipsAndDoesNotRenormalise() throws {
        // p(true) = 0 is clipped to ε = 2⁻⁵²: loss −log(2⁻⁵²) = 52 ln 2.
        let loss = try Metrics.logLoss(labels: [0], probabilities: [0, 1], classCount: 2)
        #expect(abs(loss - 52 * log(2.0)) < 1e-12)
        // Rows not summing to 1 are used as given: −(log 0.5 + log 0.25) / 2.
        let raw = try Metrics.logLoss(labels: [0, 1], probabilities: [0.5, 0.1, 0.3, 0.25], classCount: 2)
        #expect(abs(raw - -(log(0.5) + log(0.25)) / 2) < 1e-15)
    }

    @Test func badInputIsAnErrorNamingTheProblem() {
        #expect(throws: FineTuneError.self) { try Metrics.accuracy(labels: [0, 1], predictions: [0]) }
        do {
            _ = try Metrics.report(labels: [0, 3], predictions: [0, 1], classCount: 3)
            Issue.record("expected an error")
        } catch {
            #expect(error.code == .invalidMetricInput)
            #expect(error.message.contains("labels[1] is 3"))
        }
        do {
            _ = try Metrics.logLoss(labels: [0], probabilities: [0.5, 0.25, 0.25], classCount: 2)
            Issue.record("expected an error")
        } catch {
            #expect(error.message.contains("3 probabilities for 1 labels × 2 classes"))
        }
        #expect(throws: FineTuneError.self) {
            try Metrics.rocAUC(labels: [0], probabilities: [1.5, -0.5], classCount: 2)
        }
    }

    @Test func confusionMatrixCountsPairs() throws {
        let cm = try ConfusionMatrix(labels: [0, 0, 1, 2, 2, 2], predictions: [0, 1, 1, 2, 0, 2], classCount: 3)
        #expect(cm.rows == [[1, 1, 0], [0, 1, 0], [1, 0, 2]])
        #expect(cm.support(2) == 3)
        #expect(cm.predictedCount(0) == 2)
        #expect(cm.total == 6)
    }
}
