// `rung train-image`: one image-classification trial on this machine, no coordinator: a backbone
// (from scratch, EfficientNet-Lite0, or a zoo entry made by `rung pretrain`) with a new head,
// trained under a fine-tuning strategy. Prints a line per epoch, the test metrics, the per-class
// table and the model's cost; writes the checkpoint and metrics.json.
import ArgumentParser
import FineTune
import Foundation
import Runtime
import Search
import Tensors

/// Flags shared by `train-image` and `pretrain`: data, classes, training settings.
struct ImageTrainingOptions: ParsableArguments {
    @Option(help: "IDX directory with train-* and t10k-* files (default /usr/share/datasets/fashion-mnist).")
    var data: String?
    @Option(help: "Classes to use, relabelled in this order: a list (5,6,7,8,9) or a range (5-9). Default: all.")
    var classes: String?
    @Option(help: "Training images per class (few-shot); default: all that validation leaves.")
    var shots: Int?
    @Option(help: "Validation images per class, from the training images (default 100).")
    var validationPerClass: Int?
    @Option(help: "Backbone: smallcnn, efficientnet-lite0, or a zoo entry (see `rung zoo list`).")
    var backbone: String?
    @Option(help: "Zoo directory of pretrained backbones (default zoo).")
    var zoo: String?
    @Option(help: "Strategy: linear_probe, full or gradual (default full).")
    var strategy: String?
    @Option(help: "Linear probe on intermediate layers: taps a-b (stage ends, 1-based; `rung zoo list` shows them), e.g. 2-5.")
    var featureTaps: String?
    @Option(help: "Side of the average-pooled map of each tap (default 1).")
    var tapGrid: Int?
    @Option(help: "L2 penalty on the head's weights, λ in λ/2·‖W‖² (default 0).")
    var headL2: Double?
    @Option(help: "Gradual unfreezing: epochs between thaws (default 1).")
    var unfreezeEvery: Int?
    @Option(help: "Gradual unfreezing: blocks thawed at each thaw (default 1).")
    var unfreezeBlocks: Int?
    @Option(help: "Learning rate of the backbone relative to the head (default 1).")
    var backboneLrMult: Double?
    @Option(help: "Dropout before the head (default 0).")
    var headDropout: Double?
    @Option(help: "Label smoothing (default 0).")
    var labelSmoothing: Double?
    @Option(help: "Augmentation strength 0…1 (default 0).")
    var augment: Double?
    @Flag(help: "Keep BatchNorm's running statistics fixed while training.")
    var freezeBn = false
    @Option(help: "Early stopping after this many epochs without validation-loss improvement.")
    var patience: Int?
    @Option(help: "Head learning rate (default 0.001).")
    var lr: Double?
    @Option(help: "AdamW weight decay (default 1e-4).")
    var weightDecay: Double?
    @Option(help: "Images per step (default 32).")
    var batchSize: Int?
    @Option(help: "Epochs (default 10).")
    var epochs: Int?
    @Option(help: "Side of the resized images for EfficientNet-Lite0 (default 64).")
    var imageSize: Int?
    @Option(help: "Seed of initialisation, shuffling, dropout and augmentation (default 0).")
    var seed: UInt64?
    @Option(help: "Seed of the few-shot / validation draw (default 0).")
    var splitSeed: UInt64?
    @Option(help: "JSON file with the settings (keys as in ImageTrialConfig); flags override it.")
    var config: String?
    @Option(help: "BLAS threads (default: the library's choice).")
    var threads: Int?

    /// Parses `5-9` or `5,6,7`.
    static func parseClasses(_ s: String) throws(FineTuneError) -> [Int] {
        let parts = s.split(separator: "-").map { $0.trimmingCharacters(in: .whitespaces) }
        if parts.count == 2, let a = Int(parts[0]), let b = Int(parts[1]), a <= b { return Array(a...b) }
        let list = s.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !list.isEmpty, list.allSatisfy({ $0 != nil }) else {
            throw FineTuneError(.invalidOptions, "--classes is \"\(s)\"; give a list such as 5,6,7,8,9 or a range such as 5-9")
        }
        return list.map { $0! }
    }

    /// The configuration from the JSON file (if any) and the flags.
    func makeConfig() throws(FineTuneError) -> ImageTrialConfig {
        var c = ImageTrialConfig()
        if let path = config {
            guard let bytes = FileManager.default.contents(atPath: path) else {
                throw FineTuneError(.unreadableFile, "cannot read the configuration file \(path)")
            }
            c = try ImageTrialConfig.decode(json: bytes, source: path)
        }
        if let v = data { c.data = v }
        if let v = classes { c.classes = try Self.parseClasses(v) }
        if let v = shots { c.shots = v }
        if let v = validationPerClass { c.validationPerClass = v }
        if let v = backbone { c.backbone = v }
        if let v = zoo { c.zoo = v }
        if let v = strategy {
            guard let s = FineTuneStrategy(rawValue: v) else {
                throw FineTuneError(.invalidOptions, "--strategy is \"\(v)\"; accepted: \(FineTuneStrategy.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            c.strategy = s
        }
        if let v = featureTaps { c.featureTaps = v }
        if let v = tapGrid { c.tapGrid = v }
        if let v = headL2 { c.headL2 = v }
        if let v = unfreezeEvery { c.unfreezeEvery = v }
        if let v = unfreezeBlocks { c.unfreezeBlocks = v }
        if let v = backboneLrMult { c.backboneLrMult = v }
        if let v = headDropout { c.headDropout = v }
        if let v = labelSmoothing { c.labelSmoothing = v }
        if let v = augment { c.augment = v }
        if freezeBn { c.freezeBn = true }
        if let v = patience { c.patience = v }
        if let v = lr { c.learningRate = v }
        if let v = weightDecay { c.weightDecay = v }
        if let v = batchSize { c.batchSize = v }
        if let v = epochs { c.epochs = v }
        if let v = imageSize { c.imageSize = v }
        if let v = seed { c.seed = v }
        if let v = splitSeed { c.splitSeed = v }
        try c.validate()
        if let threads { BLAS.setThreads(max(1, threads)) }
        return c
    }
}

struct TrainImageCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train-image",
        abstract: "Train or fine-tune an image classifier once and report per-epoch metrics, test figures and cost.",
        discussion: """
            Data: an IDX directory (Fashion-MNIST from Debian's dataset-fashion-mnist by default). Validation \
            images come from the training file, the test images from the t10k file, both limited to --classes. \
            Examples:
              rung train-image --epochs 6 --batch-size 64
              rung train-image --classes 5-9 --shots 20 --backbone smallcnn-fmnist-0-4 --strategy linear_probe
            The first trains the small CNN on all of Fashion-MNIST; the second probes a backbone made by \
            `rung pretrain --classes 0-4 --name smallcnn-fmnist-0-4`.
            """)

