// `rung train --task tabular|image|text`: one trial on this machine, no coordinator. Flags or a
// JSON file give the task's configuration; prints a table per epoch, the test figures, and writes
// the checkpoint and metrics.json. `train-image` and `train-text` are hidden aliases of it.
// Bad input is reported as one clear line and a non-zero exit, never a stack trace.

import ArgumentParser
import FineTune
import Foundation
import Search
import Tensors

/// The task `rung train` trains.
enum TrainTask: String, ExpressibleByArgument, CaseIterable {
    case tabular, image, text
}

struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train one trial locally (tabular, image or text) and report per-epoch metrics and the test figures.",
        discussion: """
            --task tabular (the default) trains an MLP on a CSV table, or without --data on the built-in \
            synthetic 3-class table (600 rows, missing values, a categorical column). Its defaults adapt to a \
            small table when neither a flag nor the file sets them: the batch size (64) is halved until an \
            epoch has at least 8 steps, down to 16, and the epochs (20) are raised until the run makes at \
            least 400 optimizer steps, up to 200 (a 124-row training split gets batch 16 and 50 epochs); the \
            line "model: …" shows the values in effect.

            --task image fine-tunes a backbone (from scratch, EfficientNet-Lite0 or a zoo entry made by \
            `rung pretrain`) with a new head on an IDX directory (Fashion-MNIST from Debian's \
            dataset-fashion-mnist by default), and reports the model's cost. --task text fine-tunes a \
            BERT-family encoder (a Hugging Face directory, --model; scripts/fetch-minilm.sh) with a linear \
            head on labelled texts (--data; scripts/fetch-vader.sh); --unfreeze-layers 0 is a linear probe.

            Flags marked "Tabular:", "Image:" or "Text:" apply to that task only. With --config FILE.json \
            the file gives the settings (keys as in TabularTrialConfig, ImageTrialConfig or \
            TextTrialConfig, e.g. {"hidden": [256, 256], "learningRate": 0.0003}); flags override it. \
            Writes DIR/checkpoint.safetensors and DIR/metrics.json (DIR: --out, default runs/train, \
            runs/train-image or runs/train-text). Examples:
              rung train --hidden 64 --epochs 10
              rung train --task image --classes 5-9 --shots 20 \\
                --backbone smallcnn-fmnist-0-4 --strategy linear_probe
              rung train --task text --data data/text/movie_reviews.jsonl \\
                --unfreeze-layers 1
            """)

    @Option(help: "The task: tabular, image or text.")
    var task: TrainTask = .tabular
    @OptionGroup(title: "Shared options") var shared: SharedTrainingOptions
    @OptionGroup(title: "Tabular options") var tabular: TabularOptions
    @OptionGroup(title: "Image options") var image: ImageOptions
    @OptionGroup(title: "Text options") var text: TextOptions
    @Option(help: "Output directory for checkpoint.safetensors and metrics.json (default runs/train, runs/train-image or runs/train-text).")
    var out: String?

    func validate() throws {
        let others: [(TrainTask, [String])] = [(.tabular, tabular.given), (.image, image.given), (.text, text.given)]
        for (other, flags) in others where other != task && !flags.isEmpty {
            throw ValidationError("\(flags.joined(separator: ", ")) \(flags.count == 1 ? "applies" : "apply") to --task \(other.rawValue) only; this run is --task \(task.rawValue)")
        }
    }

    func run() throws {
        switch task {
        case .tabular: try TabularTrainer.run(shared: shared, options: tabular, out: out ?? "runs/train")
        case .image: try ImageTrainer.run(shared: shared, options: image, out: out ?? "runs/train-image")
        case .text: try TextTrainer.run(shared: shared, options: text, out: out ?? "runs/train-text")
        }
    }
}

/// `rung train-image`: kept for scripts, the same as `rung train --task image`.
struct TrainImageAlias: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "train-image", abstract: "Same as `rung train --task image`.",
                                                    shouldDisplay: false)
    @OptionGroup var shared: SharedTrainingOptions
    @OptionGroup var image: ImageOptions
    @Option(help: "Output directory (default runs/train-image).")
    var out: String = "runs/train-image"

    func run() throws { try ImageTrainer.run(shared: shared, options: image, out: out) }
}

/// `rung train-text`: kept for scripts, the same as `rung train --task text`.
struct TrainTextAlias: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "train-text", abstract: "Same as `rung train --task text`.",
                                                    shouldDisplay: false)
    @OptionGroup var shared: SharedTrainingOptions
    @OptionGroup var text: TextOptions
    @Option(help: "Output directory (default runs/train-text).")
    var out: String = "runs/train-text"

    func run() throws { try TextTrainer.run(shared: shared, options: text, out: out) }
}

