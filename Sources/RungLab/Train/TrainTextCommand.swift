// `rung train-text`: one text-classification trial on this machine, no coordinator: a pretrained
// BERT-family encoder (Hugging Face directory) with a linear head, linear probe or fine-tuning of
// the top layers. Prints a table per epoch and writes the checkpoint and metrics.json.
import ArgumentParser
import FineTune
import Foundation
import Search
import Tensors

struct TrainTextCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train-text",
        abstract: "Fine-tune a BERT-family encoder (e.g. all-MiniLM-L6-v2) on labelled text and report per-epoch metrics.",
        discussion: """
            --model is a Hugging Face directory with config.json, model.safetensors and vocab.txt \
            (scripts/fetch-minilm.sh puts all-MiniLM-L6-v2 in data/models/all-minilm-l6-v2). --data is a \
            .jsonl, .csv or .tsv file with a text and a label column (scripts/fetch-vader.sh writes \
            data/text/movie_reviews.jsonl). --unfreeze-layers 0 is a linear probe on cached features; \
            the encoder's layer count is a full fine-tune. With --config FILE.json the file gives the \
            settings (keys as in TextTrialConfig); flags override it.
            """)

    @Option(help: "Labelled text file (.jsonl, .csv, .tsv).")
    var data: String?
    @Option(help: "Hugging Face BERT directory (default data/models/all-minilm-l6-v2).")
    var model: String?
    @Option(help: "Examples for training + validation (default: all but the test set).")
    var trainSize: Int?
    @Option(help: "Examples for the test set (default: 20% of the data).")
    var testSize: Int?
    @Option(help: "Encoder layers to train, from the top (default 0: linear probe).")
    var unfreezeLayers: Int?
    @Option(help: "Head learning rate (default 0.001).")
    var lr: Double?
    @Option(help: "Learning rate of the top encoder layer (default 5e-5).")
    var encoderLr: Double?
    @Option(help: "Layer-wise learning-rate decay per layer downwards (default 1).")
    var layerDecay: Double?
    @Option(help: "Epochs (default 4).")
    var epochs: Int?
    @Option(help: "Examples per step (default 16).")
    var batchSize: Int?
    @Option(help: "Tokens per example including [CLS] and [SEP] (default 64).")
    var maxLength: Int?
    @Option(help: "Dropout on the pooled vector and in the trained layers (default 0.1).")
    var dropout: Double?
    @Option(help: "Pooling: mean or cls (default mean).")
    var pooling: String?
    @Option(help: "Decay after warmup: linear, cosine or constant (default linear).")
    var schedule: String?
    @Option(help: "Seed (default 0).")
    var seed: UInt64?
    @Option(help: "Output directory for checkpoint.safetensors and metrics.json.")
    var out: String = "runs/train-text"
    @Option(help: "JSON file with the settings; flags override it.")
    var config: String?
    @Option(help: "BLAS threads (default: the library's choice).")
    var threads: Int?

    func run() throws {
        do {
            var c: TextTrialConfig
            if let path = config {
                guard let bytes = FileManager.default.contents(atPath: path) else {
                    throw FineTuneError(.unreadableFile, "cannot read the configuration file \(path)")
                }
                c = try TextTrialConfig.decode(json: bytes, source: path)
            } else {
                guard let data else { throw FineTuneError(.invalidOptions, "--data is required (a .jsonl, .csv or .tsv file), or give --config") }
                c = TextTrialConfig(data: data, model: model ?? "data/models/all-minilm-l6-v2")
            }
            if let data { c.data = data }
            if let model { c.model = model }
            if let v = trainSize { c.trainSize = v }
            if let v = testSize { c.testSize = v }
            if let v = unfreezeLayers { c.unfreezeLayers = v }
            if let v = lr { c.learningRate = v }
            if let v = encoderLr { c.encoderLearningRate = v }
            if let v = layerDecay { c.layerDecay = v }
            if let v = epochs { c.epochs = v }
            if let v = batchSize { c.batchSize = v }
            if let v = maxLength { c.maxLength = v }
            if let v = dropout { c.dropout = v }
            if let v = seed { c.seed = v }
            if let v = pooling {
                guard let p = TextPooling(rawValue: v) else { throw FineTuneError(.invalidOptions, "--pooling is \"\(v)\"; accepted: mean, cls") }
                c.pooling = p
            }
            if let v = schedule {
                guard let s = TextScheduleKind(rawValue: v) else { throw FineTuneError(.invalidOptions, "--schedule is \"\(v)\"; accepted: linear, cosine, constant") }
                c.schedule = s
            }
            try c.validate()
            if let threads { BLAS.setThreads(max(1, threads)) }
            print("rung train-text: \(c.data) with \(c.model), training the top \(c.unfreezeLayers) layer(s) and the head")
            print(" epoch  train loss  val loss  accuracy  macro-F1  ROC-AUC        time")
            let result = try TextTask.run(config: c) { m in
                print(String(format: "%6d  %10.4f  %8.4f  %8.4f  %8.4f  %7.4f  ", m.epoch, m.trainLoss, m.validationLoss,
                             m.accuracy, m.macroF1, m.rocAUC ?? .nan) + padLeft(Readable.duration(m.seconds), 10))
                fflush(nil)
                return .proceed
            }
            try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
            try result.checkpoint.write(to: URL(fileURLWithPath: out).appendingPathComponent("checkpoint.safetensors"))
            if let test = result.test {
                print(String(format: "test: accuracy %.4f  macro-F1 %.4f  ROC-AUC %.4f  (%d of %d parameters trained)",
                             test.accuracy, test.macroF1, test.rocAUC ?? .nan, result.trainableParameterCount, result.parameterCount))
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
                encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
                struct Report: Encodable { let config: TextTrialConfig; let epochs: [EpochMetrics]; let test: ClassificationSummary; let classNames: [String] }
                try encoder.encode(Report(config: c, epochs: result.history, test: test, classNames: result.classNames))
                    .write(to: URL(fileURLWithPath: out).appendingPathComponent("metrics.json"))
            }
            print("wrote \(out)/checkpoint.safetensors and \(out)/metrics.json")
        } catch let error as FineTuneError {
            FileHandle.standardError.write(Data("error: \(error.description)\n".utf8))
            throw ExitCode(1)
        }
    }
}

/// `text` right-aligned in `width` columns (epoch tables).
func padLeft(_ text: String, _ width: Int) -> String { String(repeating: " ", count: max(0, width - text.count)) + text }
