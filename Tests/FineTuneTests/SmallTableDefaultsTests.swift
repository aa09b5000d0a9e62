// `rung train`'s defaults on a small real table: the 178-row wine table (Fixtures/csv/wine.csv)
// trained with the defaults as adapted to its size must come near a logistic regression's test
// log-loss and accuracy (Fixtures/wine-logreg.json, both written by scripts/fixtures/wine.py), where
// the plain defaults (20 epochs of batch 64, 40 steps) end at log-loss ≈ 0.5. Also the rule itself.

import Foundation
import Testing
@testable import FineTune

@Suite struct SmallTableDefaultsTests {
    private struct Reference: Decodable { let testAccuracy: Double; let testLogLoss: Double; let rows: Int }

    @Test func theRuleHalvesTheBatchAndRaisesTheEpochsOnlyForSmallTables() {
        let plain = TabularTrialConfig()
        let wine = plain.adaptingDefaults(trainingRows: 124, keepBatchSize: false, keepEpochs: false)
        #expect(wine.batchSize == 16 && wine.epochs == 50)
        let breastCancer = plain.adaptingDefaults(trainingRows: 398, keepBatchSize: false, keepEpochs: false)
        #expect(breastCancer.batchSize == 32 && breastCancer.epochs == 31)
        let mid = plain.adaptingDefaults(trainingRows: 512, keepBatchSize: false, keepEpochs: false)
        #expect(mid.batchSize == 64 && mid.epochs == 50)
        let large = plain.adaptingDefaults(trainingRows: 1280, keepBatchSize: false, keepEpochs: false)
        #expect(large == plain)
        let tiny = plain.adaptingDefaults(trainingRows: 10, keepBatchSize: false, keepEpochs: false)
        #expect(tiny.batchSize == 16 && tiny.epochs == 200)
        // What the user set stays as set; the other setting adapts around it.
        var chosen = plain
        chosen.batchSize = 64
        let keptBatch = chosen.adaptingDefaults(trainingRows: 124, keepBatchSize: true, keepEpochs: false)
        #expect(keptBatch.batchSize == 64 && keptBatch.epochs == 200)
        chosen.epochs = 7
        let keptBoth = chosen.adaptingDefaults(trainingRows: 124, keepBatchSize: true, keepEpochs: true)
        #expect(keptBoth == chosen)
    }

    @Test func defaultsOnTheWineTableComeNearALogisticRegression() throws {
        let csv = try #require(Bundle.module.url(forResource: "wine", withExtension: "csv", subdirectory: "Fixtures/csv"))
        let refURL = try #require(Bundle.module.url(forResource: "wine-logreg", withExtension: "json", subdirectory: "Fixtures"))
        let reference = try JSONDecoder().decode(Reference.self, from: Data(contentsOf: refURL))
        var accuracies: [Double] = [], losses: [Double] = [], plainLosses: [Double] = []
        for seed: UInt64 in 0..<5 {
            var config = TabularTrialConfig()
            config.data = csv.path
            config.target = "cultivar"
            config.splitSeed = seed
            config.seed = seed
            let splits = try TabularTask.loadData(config)
            #expect(splits.train.count + splits.validation.count + splits.test.count == reference.rows)
            let adapted = config.adaptingDefaults(trainingRows: splits.train.count, keepBatchSize: false, keepEpochs: false)
            #expect(adapted.batchSize == 16 && adapted.epochs == 50, "\(splits.train.count) training rows")
            let test = try #require(try TabularTask.run(config: adapted, splits: splits).test)
            accuracies.append(test.accuracy)
            losses.append(test.logLoss)
            if seed == 0 { plainLosses.append(try #require(try TabularTask.run(config: config, splits: splits).test).logLoss) }
        }
        let accuracy = accuracies.reduce(0, +) / Double(accuracies.count)
        let logLoss = losses.reduce(0, +) / Double(losses.count)
        // Near the regression: within 0.03 accuracy (under one of the 27 test rows per split) and
        // 0.1 log-loss, averaged over the five splits.
        #expect(accuracy >= reference.testAccuracy - 0.03, "mean test accuracy \(accuracy) (\(accuracies)), logistic regression \(reference.testAccuracy)")
        #expect(logLoss <= reference.testLogLoss + 0.1, "mean test log-loss \(logLoss) (\(losses)), logistic regression \(reference.testLogLoss)")
        // The plain defaults do not: this is what the adaptation is for.
        #expect(plainLosses[0] > reference.testLogLoss + 0.2, "plain defaults' log-loss \(plainLosses[0])")
    }
}