/// Writes `value` as pretty JSON with sorted keys (non-finite numbers as "inf", "-inf", "nan").
func writeReport<T: Encodable>(_ value: T, to url: URL) throws(FineTuneError) {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
    encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
    do { try encoder.encode(value).write(to: url, options: .atomic) } catch {
        throw FineTuneError(.unwritableFile, "cannot write \(url.path): \(error.localizedDescription)")
    }
}

/// Creates the output directory `out`.
func makeOutputDirectory(_ out: String) throws(FineTuneError) -> URL {
    let dir = URL(fileURLWithPath: out, isDirectory: true)
    do { try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true) } catch {
        throw FineTuneError(.unwritableFile, "cannot create the output directory \(out): \(error.localizedDescription)")
    }
    return dir
}

/// Runs a tabular trial with terminal output: the data and model lines, a row per epoch, the test.
struct TabularTrainer {
    let options: TabularOptions
    let out: String

    /// Reads the configuration and trains; a bad flag or file is one line on stderr and exit 1.
    static func run(shared: SharedTrainingOptions, options: TabularOptions, out: String) throws {
        do {
            let (config, chosen) = try options.makeConfig(shared)
            try config.validate()
            try shared.applyThreads()
            try TabularTrainer(options: options, out: out).train(config, keepBatchSize: chosen.contains("batchSize"),
                                                                 keepEpochs: chosen.contains("epochs"))
        } catch {
            FileHandle.standardError.write(Data("error: \(error.description)\n".utf8))
            throw ExitCode(1)
        }
    }

    func train(_ chosenConfig: TabularTrialConfig, keepBatchSize: Bool, keepEpochs: Bool) throws(FineTuneError) {
        let splits = try TabularTask.loadData(chosenConfig)
        let config = chosenConfig.adaptingDefaults(trainingRows: splits.train.count, keepBatchSize: keepBatchSize, keepEpochs: keepEpochs)
        let adapted = config.batchSize != chosenConfig.batchSize || config.epochs != chosenConfig.epochs
        for note in splits.notes { FileHandle.standardError.write(Data("note: \(note)\n".utf8)) }
        let source = config.data ?? "built-in synthetic table"
        print("data: \(source) — \(splits.train.count) train / \(splits.validation.count) validation / \(splits.test.count) test rows, \(splits.train.featureCount) features, classes \(splits.train.classNames.joined(separator: ", "))")
        print("model: MLP \(splits.train.featureCount) → \(config.hidden.map(String.init).joined(separator: " → ")) → \(splits.train.classCount), \(config.optimizer.rawValue) lr \(Readable.significant(config.learningRate)), \(config.epochs) epochs, batch \(config.batchSize)\(adapted ? " (defaults adapted to \(splits.train.count) training rows; --epochs and --batch-size choose them)" : "")")
        let testColumns = options.testEveryEpoch ? ["test loss", "test acc."] : []
        print(row(["epoch", "train loss", "val loss", "accuracy", "macro-F1", "ROC-AUC", "time"] + testColumns))
        let result = try TabularTask.run(config: config, splits: splits, testEveryEpoch: options.testEveryEpoch) { m in
            let test = options.testEveryEpoch ? [m.testLoss.map(fmt) ?? "n/a", m.testAccuracy.map(fmt) ?? "n/a"] : []
            print(row(["\(m.epoch)", fmt(m.trainLoss), fmt(m.validationLoss), fmt(m.accuracy), fmt(m.macroF1),
                       m.rocAUC.map(fmt) ?? "n/a", Readable.duration(m.seconds)] + test))
            return .proceed
        }
        if result.stoppedEarly { print("stopped early after epoch \(result.completedEpochs)") }
        if let t = result.test {
            print("test: accuracy \(fmt(t.accuracy)), macro-F1 \(fmt(t.macroF1)), ROC-AUC \(t.rocAUC.map(fmt) ?? "n/a"), log-loss \(fmt(t.logLoss))")
        }
        let dir = try makeOutputDirectory(out)
        try result.checkpoint.write(to: dir.appendingPathComponent("checkpoint.safetensors"))
        let metricsURL = dir.appendingPathComponent("metrics.json")
        do {
            try TabularRunReport(result, config: config).jsonData().write(to: metricsURL, options: .atomic)
        } catch {
            throw FineTuneError(.unwritableFile, "cannot write \(metricsURL.path): \(error.localizedDescription)")
        }
        print("wrote \(dir.appendingPathComponent("checkpoint.safetensors").path) and \(metricsURL.path)")
    }

    private func fmt(_ x: Double) -> String { Readable.metric(x) }

    private func row(_ cells: [String]) -> String {
        let widths = [5, 10, 10, 9, 9, 8, 10, 10, 9]
        return zip(cells, widths).map { String(repeating: " ", count: max(0, $1 - $0.count)) + $0 }.joined(separator: "  ")
    }
}
