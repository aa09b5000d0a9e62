// A tabular checkpoint as one safetensors file: model weights under their PyTorch names, the
// optimizer's state under `optimizer.…` (F32), and in `__metadata__` the format tag, the
// configuration, the fitted preprocessing and the progress (epoch, step, early stopping, history)
// as JSON strings. Loading the weights in PyTorch needs only the non-`optimizer.` tensors.

import Foundation

extension TabularCheckpoint {
    /// The metadata key of the format tag, and its value.
    public static let formatKey = "rung.format", formatValue = "rung-tabular-checkpoint-1"

    /// Writes the checkpoint to `url` (replacing it atomically).
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
        let metadata = [
            Self.formatKey: Self.formatValue,
            "rung.config": String(decoding: config.jsonData(), as: UTF8.self),
            "rung.preprocessing": preprocessor.jsonString(),
            "rung.progress": Self.json(progress),
        ]
        try SafeTensors.write(tensors, metadata: metadata, to: url)
    }

    /// Reads a checkpoint written by `write(to:)`; throws naming what is missing or malformed.
    public init(contentsOf url: URL) throws(FineTuneError) {
        let file = try SafeTensors.readFile(url)
        let source = url.lastPathComponent
        guard file.metadata[Self.formatKey] == Self.formatValue else {
            throw FineTuneError(.invalidSafeTensors, "\(source) is not a Rung tabular checkpoint (metadata \"\(Self.formatKey)\" is \(file.metadata[Self.formatKey].map { "\"\($0)\"" } ?? "absent"), expected \"\(Self.formatValue)\")")
        }
        func field(_ key: String) throws(FineTuneError) -> String {
            guard let v = file.metadata[key] else {
                throw FineTuneError(.invalidSafeTensors, "\(source) lacks the metadata \"\(key)\"")
            }
            return v
        }
        let config = try TabularTrialConfig.decode(json: Data(try field("rung.config").utf8), source: "\(source) rung.config")
        let preprocessor = try TabularPreprocessor(jsonString: try field("rung.preprocessing"))
        let progressText = try field("rung.progress")
        let progress: Progress
        do {
            let decoder = JSONDecoder()
            decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
            progress = try decoder.decode(Progress.self, from: Data(progressText.utf8))
        } catch {
            throw FineTuneError(.invalidSafeTensors, "\(source): metadata \"rung.progress\" is not valid (\(error))")
        }
        var weights: [String: [Float]] = [:], shapes: [String: [Int]] = [:], optimizerState: [String: [Float]] = [:]
        for (name, tensor) in file.tensors {
            if name.hasPrefix("optimizer.") {
                optimizerState[name] = tensor.floats
            } else {
                weights[name] = tensor.floats
                shapes[name] = tensor.shape
            }
        }
        self.init(epoch: progress.epoch, stepCount: progress.stepCount, weights: weights, shapes: shapes,
                  optimizerState: optimizerState, preprocessor: preprocessor, config: config,
                  earlyStopping: progress.earlyStopping, history: progress.history)
    }

    /// The parameter an optimizer-state name belongs to (`optimizer.layers.0.weight.exp_avg` →
    /// `layers.0.weight`).
    private func optimizerParameter(of name: String) -> String? {
        guard name.hasPrefix("optimizer."), let dot = name.lastIndex(of: ".") else { return nil }
        return String(name[name.index(name.startIndex, offsetBy: "optimizer.".count)..<dot])
    }

    static func json<T: Encodable>(_ value: T) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        // Numbers (non-finite ones as strings), strings and arrays: encoding cannot fail.
        return String(decoding: try! encoder.encode(value), as: UTF8.self)
    }
}
