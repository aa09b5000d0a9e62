// `rung train`: one tabular trial on this machine, no coordinator. Flags or a JSON file give a
// TabularTrialConfig; prints a table per epoch and writes the checkpoint and metrics.json.
// Bad input is reported as one clear line and a non-zero exit, never a stack trace.

import ArgumentParser
import FineTune
import Foundation
import Search
import Tensors

struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train an MLP on a CSV table (or the built-in synthetic table) and report per-epoch metrics.",
        discussion: """
            Without --data, trains on the built-in synthetic 3-class table (600 rows, missing values, \
            a categorical column). With --config FILE.json, the file gives the settings (keys as in \
            TabularTrialConfig, e.g. {"hidden": [256, 256], "learningRate": 0.0003}); flags given on the \
            command line override it. Writes DIR/checkpoint.safetensors (weights, optimizer state, \
            preprocessing in the metadata) and DIR/metrics.json.

            Defaults adapt to a small table (when neither a flag nor the file sets them): the batch \
            size (64) is halved until an epoch has at least 8 steps, down to 16, and the epochs (20) \
            are raised until the run makes at least 400 optimizer steps, up to 200. A 124-row \
            training split gets batch 16 and 50 epochs; a training split of 1,280 rows or more keeps \
            20 epochs of batch 64. The line "model: …" shows the values in effect.
            """)

    @Option(help: "CSV file with a header row (default: the built-in synthetic table).")
    var data: String?
    @Option(help: "Name of the target column (required with --data).")
    var target: String?
    @Option(help: "Hidden layer sizes, comma-separated (default 256,256).")
    var hidden: String?
    @Option(help: "Learning rate (default 0.0003).")
    var lr: Double?
    @Option(help: "Number of epochs (default 20; raised on a small table to make at least 400 steps).")
    var epochs: Int?
    @Option(help: "Mini-batch size (default 64; halved on a small table to at least 8 steps per epoch, down to 16).")
    var batchSize: Int?
    @Option(help: "Optimizer: adamw, adam or sgd (default adamw).")
    var optimizer: String?
    @Option(help: "Weight decay: decoupled for adamw, L2 for adam and sgd (default 0.01).")
    var weightDecay: Double?
    @Option(help: "Dropout probability after each hidden layer (default 0.2).")
    var dropout: Double?
    @Option(help: "Learning-rate schedule: constant, cosine or step (default cosine).")
    var schedule: String?
    @Option(help: "Linear warmup epochs before the schedule (default 0).")
    var warmupEpochs: Int?
    @Option(help: "Stop after this many epochs without validation-loss improvement (default: off).")
    var patience: Int?
    @Option(help: "Seed of initialisation, shuffling and dropout (default 0).")
    var seed: UInt64?
    @Option(help: "Seed of the train/validation/test split (default 0).")
    var splitSeed: UInt64?

    @Flag(help: "Also evaluate the test split after every epoch (test accuracy and loss per epoch in the table and metrics.json; training is unchanged).")
    var testEveryEpoch = false
    @Flag(help: "Refuse a mostly numeric column with non-numeric cells (abc, 1,5) instead of reading them as missing values.")
    var refuseNonNumeric = false
    @Option(help: "Output directory for the checkpoint and metrics.json.")
    var out: String = "runs/train"
    @Option(help: "JSON file with the settings; flags override it.")
    var config: String?
    @Option(help: "BLAS threads (default: the library's choice).")
    var threads: Int?

    func run() throws {
        do {
            let (config, chosen) = try makeConfig()
            try config.validate()
            if let threads {
                guard threads >= 1 else { throw FineTuneError(.invalidOptions, "--threads is \(threads), but must be ≥ 1") }
                BLAS.setThreads(threads)
            }
            try train(config, keepBatchSize: chosen.contains("batchSize"), keepEpochs: chosen.contains("epochs"))
        } catch let error as FineTuneError {
            FileHandle.standardError.write(Data("error: \(error.description)\n".utf8))
            throw ExitCode(1)
        }
    }

    /// The configuration from --config (if any) with the flags applied on top, and the keys the
    /// user set (in the file or by a flag) among those the defaults adapt: batchSize, epochs.
    func makeConfig() throws(FineTuneError) -> (TabularTrialConfig, chosen: Set<String>) {
        var c = TabularTrialConfig()
        var chosen: Set<String> = []
        if let path = config {
            guard let bytes = FileManager.default.contents(atPath: path) else {
                throw FineTuneError(.unreadableFile, "cannot read the configuration file \(path)")
            }
            c = try TabularTrialConfig.decode(json: bytes, source: path)
            // Decoding succeeded, so the file is a JSON object.
            if let keys = (try? JSONSerialization.jsonObject(with: bytes)) as? [String: Any] { chosen.formUnion(keys.keys) }
        }
        if epochs != nil { chosen.insert("epochs") }
        if batchSize != nil { chosen.insert("batchSize") }
        if let data { c.data = data }
        if let target { c.target = target }
        if let hidden {
            let parts = hidden.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            let sizes = parts.compactMap { Int($0) }
            guard !parts.isEmpty, sizes.count == parts.count else {
                throw FineTuneError(.invalidOptions, "--hidden \"\(hidden)\" is not a comma-separated list of integers (e.g. 256,256)")
            }
            c.hidden = sizes
        }
        if let lr { c.learningRate = lr }
        if let epochs { c.epochs = epochs }
        if let batchSize { c.batchSize = batchSize }
        if let optimizer {
            guard let kind = OptimizerKind(rawValue: optimizer.lowercased()) else {
                throw FineTuneError(.invalidOptions, "--optimizer \"\(optimizer)\" is unknown (accepted: \(OptimizerKind.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            c.optimizer = kind
        }
        if let weightDecay { c.weightDecay = weightDecay }
        if let dropout { c.dropout = dropout }
        if let schedule {
            guard let kind = ScheduleKind(rawValue: schedule.lowercased()) else {
                throw FineTuneError(.invalidOptions, "--schedule \"\(schedule)\" is unknown (accepted: \(ScheduleKind.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            c.schedule = kind
        }
        if let warmupEpochs { c.warmupEpochs = warmupEpochs }
        if let patience { c.earlyStoppingPatience = patience }
        if let seed { c.seed = seed }
        if let splitSeed { c.splitSeed = splitSeed }
        c.refuseNonNumeric = refuseNonNumeric
        return (c, chosen)
    }

    func train(_ chosenConfig: TabularTrialConfig, keepBatchSize: Bool, keepEpochs: Bool) throws(FineTuneError) {
        let splits = try TabularTask.loadData(chosenConfig)
        let config = chosenConfig.adaptingDefaults(trainingRows: splits.train.count, keepBatchSize: keepBatchSize, keepEpochs: keepEpochs)
        let adapted = config.batchSize != chosenConfig.batchSize || config.epochs != chosenConfig.epochs
        for note in splits.notes { FileHandle.standardError.write(Data("note: \(note)\n".utf8)) }
        let source = config.data ?? "built-in synthetic table"
        print("data: \(source) — \(splits.train.count) train / \(splits.validation.count) validation / \(splits.test.count) test rows, \(splits.train.featureCount) features, classes \(splits.train.classNames.joined(separator: ", "))")
        print("model: MLP \(splits.train.featureCount) → \(config.hidden.map(String.init).joined(separator: " → ")) → \(splits.train.classCount), \(config.optimizer.rawValue) lr \(Readable.significant(config.learningRate)), \(config.epochs) epochs, batch \(config.batchSize)\(adapted ? " (defaults adapted to \(splits.train.count) training rows; --epochs and --batch-size choose them)" : "")")
        let testColumns = testEveryEpoch ? ["test loss", "test acc."] : []
        print(row(["epoch", "train loss", "val loss", "accuracy", "macro-F1", "ROC-AUC", "time"] + testColumns))
        let result = try TabularTask.run(config: config, splits: splits, testEveryEpoch: testEveryEpoch) { m in
            let test = testEveryEpoch ? [m.testLoss.map(fmt) ?? "n/a", m.testAccuracy.map(fmt) ?? "n/a"] : []
            print(row(["\(m.epoch)", fmt(m.trainLoss), fmt(m.validationLoss), fmt(m.accuracy), fmt(m.macroF1),
                       m.rocAUC.map(fmt) ?? "n/a", Readable.duration(m.seconds)] + test))
            return .proceed
        }
        if result.stoppedEarly { print("stopped early after epoch \(result.completedEpochs)") }
        if let t = result.test {
            print("test: accuracy \(fmt(t.accuracy)), macro-F1 \(fmt(t.macroF1)), ROC-AUC \(t.rocAUC.map(fmt) ?? "n/a"), log-loss \(fmt(t.logLoss))")
        }
        let dir = URL(fileURLWithPath: out, isDirectory: true)
        do {
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        } catch {
            throw FineTuneError(.unwritableFile, "cannot create the output directory \(out): \(error.localizedDescription)")
        }
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