    @OptionGroup var options: ImageTrainingOptions
    @Option(help: "Output directory for checkpoint.safetensors and metrics.json.")
    var out: String = "runs/train-image"

    func run() throws {
        do {
            let c = try options.makeConfig()
            let result = try ImageTrainer.run(c, label: "rung train-image")
            try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
            try result.checkpoint.write(to: URL(fileURLWithPath: out).appendingPathComponent("checkpoint.safetensors"))
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
            struct Report: Encodable {
                let config: ImageTrialConfig; let epochs: [EpochMetrics]; let test: ClassificationSummary?
                let testReport: ClassificationReport?; let classNames: [String]; let cost: ModelCost?
            }
            try encoder.encode(Report(config: c, epochs: result.history, test: result.test, testReport: result.testReport,
                                      classNames: result.classNames, cost: result.cost))
                .write(to: URL(fileURLWithPath: out).appendingPathComponent("metrics.json"))
            print("wrote \(out)/checkpoint.safetensors and \(out)/metrics.json")
        } catch let error as FineTuneError {
            FileHandle.standardError.write(Data("error: \(error.description)\n".utf8))
            throw ExitCode(1)
        }
    }
}

/// Runs an image trial with terminal output: per-epoch table, test figures, per-class table, cost.
enum ImageTrainer {
    static func run(_ c: ImageTrialConfig, label: String) throws(FineTuneError) -> ImageTrialResult {
        let started = Date()
        let splits = try ImageTask.loadData(c)
        let classes = c.classes.map { $0.map(String.init).joined(separator: ",") } ?? "all"
        print("\(label): \(c.backbone) (\(c.strategy.rawValue)) on \(c.data), classes \(classes): \(splits.train.count) training, \(splits.validation.count) validation, \(splits.test.count) test images")
        // The header once the model is built and checked (its cost is measured before epoch 1).
        let result = try ImageTask.run(config: c, splits: splits, measureCost: true, onCost: { _ in
            print(" epoch  train loss  val loss  accuracy  macro-F1        time")
            fflush(nil)
        }, onEpoch: { m in
            print(String(format: "%6d  %10.4f  %8.4f  %8.4f  %8.4f  ", m.epoch, m.trainLoss, m.validationLoss, m.accuracy, m.macroF1)
                  + padLeft(Readable.duration(m.seconds), 10))
            fflush(nil)
            return .proceed
        })
        if result.stoppedEarly { print("early stopping after epoch \(result.completedEpochs) (patience \(c.patience ?? 0))") }
        if let test = result.test, let report = result.testReport {
            print(String(format: "test: accuracy %.4f  macro-F1 %.4f  (%d images)", test.accuracy, test.macroF1, report.support.reduce(0, +)))
            print(ImageTrainer.table(report, classNames: result.classNames))
        }
        if let cost = result.cost {
            print("cost: \(Readable.count(cost.paramsTotal)) parameters (\(Readable.count(cost.paramsTrainable)) trained), \(Readable.significant(cost.latencyMs)) ms per image at batch 1, \(Readable.significant(cost.imagesPerSecond)) images/s at batch 64, \(Readable.significant(cost.memoryMB)) MiB of weights")
        }
        print("\(Readable.duration(Date().timeIntervalSince(started))) in all")
        return result
    }

    /// The per-class table: precision, recall, F1, support, then the confusion matrix.
    static func table(_ r: ClassificationReport, classNames: [String]) -> String {
        let width = max(12, (classNames.map(\.count).max() ?? 0) + 1)
        func pad(_ s: String) -> String { s.padding(toLength: width, withPad: " ", startingAt: 0) }
        var lines = [pad("class") + " precision  recall      F1  support"]
        for (i, name) in classNames.enumerated() {
            lines.append(pad(name) + String(format: " %9.4f  %6.4f  %6.4f  %7d", r.precision[i], r.recall[i], r.f1[i], r.support[i]))
        }
        lines.append("confusion (rows true, columns predicted):")
        for (i, row) in r.confusion.rows.enumerated() {
            lines.append(pad(classNames[i]) + row.map { String(format: "%6d", $0) }.joined())
        }
        return lines.joined(separator: "\n")
    }
}
