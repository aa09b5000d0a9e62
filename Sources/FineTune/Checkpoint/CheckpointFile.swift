// The one file layout every task's checkpoint uses: a safetensors file whose tensors are the
// model's weights under their names, the best epoch's weights under `best.…` and the optimizer
// state under `optimizer.…`, and whose
// `__metadata__` holds a format tag (`rung.format`) and JSON strings (config, progress, …).
// What goes into the JSON, and the tensor shapes of the optimizer state, are the task's business.

import Foundation

/// A Rung checkpoint file read back: its tensors split into weights and optimizer state, and its
/// metadata strings, checked against one format tag.
public struct CheckpointFile {
    /// The metadata key of the format tag.
    static let formatKey = "rung.format"
    /// The prefix of the optimizer-state tensors.
    static let optimizerPrefix = "optimizer."
    /// The prefix of the best epoch's weights.
    static let bestPrefix = "best."

    /// The file's name, for messages.
    public let source: String
    /// The metadata strings, format tag included.
    public let metadata: [String: String]
    /// Every tensor not under `optimizer.` or `best.`.
    public var weights: [String: TensorData] = [:]
    /// The tensors under `best.`, named without the prefix; nil when there are none.
    public var bestWeights: [String: TensorData]?
    /// Every tensor under `optimizer.`, as flat values.
    public var optimizerState: [String: [Float]] = [:]

    /// Writes `tensors` with `metadata` and the format tag (replacing the file atomically).
    static func write(_ tensors: [String: TensorData], format: String, metadata: [String: String], to url: URL) throws(FineTuneError) {
        var metadata = metadata
        metadata[formatKey] = format
        try SafeTensors.write(tensors, metadata: metadata, to: url)
    }

    /// Reads `url`, refusing it unless its format tag is `format`; `kind` names the checkpoint in
    /// that message ("tabular", "image", "text").
    init(contentsOf url: URL, format: String, kind: String) throws(FineTuneError) {
        let file = try SafeTensors.readFile(url)
        source = url.lastPathComponent
        metadata = file.metadata
        guard metadata[Self.formatKey] == format else {
            let found = metadata[Self.formatKey].map { "\"\($0)\"" } ?? "absent"
            throw FineTuneError(.invalidSafeTensors,
                                "\(source) is not a Rung \(kind) checkpoint (metadata \"\(Self.formatKey)\" is \(found), expected \"\(format)\")")
        }
        for (name, tensor) in file.tensors {
            if name.hasPrefix(Self.optimizerPrefix) {
                optimizerState[name] = tensor.floats
            } else if name.hasPrefix(Self.bestPrefix) {
                bestWeights = (bestWeights ?? [:]).merging([String(name.dropFirst(Self.bestPrefix.count)): tensor]) { $1 }
            } else {
                weights[name] = tensor
            }
        }
    }

    /// The metadata string under `key`; throws naming the key when it is absent.
    public func field(_ key: String) throws(FineTuneError) -> String {
        guard let value = metadata[key] else {
            throw FineTuneError(.invalidSafeTensors, "\(source) lacks the metadata \"\(key)\"")
        }
        return value
    }

    /// The JSON under `key` decoded as `T` (non-finite numbers read from "inf", "-inf", "nan").
    public func decode<T: Decodable>(_ type: T.Type, key: String) throws(FineTuneError) -> T {
        let text = try field(key)
        do {
            let decoder = JSONDecoder()
            decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
            return try decoder.decode(T.self, from: Data(text.utf8))
        } catch {
            throw FineTuneError(.invalidSafeTensors, "\(source): metadata \"\(key)\" is not valid (\(error))")
        }
    }

    /// `value` as compact JSON, non-finite numbers as "inf", "-inf", "nan"; keys sorted when
    /// `sortedKeys`.
    static func json<T: Encodable>(_ value: T, sortedKeys: Bool = true) -> String {
        let encoder = JSONEncoder()
        if sortedKeys { encoder.outputFormatting = [.sortedKeys] }
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return (try? encoder.encode(value)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }

    /// Each flat array as a rank-1 tensor (the image and text tasks' optimizer state).
    static func flat(_ arrays: [String: [Float]]) -> [String: TensorData] {
        arrays.mapValues { TensorData(shape: [$0.count], floats: $0) }
    }
}
