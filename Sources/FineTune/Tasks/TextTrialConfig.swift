// The hyperparameters of one text-classification trial: which encoder and data, which layers to
// fine-tune (none = linear probe, some = gradual unfreezing of the top k, all = full fine-tune),
// layer-wise learning-rate decay, warmup then linear or cosine decay, dropout, sequence length,
// early stopping. Embeddings always stay frozen (a documented choice for small labelled sets).
import Foundation

/// Decay after warmup for text fine-tuning.
public enum TextScheduleKind: String, Sendable, Hashable, Codable, CaseIterable {
    case constant, linear, cosine
}

/// One text trial's configuration; every field has a default except `data` and `model`.
public struct TextTrialConfig: Sendable, Hashable, Codable {
    /// Labelled text file (.jsonl, .csv or .tsv).
    public var data: String
    /// Column (or JSON field) with the text.
    public var textColumn = "text"
    /// Column (or JSON field) with the label.
    public var labelColumn = "label"
    /// Hugging Face BERT directory: config.json, model.safetensors, vocab.txt.
    public var model: String
    /// Examples drawn (stratified, seeded by `splitSeed`) for training + validation; nil = all
    /// that the test set leaves.
    public var trainSize: Int?
    /// Examples drawn for the test set; nil = `testFraction` of the data.
    public var testSize: Int?
    /// Share of the test set when `testSize` is nil.
    public var testFraction = 0.2
    /// Share of the training examples held out for validation.
    public var validationFraction = 0.15
    /// Tokens per example, [CLS] and [SEP] included.
    public var maxLength = 64
    /// How token states become one vector.
    public var pooling: TextPooling = .mean
    /// Encoder layers trained, counted from the top: 0 is a linear probe (pooled features are
    /// computed once and cached), the layer count is a full fine-tune of the encoder.
    public var unfreezeLayers = 0
    /// Learning rate of the classification head.
    public var learningRate = 1e-3
    /// Learning rate of the top encoder layer (the ones below get `layerDecay` times less each).
    public var encoderLearningRate = 5e-5
    /// Layer-wise learning-rate decay: layer i from the top trains at encoderLearningRate·decay^i.
    public var layerDecay = 1.0
    /// AdamW decoupled weight decay.
    public var weightDecay = 0.01
    /// Dropout on the pooled vector (head) and inside the trained encoder layers.
    public var dropout = 0.1
    /// Share of all steps spent warming up linearly from 10% of the rates.
    public var warmupFraction = 0.1
    /// Decay after warmup.
    public var schedule: TextScheduleKind = .linear
    /// Label smoothing of the cross-entropy.
    public var labelSmoothing = 0.0
    /// Epochs in all (the schedule's length).
    public var epochs = 4
    /// Examples per step.
    public var batchSize = 16
    /// Early stopping: epochs without a lower validation loss tolerated before the trial ends (the
    /// best epoch's weights are then tested and kept); nil trains every epoch.
    public var patience: Int?
    /// Seed of initialisation, shuffling and dropout.
    public var seed: UInt64 = 0
    /// Seed of the train / validation / test draw.
    public var splitSeed: UInt64 = 0

    public init(data: String, model: String) {
        self.data = data
        self.model = model
    }

    /// Checks ranges; throws a message naming the field and what is accepted.
    public func validate(layers: Int? = nil) throws(FineTuneError) {
        func bad(_ message: String) -> FineTuneError { FineTuneError(.invalidOptions, message) }
        if maxLength < 2 || maxLength > 512 { throw bad("max_length is \(maxLength); it must be in 2…512") }
        if unfreezeLayers < 0 { throw bad("unfreeze_layers is \(unfreezeLayers); it must be ≥ 0") }
        if let layers, unfreezeLayers > layers { throw bad("unfreeze_layers is \(unfreezeLayers); the encoder has \(layers) layers") }
        if !(learningRate > 0) || !(encoderLearningRate > 0) { throw bad("learning rates must be > 0 (learning_rate \(learningRate), encoder_learning_rate \(encoderLearningRate))") }
        if !(layerDecay > 0 && layerDecay <= 1) { throw bad("layer_decay is \(layerDecay); it must be in (0, 1]") }
        if !(0 <= dropout && dropout < 1) { throw bad("dropout is \(dropout); it must be in [0, 1)") }
        if !(0 <= warmupFraction && warmupFraction < 1) { throw bad("warmup_fraction is \(warmupFraction); it must be in [0, 1)") }
        if !(0 <= labelSmoothing && labelSmoothing < 1) { throw bad("label_smoothing is \(labelSmoothing); it must be in [0, 1)") }
        if epochs < 1 { throw bad("epochs is \(epochs); it must be ≥ 1") }
        if batchSize < 1 { throw bad("batch_size is \(batchSize); it must be ≥ 1") }
        if let patience, patience < 1 { throw bad("patience is \(patience); it must be ≥ 1") }
        if !(0 < validationFraction && validationFraction < 1) { throw bad("validation_fraction is \(validationFraction); it must be in (0, 1)") }
        if testSize == nil, !(0 < testFraction && testFraction < 1) { throw bad("test_fraction is \(testFraction); it must be in (0, 1)") }
    }

