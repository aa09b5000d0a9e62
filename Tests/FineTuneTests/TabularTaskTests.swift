// The tabular trial: same seed gives identical metrics, a run resumed from a checkpoint at epoch
// k gives the metrics and weights of the uninterrupted run, configuration JSON round-trips and
// bad configurations are refused by name. Uses the built-in synthetic table (no files).

import Foundation
import Testing
@testable import FineTune

private func smallConfig() -> TabularTrialConfig {
    var c = TabularTrialConfig()
    c.hidden = [16, 8]
    c.epochs = 4
    c.batchSize = 32
    c.dropout = 0.2
    c.learningRate = 3e-3
    c.schedule = .cosine
    c.warmupEpochs = 1
    c.maxGradientNorm = 5
    c.seed = 11
    return c
}

@Test func sameSeedGivesIdenticalMetrics() throws {
    let config = smallConfig()
    let splits = try TabularTask.loadData(config)
    let a = try TabularTask.run(config: config, splits: splits)
    let b = try TabularTask.run(config: config, splits: splits)
    #expect(a.epochs.count == 4 && a.finished)
    #expect(a.epochs.map(\.withoutTiming) == b.epochs.map(\.withoutTiming))
    #expect(a.test == b.test && a.test != nil)
    #expect(a.checkpoint.weights == b.checkpoint.weights)
    // Training lowers the loss.
    #expect(a.epochs.last!.trainLoss < a.epochs.first!.trainLoss - 0.03)
    var other = config
    other.seed = 12
    let c = try TabularTask.run(config: other, splits: splits)
    #expect(c.epochs.map(\.trainLoss) != a.epochs.map(\.trainLoss))
}

@Test func resumingFromACheckpointRepeatsTheUninterruptedRun() throws {
    var config = smallConfig()
    config.optimizer = .sgd
    config.nesterov = true
    config.earlyStoppingPatience = 3
    let splits = try TabularTask.loadData(config)
    let whole = try TabularTask.run(config: config, splits: splits)
    let first = try TabularTask.run(config: config, splits: splits, toEpoch: 2)
    #expect(first.completedEpochs == 2 && !first.finished && first.test == nil)
    let second = try TabularTask.run(config: config, splits: splits, fromEpoch: 2, checkpoint: first.checkpoint)
    #expect((first.epochs + second.epochs).map(\.withoutTiming) == whole.epochs.map(\.withoutTiming))
    #expect(second.history.map(\.withoutTiming) == whole.history.map(\.withoutTiming))
    #expect(second.checkpoint.weights == whole.checkpoint.weights)
    #expect(second.checkpoint.optimizerState == whole.checkpoint.optimizerState)
    #expect(second.test == whole.test)
    // A checkpoint that does not match the start epoch is refused.
    #expect(throws: FineTuneError.self) {
        try TabularTask.run(config: config, splits: splits, fromEpoch: 1, checkpoint: first.checkpoint)
    }
}

@Test func testingEveryEpochRecordsTestMetricsWithoutChangingTraining() throws {
    let config = smallConfig()
    let splits = try TabularTask.loadData(config)
    let plain = try TabularTask.run(config: config, splits: splits)
    let tested = try TabularTask.run(config: config, splits: splits, testEveryEpoch: true)
    #expect(plain.epochs.allSatisfy { $0.testAccuracy == nil && $0.testLoss == nil })
    #expect(tested.epochs.count == 4 && tested.epochs.allSatisfy { ($0.testLoss ?? .nan).isFinite && (0...1).contains($0.testAccuracy ?? -1) })
    func stripped(_ m: EpochMetrics) -> EpochMetrics {
        var m = m.withoutTiming
        m.testAccuracy = nil
        m.testLoss = nil
        return m
    }
    #expect(tested.epochs.map(stripped) == plain.epochs.map(\.withoutTiming))
    #expect(tested.checkpoint.weights == plain.checkpoint.weights)
    #expect(tested.epochs.last?.testAccuracy == plain.test?.accuracy)
    // Off by default, metrics.json keeps its keys.
    let json = String(decoding: TabularRunReport(plain, config: config).jsonData(), as: UTF8.self)
    #expect(!json.contains("testAccuracy"))
    #expect(String(decoding: TabularRunReport(tested, config: config).jsonData(), as: UTF8.self).contains("testAccuracy"))
}

