// An image trial's state at an epoch boundary, as one safetensors file: every parameter and
// BatchNorm buffer of the classifier, the optimizer state under `optimizer.…`, and the config,
// progress, history and early-stopping state as JSON metadata. Leaves out the data (re-drawn
// from the split seed) and the cached linear-probe features (recomputed).
import Foundation

/// An image trial's state: weights, buffers, optimizer state and progress.
public struct ImageCheckpoint: Sendable {
    public var epoch: Int
    public var stepCount: Int
    /// Parameters and buffers by name.
    public var weights: [String: TensorData]
    public var optimizerState: [String: [Float]]
    public var config: ImageTrialConfig
    public var earlyStopping: EarlyStopping?
    public var history: [EpochMetrics]
    /// The model's cost as measured by the attempt that started the trial; later attempts report it
    /// again instead of measuring the same model anew.
    public var cost: ModelCost?

    public static let formatKey = "rung.format", formatValue = "rung-image-checkpoint-1"

    struct Progress: Codable { var epoch: Int; var stepCount: Int; var history: [EpochMetrics]; var earlyStopping: EarlyStopping?; var cost: ModelCost? }

    public init(epoch: Int, stepCount: Int, weights: [String: TensorData], optimizerState: [String: [Float]],
                config: ImageTrialConfig, earlyStopping: EarlyStopping?, history: [EpochMetrics], cost: ModelCost? = nil) {
        self.epoch = epoch; self.stepCount = stepCount; self.weights = weights; self.optimizerState = optimizerState
        self.config = config; self.earlyStopping = earlyStopping; self.history = history
        self.cost = cost
    }

    static func encoder() -> JSONEncoder {
        let e = JSONEncoder()
        e.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return e
    }

    /// Writes one safetensors file.
    public func write(to url: URL) throws(FineTuneError) {
        var tensors = weights
        for (name, v) in optimizerState { tensors[name] = TensorData(shape: [v.count], floats: v) }
        let e = Self.encoder()
        let config = (try? e.encode(self.config)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
        let progress = (try? e.encode(Progress(epoch: epoch, stepCount: stepCount, history: history, earlyStopping: earlyStopping, cost: cost)))
            .map { String(decoding: $0, as: UTF8.self) } ?? "{}"
        try SafeTensors.write(tensors, metadata: [Self.formatKey: Self.formatValue, "rung.config": config, "rung.progress": progress], to: url)
    }

    /// Reads a file written by `write(to:)`.
    public init(contentsOf url: URL) throws(FineTuneError) {
        let file = try SafeTensors.readFile(url)
        guard file.metadata[Self.formatKey] == Self.formatValue, let c = file.metadata["rung.config"], let p = file.metadata["rung.progress"] else {
            throw FineTuneError(.invalidSafeTensors, "\(url.lastPathComponent) is not a Rung image checkpoint (metadata \"\(Self.formatKey)\" must be \"\(Self.formatValue)\")")
        }
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        let progress: Progress
        do {
            config = try decoder.decode(ImageTrialConfig.self, from: Data(c.utf8))
            progress = try decoder.decode(Progress.self, from: Data(p.utf8))
        } catch {
            throw FineTuneError(.invalidSafeTensors, "\(url.lastPathComponent): unreadable metadata (\(error))")
        }
        epoch = progress.epoch; stepCount = progress.stepCount; history = progress.history; earlyStopping = progress.earlyStopping
        cost = progress.cost
        weights = [:]; optimizerState = [:]
        for (name, t) in file.tensors {
            if name.hasPrefix("optimizer.") { optimizerState[name] = t.floats } else { weights[name] = t }
        }
    }
}
