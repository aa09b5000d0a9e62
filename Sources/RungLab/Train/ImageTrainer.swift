// An image trial with terminal output, for `rung train --task image` (and `rung pretrain`): a line
// per epoch, the test metrics, the per-class table and the model's cost; writes the checkpoint and
// metrics.json. Leaves out the flags (TrainingOptions.swift).
import ArgumentParser
import FineTune
import Foundation
import Search
import Tensors

/// The content of an image run's metrics.json.
private struct ImageReport: Encodable {
    let config: ImageTrialConfig; let epochs: [EpochMetrics]; let test: ClassificationSummary?
    let testReport: ClassificationReport?; let classNames: [String]; let cost: ModelCost?
}

/// Runs an image trial with terminal output: per-epoch table, test figures, per-class table, cost.
enum ImageTrainer {
    /// Reads the configuration, trains and writes the checkpoint and metrics.json to `out`; a bad
    /// flag or file is one line on stderr and exit 1.
    static func run(shared: SharedTrainingOptions, options: ImageOptions, out: String) throws {
        do {
            try train(shared: shared, options: options, out: out)
        } catch {
            FileHandle.standardError.write(Data("error: \(error.description)\n".utf8))
            throw ExitCode(1)
        }
    }

    /// Trains and writes the checkpoint and metrics.json to `out`.
    static func train(shared: SharedTrainingOptions, options: ImageOptions, out: String) throws(FineTuneError) {
        let c = try options.makeConfig(shared)
        let result = try run(c, label: "rung train --task image")
        let dir = try makeOutputDirectory(out)
        try result.checkpoint.write(to: dir.appendingPathComponent("checkpoint.safetensors"))
        try writeReport(ImageReport(config: c, epochs: result.history, test: result.test, testReport: result.testReport,
                                    classNames: result.classNames, cost: result.cost), to: dir.appendingPathComponent("metrics.json"))
        print("wrote \(out)/checkpoint.safetensors and \(out)/metrics.json")
    }

    /// Trains `c` with the terminal table, `label` naming the command in its first line.
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
