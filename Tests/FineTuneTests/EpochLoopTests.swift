// The shared epoch loop's early stopping: when it ends a trial, the test, the model and the
// checkpoint carry the best validation epoch's weights (equal to a run cut at that epoch), a run
// paused after the best epoch and resumed from its checkpoint file ends the same, the text task
// stops early too, and checkpoints without best weights still load. Synthetic data, no files.

import Foundation
import Testing
@testable import FineTune

/// A tabular trial that overfits: a wide net at a high rate on few rows, so the validation loss
/// turns up after a few epochs and patience 2 ends it well before its 40 epochs.
private func overfittingConfig() -> TabularTrialConfig {
    var c = TabularTrialConfig()
    c.hidden = [64, 64]
    c.epochs = 40
    c.batchSize = 8
    c.learningRate = 2e-2
    c.dropout = 0
    c.earlyStoppingPatience = 2
    c.seed = 5
    return c
}

private func temporaryFile() -> URL {
    FileManager.default.temporaryDirectory.appendingPathComponent("rung-epochloop-\(UUID().uuidString.prefix(8)).safetensors")
}

@Suite struct EpochLoopTests {
    @Test func earlyStoppingTestsAndKeepsTheBestEpochsWeights() throws {
        let config = overfittingConfig()
        let splits = try TabularTask.loadData(config)
        let stopped = try TabularTask.run(config: config, splits: splits)
        try #require(stopped.stoppedEarly && stopped.finished)
        let losses = stopped.history.map(\.validationLoss)
        let best = losses.indices.min { losses[$0] < losses[$1] }! + 1
        // The best epoch is not the last one run: without restoring, the test would see other weights.
        try #require(best < stopped.completedEpochs)
        let cut = try TabularTask.run(config: config, splits: splits, toEpoch: best)
        #expect(stopped.checkpoint.weights == cut.checkpoint.weights)
        #expect(stopped.model.weightData() == cut.model.weightData())
        let (_, p) = TabularTask.evaluate(model: cut.model, data: splits.test)
        let expected = try Metrics.summary(labels: splits.test.labels, probabilities: p, classCount: splits.test.classCount)
        #expect(stopped.test == expected)
        #expect(stopped.checkpoint.bestWeights == cut.checkpoint.weights)
    }

    @Test func resumingAcrossTheBestWeightsCopyEndsTheSame() throws {
        let config = overfittingConfig()
        let splits = try TabularTask.loadData(config)
        let whole = try TabularTask.run(config: config, splits: splits)
        let losses = whole.history.map(\.validationLoss)
        let best = losses.indices.min { losses[$0] < losses[$1] }! + 1
        // Paused one epoch after the best: the best weights are only in the checkpoint's copy.
        let first = try TabularTask.run(config: config, splits: splits, toEpoch: best + 1)
        let url = temporaryFile()
        defer { try? FileManager.default.removeItem(at: url) }
        try first.checkpoint.write(to: url)
        let loaded = try TabularCheckpoint(contentsOf: url)
        #expect(loaded.bestWeights != nil && loaded.bestWeights == first.checkpoint.bestWeights)
        #expect(loaded.bestWeights != loaded.weights)
        let rest = try TabularTask.run(config: config, splits: splits, fromEpoch: loaded.epoch, checkpoint: loaded)
        #expect(rest.stoppedEarly && rest.completedEpochs == whole.completedEpochs)
        #expect(rest.history.map(\.withoutTiming) == whole.history.map(\.withoutTiming))
        #expect(rest.checkpoint.weights == whole.checkpoint.weights)
        #expect(rest.test == whole.test && rest.test != nil)
    }

    @Test func aLaterAttemptOfATrialEarlyStoppingEndedOnlyTests() throws {
        let config = overfittingConfig()
        let splits = try TabularTask.loadData(config)
        let stopped = try TabularTask.run(config: config, splits: splits)
        try #require(stopped.stoppedEarly && stopped.completedEpochs < 38)
        // The scheduler asks for more epochs than the trial ran: its checkpoint is older than the start.
        let later = try TabularTask.run(config: config, splits: splits, fromEpoch: stopped.completedEpochs + 2,
                                        checkpoint: stopped.checkpoint)
        #expect(later.epochs.isEmpty && later.stoppedEarly && later.finished && later.completedEpochs == stopped.completedEpochs)
        #expect(later.test == stopped.test && later.checkpoint.weights == stopped.checkpoint.weights)
        // A checkpoint of a trial still running must match the start exactly.
        let paused = try TabularTask.run(config: config, splits: splits, toEpoch: 1)
        #expect(throws: FineTuneError.self) { try TabularTask.run(config: config, splits: splits, fromEpoch: 2, checkpoint: paused.checkpoint) }
    }

    @Test func aCheckpointWithoutBestWeightsLoadsAndResumes() throws {
        var config = overfittingConfig()
        config.epochs = 3
        let splits = try TabularTask.loadData(config)
        let first = try TabularTask.run(config: config, splits: splits, toEpoch: 1)
        var old = first.checkpoint
        old.bestWeights = nil   // as written before best weights were kept
        let url = temporaryFile()
        defer { try? FileManager.default.removeItem(at: url) }
        try old.write(to: url)
        let loaded = try TabularCheckpoint(contentsOf: url)
        #expect(loaded.bestWeights == nil && loaded.weights == first.checkpoint.weights)
        let rest = try TabularTask.run(config: config, splits: splits, fromEpoch: 1, checkpoint: loaded)
        #expect(rest.completedEpochs == 3 && rest.finished)
    }

    @Test func anImageCheckpointKeepingItsCostInProgressStillReadsIt() throws {
        // Earlier image checkpoints kept the measured cost inside `rung.progress`.
        let cost = ModelCost(paramsTotal: 10, paramsTrainable: 4, latencyMs: 1.5, imagesPerSecond: 600, memoryMB: 2)
        struct OldProgress: Codable { var epoch: Int; var stepCount: Int; var history: [EpochMetrics]; var earlyStopping: EarlyStopping?; var cost: ModelCost? }
        let url = temporaryFile()
        defer { try? FileManager.default.removeItem(at: url) }
        try CheckpointFile.write(["head.bias": TensorData(shape: [2], floats: [0, 1])], format: ImageCheckpointExtra.format, metadata: [
            "rung.config": CheckpointFile.json(ImageTrialConfig(), sortedKeys: false),
            "rung.progress": CheckpointFile.json(OldProgress(epoch: 1, stepCount: 3, history: [], earlyStopping: nil, cost: cost), sortedKeys: false),
        ], to: url)
        let read = try ImageCheckpoint(contentsOf: url)
        #expect(read.cost == cost && read.epoch == 1 && read.stepCount == 3 && read.bestWeights == nil)
        #expect(read.weights["head.bias"]?.floats == [0, 1])
    }
}
