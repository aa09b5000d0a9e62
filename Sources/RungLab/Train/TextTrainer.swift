// A text trial with terminal output, for `rung train --task text`: a pretrained BERT-family encoder
// (Hugging Face directory) with a linear head, linear probe or fine-tuning of the top layers. Prints
// a table per epoch and the test figures; writes the checkpoint and metrics.json. Leaves out the
// flags (TrainingOptions.swift).
import ArgumentParser
import FineTune
import Foundation
import Search
import Tensors

/// Runs a text trial with terminal output.
enum TextTrainer {
    /// Reads the configuration, trains and writes the checkpoint and metrics.json to `out`; a bad
    /// flag or file is one line on stderr and exit 1.
    static func run(shared: SharedTrainingOptions, options: TextOptions, out: String) throws {
        do {
            try train(shared: shared, options: options, out: out)
        } catch {
            FileHandle.standardError.write(Data("error: \(error.description)\n".utf8))
            throw ExitCode(1)
        }
    }

    /// Trains and writes the checkpoint and metrics.json to `out`.
    static func train(shared: SharedTrainingOptions, options: TextOptions, out: String) throws(FineTuneError) {
        let c = try options.makeConfig(shared)
        print("rung train --task text: \(c.data) with \(c.model), training the top \(c.unfreezeLayers) layer(s) and the head")
        print(" epoch  train loss  val loss  accuracy  macro-F1  ROC-AUC        time")
        let result = try TextTask.run(config: c) { m in
            print(String(format: "%6d  %10.4f  %8.4f  %8.4f  %8.4f  %7.4f  ", m.epoch, m.trainLoss, m.validationLoss,
                         m.accuracy, m.macroF1, m.rocAUC ?? .nan) + padLeft(Readable.duration(m.seconds), 10))
            fflush(nil)
            return .proceed
        }
        if result.stoppedEarly { print("early stopping after epoch \(result.completedEpochs) (patience \(c.patience ?? 0)); the best epoch's weights are kept") }
        let dir = try makeOutputDirectory(out)
        try result.checkpoint.write(to: dir.appendingPathComponent("checkpoint.safetensors"))
        if let test = result.test {
            print(String(format: "test: accuracy %.4f  macro-F1 %.4f  ROC-AUC %.4f  (%d of %d parameters trained)",
                         test.accuracy, test.macroF1, test.rocAUC ?? .nan, result.trainableParameterCount, result.parameterCount))
            try writeReport(TextReport(config: c, epochs: result.history, test: test, classNames: result.classNames),
                            to: dir.appendingPathComponent("metrics.json"))
        }
        print("wrote \(out)/checkpoint.safetensors and \(out)/metrics.json")
    }
}

/// The content of a text run's metrics.json.
private struct TextReport: Encodable {
    let config: TextTrialConfig; let epochs: [EpochMetrics]; let test: ClassificationSummary; let classNames: [String]
}

/// `text` right-aligned in `width` columns (epoch tables).
func padLeft(_ text: String, _ width: Int) -> String { String(repeating: " ", count: max(0, width - text.count)) + text }
