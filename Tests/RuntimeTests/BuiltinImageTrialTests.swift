// The built-in image task as a worker runs it: a small IDX data set written to disk, the study's
// task options overlaid with a trial's parameters, metric lines carrying the cost figures and, on
// the last epoch, the test figures, then the per-class report line; resuming from the saved
// checkpoint gives the uninterrupted run's lines.
import Foundation
import Testing
import FineTune
import Search
@testable import Runtime

/// Writes uncompressed IDX files `train-*` and `t10k-*` of 8×8 images, 3 classes; class c has
/// a bright band of rows 2c…2c+2.
private func writeIDX(to dir: URL) throws {
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    func header(_ magic: UInt32, _ dims: [Int]) -> [UInt8] {
        var b: [UInt8] = [0, 0, UInt8((magic >> 8) & 0xff), UInt8(magic & 0xff)]
        for d in dims { b += [UInt8(d >> 24 & 0xff), UInt8(d >> 16 & 0xff), UInt8(d >> 8 & 0xff), UInt8(d & 0xff)] }
        return b
    }
    for (stem, n) in [("train", 30), ("t10k", 12)] {
        var pixels: [UInt8] = [], labels: [UInt8] = []
        for i in 0..<n {
            let c = i % 3
            labels.append(UInt8(c))
            for y in 0..<8 { for x in 0..<8 { pixels.append(y / 2 == c ? 200 : UInt8((x * 7 + y * 3 + i) % 40)) } }
        }
        try Data(header(0x803, [n, 8, 8]) + pixels).write(to: dir.appendingPathComponent("\(stem)-images-idx3-ubyte"))
        try Data(header(0x801, [n]) + labels).write(to: dir.appendingPathComponent("\(stem)-labels-idx1-ubyte"))
    }
}

