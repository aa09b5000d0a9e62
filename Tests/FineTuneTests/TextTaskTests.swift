// The text task end to end on a small encoder written to disk in the Hugging Face layout: it
// learns a separable task, resuming at an epoch repeats the uninterrupted run, and the data
// readers name the file and line of bad input.
import Foundation
import Testing
import Tensors
@testable import FineTune

/// A model directory (config.json, model.safetensors, vocab.txt) with a small random encoder,
/// and a JSONL data set whose label is whether "good" or "bad" occurs.
private func smallTextSetup() throws -> (dir: URL, config: TextTrialConfig) {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rung-text-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    let words = ["the", "film", "was", "good", "bad", "plot", "acting", "very", "quite", "and"]
    let vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"] + words
    try vocab.joined(separator: "\n").write(to: dir.appendingPathComponent("vocab.txt"), atomically: true, encoding: .utf8)
    let config = BertConfig(vocabSize: vocab.count, hiddenSize: 16, numHiddenLayers: 2, numAttentionHeads: 2,
                            intermediateSize: 32, maxPositionEmbeddings: 32)
    try JSONEncoder().encode(config).write(to: dir.appendingPathComponent("config.json"))
    var g = SplitMix64(seed: 7)
    let encoder = BertEncoder(config: config, generator: &g)
    try SafeTensors.write(Dictionary(uniqueKeysWithValues: encoder.namedParameters().map {
        ($0.name, TensorData(shape: $0.tensor.shape, floats: $0.tensor.scalars))
    }), to: dir.appendingPathComponent("model.safetensors"))
    var lines: [String] = []
    let fillers = ["the", "film", "was", "plot", "acting", "very", "quite", "and"]
    for i in 0..<160 {
        let positive = i % 2 == 0
        var sentence = (0..<(3 + i % 5)).map { _ in fillers[Int(g.next() % UInt64(fillers.count))] }
        sentence.insert(positive ? "good" : "bad", at: Int(g.next() % UInt64(sentence.count + 1)))
        lines.append("{\"text\": \"\(sentence.joined(separator: " "))\", \"label\": \"\(positive ? "pos" : "neg")\"}")
    }
    try lines.joined(separator: "\n").write(to: dir.appendingPathComponent("data.jsonl"), atomically: true, encoding: .utf8)
    var trial = TextTrialConfig(data: dir.appendingPathComponent("data.jsonl").path, model: dir.path)
    trial.testSize = 40
    trial.epochs = 12
    trial.batchSize = 8
    trial.unfreezeLayers = 1
    trial.learningRate = 1e-2
    trial.encoderLearningRate = 3e-3
    trial.dropout = 0
    return (dir, trial)
}

@Test func textTaskLearnsASeparableTask() throws {
    let (dir, config) = try smallTextSetup()
    defer { try? FileManager.default.removeItem(at: dir) }
    let result = try TextTask.run(config: config)
    #expect(result.completedEpochs == 12)
    #expect(result.history.last!.trainLoss < result.history.first!.trainLoss)
    #expect(try #require(result.test).accuracy >= 0.9)
    #expect(result.trainableParameterCount < result.parameterCount)
    #expect(result.checkpoint.weights.keys.contains("encoder.encoder.layer.1.attention.self.query.weight"))
    #expect(!result.checkpoint.weights.keys.contains("encoder.encoder.layer.0.attention.self.query.weight"))
}

@Test func textTaskResumedFromCheckpointRepeatsTheUninterruptedRun() throws {
    var (dir, config) = try smallTextSetup()
    defer { try? FileManager.default.removeItem(at: dir) }
    config.epochs = 3
    config.dropout = 0.2
    let straight = try TextTask.run(config: config)
    let first = try TextTask.run(config: config, toEpoch: 1)
    let file = dir.appendingPathComponent("ckpt.safetensors")
    try first.checkpoint.write(to: file)
    let resumed = try TextTask.run(config: config, fromEpoch: 1, checkpoint: TextCheckpoint(contentsOf: file))
    #expect(resumed.history.map(\.withoutTiming) == straight.history.map(\.withoutTiming))
    #expect(resumed.test == straight.test)
}

