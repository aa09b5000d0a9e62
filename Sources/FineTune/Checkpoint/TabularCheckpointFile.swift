// A tabular checkpoint as one safetensors file: model weights under their PyTorch names, the
// optimizer's state under `optimizer.…` (F32), and in `__metadata__` the format tag, the
// configuration, the fitted preprocessing and the progress (epoch, step, early stopping, history)
// as JSON strings. Loading the weights in PyTorch needs only the non-`optimizer.` tensors.

import Foundation

extension TabularCheckpoint {
    /// The metadata key of the format tag, and its value.
    public static let formatKey = "rung.format", formatValue = "rung-tabular-checkpoint-1"

    /// Writes the checkpoint to `url` (replacing it atomically), in `CheckpointFile`'s layout.
    public func write(to url: URL) throws(FineTuneError) {
        var tensors: [String: TensorData] = [:]
        for (name, values) in weights {
            tensors[name] = TensorData(shape: shapes[name] ?? [values.count], floats: values)
        }
        for (name, values) in optimizerState {
            let param = optimizerParameter(of: name)
            let shape = name.hasSuffix(".step") ? [] : (param.flatMap { shapes[$0] } ?? [values.count])
            tensors[name] = TensorData(shape: shape, floats: values)
        }
        let progress = Progress(epoch: epoch, stepCount: stepCount, earlyStopping: earlyStopping, history: history)
        try CheckpointFile.write(tensors, format: Self.formatValue, metadata: [
            "rung.config": String(decoding: config.jsonData(), as: UTF8.self),
            "rung.preprocessing": preprocessor.jsonString(),
            "rung.progress": CheckpointFile.json(progress),
        ], to: url)
    }

    /// Reads a checkpoint written by `write(to:)`; throws naming what is missing or malformed.
    public init(contentsOf url: URL) throws(FineTuneError) {
        let file = try CheckpointFile(contentsOf: url, format: Self.formatValue, kind: "tabular")
        let config = try TabularTrialConfig.decode(json: Data(try file.field("rung.config").utf8), source: "\(file.source) rung.config")
        let preprocessor = try TabularPreprocessor(jsonString: try file.field("rung.preprocessing"))
        let progress = try file.decode(Progress.self, key: "rung.progress")
        self.init(epoch: progress.epoch, stepCount: progress.stepCount, weights: file.weights.mapValues(\.floats),
                  shapes: file.weights.mapValues(\.shape), optimizerState: file.optimizerState, preprocessor: preprocessor,
                  config: config, earlyStopping: progress.earlyStopping, history: progress.history)
    }

    /// The parameter an optimizer-state name belongs to (`optimizer.layers.0.weight.exp_avg` →
    /// `layers.0.weight`).
    private func optimizerParameter(of name: String) -> String? {
        guard name.hasPrefix("optimizer."), let dot = name.lastIndex(of: ".") else { return nil }
        return String(name[name.index(name.startIndex, offsetBy: "optimizer.".count)..<dot])
    }
}