@Test func onEpochCanStopEarly() throws {
    let config = smallConfig()
    let splits = try TabularTask.loadData(config)
    var seen: [Int] = []
    let r = try TabularTask.run(config: config, splits: splits) { m in
        seen.append(m.epoch)
        return m.epoch == 2 ? .stop : .proceed
    }
    #expect(seen == [1, 2] && r.completedEpochs == 2 && !r.finished)
}

@Test func configJSONRoundTripsAndRefusesUnknownKeys() throws {
    var c = smallConfig()
    c.data = "x.csv"
    c.target = "y"
    let back = try TabularTrialConfig.decode(json: c.jsonData(), source: "c.json")
    #expect(back == c)
    let partial = try TabularTrialConfig.decode(json: Data(#"{"epochs": 3, "hidden": [4]}"#.utf8), source: "p.json")
    var expected = TabularTrialConfig()
    expected.epochs = 3
    expected.hidden = [4]
    #expect(partial == expected)
    do {
        _ = try TabularTrialConfig.decode(json: Data(#"{"epoch": 3}"#.utf8), source: "bad.json")
        Issue.record("unknown key accepted")
    } catch {
        #expect(error.message.contains("\"epoch\"") && error.message.contains("bad.json"))
    }
    do {
        _ = try TabularTrialConfig.decode(json: Data(#"{"epochs": "many"}"#.utf8), source: "bad.json")
        Issue.record("wrong type accepted")
    } catch {
        #expect(error.message.contains("epochs"))
    }
    var invalid = TabularTrialConfig()
    invalid.dropout = 1.5
    #expect(throws: FineTuneError.self) { try invalid.validate() }
    invalid = TabularTrialConfig()
    invalid.data = "file.csv"
    #expect(throws: FineTuneError.self) { try invalid.validate() }
}

@Test func checkpointFileRoundTripsAndResumes() throws {
    var config = smallConfig()
    config.epochs = 3
    config.earlyStoppingPatience = 5
    let splits = try TabularTask.loadData(config)
    let whole = try TabularTask.run(config: config, splits: splits)
    let first = try TabularTask.run(config: config, splits: splits, toEpoch: 1)
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("rung-ckpt-\(UInt64.random(in: 0...UInt64.max)).safetensors")
    defer { try? FileManager.default.removeItem(at: url) }
    try first.checkpoint.write(to: url)
    let loaded = try TabularCheckpoint(contentsOf: url)
    #expect(loaded.weights == first.checkpoint.weights && loaded.shapes == first.checkpoint.shapes)
    #expect(loaded.optimizerState == first.checkpoint.optimizerState)
    #expect(loaded.preprocessor == first.checkpoint.preprocessor && loaded.config == config)
    #expect(loaded.earlyStopping == first.checkpoint.earlyStopping && loaded.stepCount == first.checkpoint.stepCount)
    #expect(loaded.history == first.checkpoint.history)
    let rest = try TabularTask.run(config: loaded.config, splits: splits, fromEpoch: loaded.epoch, checkpoint: loaded)
    #expect(rest.history.map(\.withoutTiming) == whole.history.map(\.withoutTiming))
    #expect(rest.test == whole.test)
    // A safetensors file without Rung's metadata is refused with a message.
    try SafeTensors.write(["w": TensorData(shape: [1], floats: [1])], to: url)
    #expect(throws: FineTuneError.self) { try TabularCheckpoint(contentsOf: url) }
}