@Test func linearProbeTrainsOnlyTheHead() throws {
    var (dir, config) = try smallTextSetup()
    defer { try? FileManager.default.removeItem(at: dir) }
    config.unfreezeLayers = 0
    config.epochs = 2
    let result = try TextTask.run(config: config)
    #expect(Set(result.checkpoint.weights.keys) == ["head.weight", "head.bias"])
    #expect(result.trainableParameterCount == 16 * 2 + 2)
}

@Test func textDataErrorsNameFileAndLine() throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rung-textdata-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    let jsonl = dir.appendingPathComponent("reviews.jsonl")
    try "{\"text\": \"fine\", \"label\": \"pos\"}\nnot json\n".write(to: jsonl, atomically: true, encoding: .utf8)
    #expect { try TextData.load(jsonl) } throws: { "\($0)".contains("reviews.jsonl line 2") }
    let tsv = dir.appendingPathComponent("reviews.tsv")
    try "text\tlabel\ngood\tpos\nbad\tneg\textra\n".write(to: tsv, atomically: true, encoding: .utf8)
    #expect { try TextData.load(tsv) } throws: { "\($0)".contains("reviews.tsv line 3: 3 fields, header has 2") }
    try "sentence\tlabel\ngood\tpos\n".write(to: tsv, atomically: true, encoding: .utf8)
    #expect { try TextData.load(tsv) } throws: { "\($0)".contains("no column \"text\"; columns are sentence, label") }
    let ok = dir.appendingPathComponent("ok.tsv")
    try "text\tlabel\ngood one\tpos\nbad one\tneg\nfine\tpos\n".write(to: ok, atomically: true, encoding: .utf8)
    let d = try TextData.load(ok)
    #expect(d.classNames == ["neg", "pos"] && d.labels == [1, 0, 1] && d.texts == ["good one", "bad one", "fine"])
}

@Test func textTaskStopsEarlyOnTheBestEpochsWeights() throws {
    var (dir, config) = try smallTextSetup()
    defer { try? FileManager.default.removeItem(at: dir) }
    // A rate far too high: the validation loss turns up after a few epochs.
    config.epochs = 30
    config.learningRate = 0.5
    config.encoderLearningRate = 0.05
    config.warmupFraction = 0
    config.schedule = .constant
    config.patience = 2
    let stopped = try TextTask.run(config: config)
    try #require(stopped.stoppedEarly && stopped.finished && stopped.completedEpochs < 30)
    let losses = stopped.history.map(\.validationLoss)
    let best = losses.indices.min { losses[$0] < losses[$1] }! + 1
    try #require(best < stopped.completedEpochs)
    let cut = try TextTask.run(config: config, toEpoch: best)
    #expect(stopped.checkpoint.weights == cut.checkpoint.weights)
    #expect(stopped.test != nil)
    // Paused after the best epoch and resumed from the file: the same ending.
    let first = try TextTask.run(config: config, toEpoch: best + 1)
    let file = dir.appendingPathComponent("ckpt.safetensors")
    try first.checkpoint.write(to: file)
    let rest = try TextTask.run(config: config, fromEpoch: best + 1, checkpoint: TextCheckpoint(contentsOf: file))
    #expect(rest.history.map(\.withoutTiming) == stopped.history.map(\.withoutTiming))
    #expect(rest.test == stopped.test && rest.checkpoint.weights == stopped.checkpoint.weights)
}

@Test func textPatienceIsValidated() throws {
    var config = TextTrialConfig(data: "d.jsonl", model: "m")
    config.patience = 0
    #expect { try config.validate() } throws: { "\($0)".contains("patience is 0") && "\($0)".contains("≥ 1") }
    let decoded = try TextTrialConfig.decode(json: Data(#"{"data": "d", "model": "m", "patience": 3}"#.utf8), source: "t.json")
    #expect(decoded.patience == 3)
}