@Test func builtinImageTrialPrintsCostTestAndReportAndResumes() throws {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("rung-image-trial-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: root) }
    let data = root.appendingPathComponent("data")
    try writeIDX(to: data)
    let options = #"{"data": "\#(data.path)", "classes": [0, 1, 2], "shots": 4, "validation_per_class": 3, "batch_size": 4, "epochs": 3}"#
    let task = BuiltinTask(kind: "image", optionsJSON: options)
    let params: Configuration = ["strategy": .string("gradual"), "learning_rate": .double(0.01), "head_dropout": .double(0.2),
                                 "augment": .double(0.5)]
    func spec(_ from: Int, _ to: Int, _ dir: String) -> BuiltinTrialSpec {
        BuiltinTrialSpec(task: task, trial: TrialID(1), attempt: 1, config: params, fromEpoch: from, toEpoch: to,
                         checkpointDirectory: dir, saveCheckpoint: to < 3)
    }
    var whole: [String] = []
    try BuiltinTrial.run(spec(0, 3, root.appendingPathComponent("a").path)) { whole.append($0) }
    #expect(whole.count == 4)
    let metrics = whole.prefix(3).compactMap(MetricLine.init)
    #expect(metrics.map(\.epoch) == [1, 2, 3])
    for m in metrics {
        for key in ["params_total", "params_trainable", "latency_ms", "images_per_s", "memory_mb", "accuracy", "val_loss"] {
            #expect(m.metrics[key] != nil, "\(key) missing")
        }
        let head = 256 * 3 + 3, convs = 32 * 9 + 32 + 64 * 32 * 9 + 64
        #expect(m.metrics["params_total"] == Double(head + convs))
    }
    #expect(metrics[2].metrics["test_accuracy"] != nil && metrics[1].metrics["test_accuracy"] == nil)
    let report = try #require(ReportLine(line: whole[3]))
    #expect(report.classNames == ["0", "1", "2"] && report.support == [4, 4, 4])
    #expect(report.accuracy == metrics[2].metrics["test_accuracy"])

    // Two epochs, then the third from the checkpoint: the same figures (timings aside).
    let dir = root.appendingPathComponent("b").path
    var first: [String] = [], second: [String] = []
    try BuiltinTrial.run(spec(0, 2, dir)) { first.append($0) }
    try BuiltinTrial.run(spec(2, 3, dir)) { second.append($0) }
    func stable(_ line: String) -> MetricValues {
        (MetricLine(line)?.metrics ?? [:]).filter { !["seconds", "latency_ms", "images_per_s"].contains($0.key) }
    }
    #expect((first + second).map(stable) == whole.map(stable))
    #expect(second.last == whole.last)

    // An unknown setting is named.
    let bad = BuiltinTrialSpec(task: task, trial: TrialID(2), attempt: 1, config: ["strategi": .string("full")], fromEpoch: 0, toEpoch: 1,
                               checkpointDirectory: root.path, saveCheckpoint: false)
    #expect(throws: RuntimeError.self) { try BuiltinTrial.run(bad) { _ in } }
}

/// An example study of deploy/examples and its built-in task.
private func exampleStudy(_ file: String) throws -> (study: Study, task: BuiltinTask)? {
    let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("deploy/examples/" + file)
    let study = try Study.load(contentsOf: url)
    guard case .builtin(let task) = try TrialTask.parse(json: JSONEncoder().encode(study.task)) else {
        Issue.record("the task of \(file) is not built in")
        return nil
    }
    return (study, task)
}

/// `count` configurations sampled from `file`'s space (seed `seed`), each with the image trial the
/// worker would run for it.
private func sampledImageTrials(_ file: String, count: Int, seed: UInt64, toEpoch: Int) throws
    -> (task: BuiltinTask, trials: [(config: Configuration, trial: ImageTrialConfig)])? {
    guard let (study, task) = try exampleStudy(file) else { return nil }
    var rng = RandomSource(seed: seed)
    let trials = try (0..<count).map { i in
        let config = study.space.sample(using: &rng)
        let spec = BuiltinTrialSpec(task: task, trial: TrialID(i), attempt: 1, config: config, fromEpoch: 0, toEpoch: toEpoch,
                                    checkpointDirectory: "/tmp", saveCheckpoint: false)
        return (config, try BuiltinTrial.config(spec, as: ImageTrialConfig.self))
    }
    return (task, trials)
}

@Test func imageStudyExampleSamplesConfigurationsTheImageTaskAccepts() throws {
    guard let (task, trials) = try sampledImageTrials("image-study.yaml", count: 40, seed: 3, toEpoch: 9) else { return }
    #expect(task.kind == "image")
    var backbones: Set<String> = []
    for (config, c) in trials {
        backbones.insert(c.backbone)
        #expect(c.classes == [5, 6, 7, 8, 9] && c.shots == 20 && c.epochs == 9, "\(c) \(config)")
        if ["smallcnn", "resnet"].contains(c.backbone) { #expect(config["strategy"] == nil && c.strategy == .full) }
        if c.strategy == .linearProbe { #expect(config["backbone_lr_mult"] == nil) }
        if c.backbone != "efficientnet-lite0" { #expect(config["image_size"] == nil && !c.freezeBn) }
    }
    #expect(backbones == ["smallcnn", "resnet", "smallcnn-fmnist-0-4", "efficientnet-lite0"])
}

@Test func topsStudyExampleSamplesTapsOnlyForProbesOfEfficientNet() throws {
    guard let (_, trials) = try sampledImageTrials("image-tops-study.yaml", count: 60, seed: 5, toEpoch: 18) else { return }
    var taps: Set<String> = []
    for (_, c) in trials {
        try c.validate()
        #expect(c.classes == [0, 2, 3, 4, 6] && c.shots == 20 && c.imageSize == 64)
        if let t = c.featureTaps {
            #expect(c.backbone == "efficientnet-lite0" && c.strategy == .linearProbe && [1, 4].contains(c.tapGrid) && c.headL2 > 0)
            taps.insert(t)
        }
    }
    #expect(taps == ["2-5", "3-6"])
}