    /// Reads a configuration from JSON; fields left out keep their defaults.
    public static func decode(json: Data, source: String) throws(FineTuneError) -> TextTrialConfig {
        do { return try JSONDecoder().decode(TextTrialConfig.self, from: json) } catch {
            throw FineTuneError(.invalidOptions, "\(source): not a text trial configuration (\(error))")
        }
    }

    /// The JSON keys a configuration may hold.
    public static let keys: [String] = ["data", "textColumn", "labelColumn", "model", "trainSize", "testSize", "testFraction",
                                        "validationFraction", "maxLength", "pooling", "unfreezeLayers", "learningRate",
                                        "encoderLearningRate", "layerDecay", "weightDecay", "dropout", "warmupFraction",
                                        "schedule", "labelSmoothing", "epochs", "batchSize", "patience", "seed", "splitSeed"]

    enum CodingKeys: String, CodingKey {
        case data, textColumn, labelColumn, model, trainSize, testSize, testFraction, validationFraction
        case maxLength, pooling, unfreezeLayers, learningRate, encoderLearningRate, layerDecay, weightDecay
        case dropout, warmupFraction, schedule, labelSmoothing, epochs, batchSize, patience, seed, splitSeed
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = TextTrialConfig(data: "", model: "")
        data = try c.decode(String.self, forKey: .data)
        model = try c.decode(String.self, forKey: .model)
        textColumn = try c.decodeIfPresent(String.self, forKey: .textColumn) ?? d.textColumn
        labelColumn = try c.decodeIfPresent(String.self, forKey: .labelColumn) ?? d.labelColumn
        trainSize = try c.decodeIfPresent(Int.self, forKey: .trainSize)
        testSize = try c.decodeIfPresent(Int.self, forKey: .testSize)
        testFraction = try c.decodeIfPresent(Double.self, forKey: .testFraction) ?? d.testFraction
        validationFraction = try c.decodeIfPresent(Double.self, forKey: .validationFraction) ?? d.validationFraction
        maxLength = try c.decodeIfPresent(Int.self, forKey: .maxLength) ?? d.maxLength
        pooling = try c.decodeIfPresent(TextPooling.self, forKey: .pooling) ?? d.pooling
        unfreezeLayers = try c.decodeIfPresent(Int.self, forKey: .unfreezeLayers) ?? d.unfreezeLayers
        learningRate = try c.decodeIfPresent(Double.self, forKey: .learningRate) ?? d.learningRate
        encoderLearningRate = try c.decodeIfPresent(Double.self, forKey: .encoderLearningRate) ?? d.encoderLearningRate
        layerDecay = try c.decodeIfPresent(Double.self, forKey: .layerDecay) ?? d.layerDecay
        weightDecay = try c.decodeIfPresent(Double.self, forKey: .weightDecay) ?? d.weightDecay
        dropout = try c.decodeIfPresent(Double.self, forKey: .dropout) ?? d.dropout
        warmupFraction = try c.decodeIfPresent(Double.self, forKey: .warmupFraction) ?? d.warmupFraction
        schedule = try c.decodeIfPresent(TextScheduleKind.self, forKey: .schedule) ?? d.schedule
        labelSmoothing = try c.decodeIfPresent(Double.self, forKey: .labelSmoothing) ?? d.labelSmoothing
        epochs = try c.decodeIfPresent(Int.self, forKey: .epochs) ?? d.epochs
        batchSize = try c.decodeIfPresent(Int.self, forKey: .batchSize) ?? d.batchSize
        patience = try c.decodeIfPresent(Int.self, forKey: .patience)
        seed = try c.decodeIfPresent(UInt64.self, forKey: .seed) ?? d.seed
        splitSeed = try c.decodeIfPresent(UInt64.self, forKey: .splitSeed) ?? d.splitSeed
    }
}
