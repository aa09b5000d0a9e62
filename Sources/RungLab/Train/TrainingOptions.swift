// The flags of `rung train`, grouped: those every task shares (data, learning rate, epochs, batch
// size, seeds, early stopping, output, …) and those of one task (tabular, image, text), each group
// applying itself to its task's configuration. `rung pretrain` reuses the shared and image groups.
// Leaves out running the training (TrainCommand.swift) and reading the JSON file's keys (FineTune).
import ArgumentParser
import FineTune
import Foundation
import Tensors

/// Flags every task takes.
struct SharedTrainingOptions: ParsableArguments {
    @Option(help: "Data: a CSV table (tabular; default the built-in synthetic table), an IDX directory (image; default /usr/share/datasets/fashion-mnist) or a .jsonl/.csv/.tsv file of labelled texts (text; required).")
    var data: String?
    @Option(help: "Learning rate, of the head for image and text (default: tabular 0.0003, image and text 0.001).")
    var lr: Double?
    @Option(help: "Epochs (default: tabular 20, raised on a small table to make at least 400 steps; image 10; text 4).")
    var epochs: Int?
    @Option(help: "Examples per step (default: tabular 64, halved on a small table to at least 8 steps per epoch, down to 16; image 32; text 16).")
    var batchSize: Int?
    @Option(help: "Weight decay: decoupled for adamw, L2 for adam and sgd (default: tabular 0.01, image 1e-4, text 0.01).")
    var weightDecay: Double?
    @Option(name: [.customLong("dropout"), .customLong("head-dropout")],
            help: "Dropout: after each hidden layer (tabular, default 0.2), before the head (image, default 0), on the pooled vector and in the trained layers (text, default 0.1).")
    var dropout: Double?
    @Option(help: "Label smoothing of the training loss (default 0).")
    var labelSmoothing: Double?
    @Option(help: "Learning-rate schedule: tabular constant, cosine or step (default cosine); image constant or cosine (default cosine); text, after warmup, linear, cosine or constant (default linear).")
    var schedule: String?
    @Option(help: "Stop after this many epochs without a lower validation loss, keeping the best epoch's weights (default: off).")
    var patience: Int?
    @Option(help: "Seed of initialisation, shuffling, dropout and augmentation (default 0).")
    var seed: UInt64?
    @Option(help: "Seed of the train/validation/test draw (default 0).")
    var splitSeed: UInt64?
    @Option(help: "JSON file with the settings (keys as in the task's configuration: TabularTrialConfig, ImageTrialConfig, TextTrialConfig); flags override it.")
    var config: String?
    @Option(help: "BLAS threads (default: the library's choice).")
    var threads: Int?

    /// The JSON file's bytes, when --config names one.
    func configFile() throws(FineTuneError) -> Data? {
        guard let path = config else { return nil }
        guard let bytes = FileManager.default.contents(atPath: path) else {
            throw FineTuneError(.unreadableFile, "cannot read the configuration file \(path)")
        }
        return bytes
    }

    /// Sets the BLAS threads when --threads asks for a number.
    func applyThreads() throws(FineTuneError) {
        guard let threads else { return }
        guard threads >= 1 else { throw FineTuneError(.invalidOptions, "--threads is \(threads), but must be ≥ 1") }
        BLAS.setThreads(threads)
    }

    /// The value of --schedule as the task's kind; an unknown name lists the accepted ones.
    func schedule<K: RawRepresentable & CaseIterable>(_ type: K.Type) throws(FineTuneError) -> K? where K.RawValue == String {
        guard let schedule else { return nil }
        guard let kind = K(rawValue: schedule.lowercased()) else {
            throw FineTuneError(.invalidOptions, "--schedule \"\(schedule)\" is unknown (accepted: \(K.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        return kind
    }
}

/// A group of one task's flags: which of them the command line set (to refuse them for another task).
protocol TaskOptions: ParsableArguments {
    /// The flags set, as typed (`--hidden`).
    var given: [String] { get }
}

/// Flags of the tabular task only.
struct TabularOptions: TaskOptions {
    @Option(help: "Tabular: name of the target column (required with --data).")
    var target: String?
    @Option(help: "Tabular: hidden layer sizes, comma-separated (default 256,256).")
    var hidden: String?
    @Option(help: "Tabular: optimizer adamw, adam or sgd (default adamw).")
    var optimizer: String?
    @Option(help: "Tabular: linear warmup epochs before the schedule (default 0).")
    var warmupEpochs: Int?
    @Flag(help: "Tabular: also evaluate the test split after every epoch (test accuracy and loss per epoch in the table and metrics.json; training is unchanged).")
    var testEveryEpoch = false
    @Flag(help: "Tabular: refuse a mostly numeric column with non-numeric cells (abc, 1,5) instead of reading them as missing values.")
    var refuseNonNumeric = false

    var given: [String] {
        [target.map { _ in "--target" }, hidden.map { _ in "--hidden" }, optimizer.map { _ in "--optimizer" },
         warmupEpochs.map { _ in "--warmup-epochs" }, testEveryEpoch ? "--test-every-epoch" : nil,
         refuseNonNumeric ? "--refuse-non-numeric" : nil].compactMap { $0 }
    }

    /// The configuration from the JSON file (if any), the shared flags and these, and the keys the
    /// user set (in the file or by a flag) among those the defaults adapt: batchSize, epochs.
    func makeConfig(_ shared: SharedTrainingOptions) throws(FineTuneError) -> (TabularTrialConfig, chosen: Set<String>) {
        var c = TabularTrialConfig()
        var chosen: Set<String> = []
        if let bytes = try shared.configFile() {
            c = try TabularTrialConfig.decode(json: bytes, source: shared.config ?? "")
            // Decoding succeeded, so the file is a JSON object.
            if let keys = (try? JSONSerialization.jsonObject(with: bytes)) as? [String: Any] { chosen.formUnion(keys.keys) }
        }
        if shared.epochs != nil { chosen.insert("epochs") }
        if shared.batchSize != nil { chosen.insert("batchSize") }
        if let v = shared.data { c.data = v }
        if let v = target { c.target = v }
        if let hidden {
            let parts = hidden.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            let sizes = parts.compactMap { Int($0) }
            guard !parts.isEmpty, sizes.count == parts.count else {
                throw FineTuneError(.invalidOptions, "--hidden \"\(hidden)\" is not a comma-separated list of integers (e.g. 256,256)")
            }
            c.hidden = sizes
        }
        if let v = shared.lr { c.learningRate = v }
        if let v = shared.epochs { c.epochs = v }
        if let v = shared.batchSize { c.batchSize = v }
        if let optimizer {
            guard let kind = OptimizerKind(rawValue: optimizer.lowercased()) else {
                throw FineTuneError(.invalidOptions, "--optimizer \"\(optimizer)\" is unknown (accepted: \(OptimizerKind.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            c.optimizer = kind
        }
        if let v = shared.weightDecay { c.weightDecay = v }
        if let v = shared.dropout { c.dropout = v }
        if let v = shared.labelSmoothing { c.labelSmoothing = v }
        if let v = try shared.schedule(ScheduleKind.self) { c.schedule = v }
        if let v = warmupEpochs { c.warmupEpochs = v }
        if let v = shared.patience { c.earlyStoppingPatience = v }
        if let v = shared.seed { c.seed = v }
        if let v = shared.splitSeed { c.splitSeed = v }
        if refuseNonNumeric { c.refuseNonNumeric = true }
        return (c, chosen)
    }
}

/// Flags of the image task only (also `rung pretrain`'s).
struct ImageOptions: TaskOptions {
    @Option(help: "Image: classes to use, relabelled in this order: a list (5,6,7,8,9) or a range (5-9). Default: all.")
    var classes: String?
    @Option(help: "Image: training images per class (few-shot); default: all that validation leaves.")
    var shots: Int?
    @Option(help: "Image: validation images per class, from the training images (default 100).")
    var validationPerClass: Int?
    @Option(help: "Image: backbone smallcnn, resnet, efficientnet-lite0, or a zoo entry (see `rung zoo list`).")
    var backbone: String?
    @Option(help: "Image: zoo directory of pretrained backbones (default zoo).")
    var zoo: String?
    @Option(help: "Image: strategy linear_probe, full or gradual (default full).")
    var strategy: String?
    @Option(help: "Image: linear probe on intermediate layers, taps a-b (stage ends, 1-based; `rung zoo list` shows them), e.g. 2-5.")
    var featureTaps: String?
    @Option(help: "Image: side of the average-pooled map of each tap (default 1).")
    var tapGrid: Int?
    @Option(help: "Image: L2 penalty on the head's weights, λ in λ/2·‖W‖² (default 0).")
    var headL2: Double?
    @Option(help: "Image: gradual unfreezing, epochs between thaws (default 1).")
    var unfreezeEvery: Int?
    @Option(help: "Image: gradual unfreezing, blocks thawed at each thaw (default 1).")
    var unfreezeBlocks: Int?
    @Option(help: "Image: learning rate of the backbone relative to the head (default 1).")
    var backboneLrMult: Double?
    @Option(help: "Image: augmentation strength 0…1 (default 0).")
    var augment: Double?
    @Flag(help: "Image: keep BatchNorm's running statistics fixed while training.")
    var freezeBn = false
    @Option(help: "Image: side of the resized images for EfficientNet-Lite0 (default 64).")
    var imageSize: Int?

    var given: [String] {
        let set: [(String, Bool)] = [
            ("--classes", classes != nil), ("--shots", shots != nil), ("--validation-per-class", validationPerClass != nil),
            ("--backbone", backbone != nil), ("--zoo", zoo != nil), ("--strategy", strategy != nil),
            ("--feature-taps", featureTaps != nil), ("--tap-grid", tapGrid != nil), ("--head-l2", headL2 != nil),
            ("--unfreeze-every", unfreezeEvery != nil), ("--unfreeze-blocks", unfreezeBlocks != nil),
            ("--backbone-lr-mult", backboneLrMult != nil), ("--augment", augment != nil), ("--freeze-bn", freezeBn),
            ("--image-size", imageSize != nil),
        ]
        return set.filter(\.1).map(\.0)
    }

    /// Parses `5-9` or `5,6,7`.
    static func parseClasses(_ s: String) throws(FineTuneError) -> [Int] {
        let parts = s.split(separator: "-").map { $0.trimmingCharacters(in: .whitespaces) }
        if parts.count == 2, let a = Int(parts[0]), let b = Int(parts[1]), a <= b { return Array(a...b) }
        let list = s.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !list.isEmpty, list.allSatisfy({ $0 != nil }) else {
            throw FineTuneError(.invalidOptions, "--classes is \"\(s)\"; give a list such as 5,6,7,8,9 or a range such as 5-9")
        }
        return list.map { $0! }
    }

    /// The configuration from the JSON file (if any), the shared flags and these, validated.
    func makeConfig(_ shared: SharedTrainingOptions) throws(FineTuneError) -> ImageTrialConfig {
        var c = ImageTrialConfig()
        if let bytes = try shared.configFile() { c = try ImageTrialConfig.decode(json: bytes, source: shared.config ?? "") }
        if let v = shared.data { c.data = v }
        if let v = classes { c.classes = try Self.parseClasses(v) }
        if let v = shots { c.shots = v }
        if let v = validationPerClass { c.validationPerClass = v }
        if let v = backbone { c.backbone = v }
        if let v = zoo { c.zoo = v }
        if let v = strategy {
            guard let s = FineTuneStrategy(rawValue: v) else {
                throw FineTuneError(.invalidOptions, "--strategy is \"\(v)\"; accepted: \(FineTuneStrategy.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            c.strategy = s
        }
        if let v = featureTaps { c.featureTaps = v }
        if let v = tapGrid { c.tapGrid = v }
        if let v = headL2 { c.headL2 = v }
        if let v = unfreezeEvery { c.unfreezeEvery = v }
        if let v = unfreezeBlocks { c.unfreezeBlocks = v }
        if let v = backboneLrMult { c.backboneLrMult = v }
        if let v = shared.dropout { c.headDropout = v }
        if let v = shared.labelSmoothing { c.labelSmoothing = v }
        if let v = augment { c.augment = v }
        if freezeBn { c.freezeBn = true }
        if let v = shared.patience { c.patience = v }
        if let v = shared.lr { c.learningRate = v }
        if let v = shared.weightDecay { c.weightDecay = v }
        if let v = try shared.schedule(ImageScheduleKind.self) { c.schedule = v }
        if let v = shared.batchSize { c.batchSize = v }
        if let v = shared.epochs { c.epochs = v }
        if let v = imageSize { c.imageSize = v }
        if let v = shared.seed { c.seed = v }
        if let v = shared.splitSeed { c.splitSeed = v }
        try c.validate()
        try shared.applyThreads()
        return c
    }
}

/// Flags of the text task only.
struct TextOptions: TaskOptions {
    @Option(help: "Text: Hugging Face BERT directory with config.json, model.safetensors and vocab.txt (default data/models/all-minilm-l6-v2).") var model: String?
    @Option(help: "Text: examples for training + validation (default: all but the test set).") var trainSize: Int?
    @Option(help: "Text: examples for the test set (default: 20% of the data).") var testSize: Int?
    @Option(help: "Text: encoder layers to train, from the top (default 0: a linear probe on cached features).") var unfreezeLayers: Int?
    @Option(help: "Text: learning rate of the top encoder layer (default 5e-5).") var encoderLr: Double?
    @Option(help: "Text: layer-wise learning-rate decay per layer downwards (default 1).") var layerDecay: Double?
    @Option(help: "Text: tokens per example including [CLS] and [SEP] (default 64).") var maxLength: Int?
    @Option(help: "Text: pooling mean or cls (default mean).") var pooling: String?

    var given: [String] {
        let set: [(String, Bool)] = [
            ("--model", model != nil), ("--train-size", trainSize != nil), ("--test-size", testSize != nil),
            ("--unfreeze-layers", unfreezeLayers != nil), ("--encoder-lr", encoderLr != nil), ("--layer-decay", layerDecay != nil),
            ("--max-length", maxLength != nil), ("--pooling", pooling != nil),
        ]
        return set.filter(\.1).map(\.0)
    }

    /// The configuration from the JSON file (if any), the shared flags and these, validated.
    func makeConfig(_ shared: SharedTrainingOptions) throws(FineTuneError) -> TextTrialConfig {
        var c: TextTrialConfig
        if let bytes = try shared.configFile() {
            c = try TextTrialConfig.decode(json: bytes, source: shared.config ?? "")
        } else {
            guard let data = shared.data else {
                throw FineTuneError(.invalidOptions, "--data is required for --task text (a .jsonl, .csv or .tsv file), or give --config")
            }
            c = TextTrialConfig(data: data, model: model ?? "data/models/all-minilm-l6-v2")
        }
        if let v = shared.data { c.data = v }
        if let v = model { c.model = v }
        if let v = trainSize { c.trainSize = v }
        if let v = testSize { c.testSize = v }
        if let v = unfreezeLayers { c.unfreezeLayers = v }
        if let v = shared.lr { c.learningRate = v }
        if let v = encoderLr { c.encoderLearningRate = v }
        if let v = layerDecay { c.layerDecay = v }
        if let v = shared.weightDecay { c.weightDecay = v }
        if let v = shared.epochs { c.epochs = v }
        if let v = shared.batchSize { c.batchSize = v }
        if let v = maxLength { c.maxLength = v }
        if let v = shared.dropout { c.dropout = v }
        if let v = shared.labelSmoothing { c.labelSmoothing = v }
        if let v = shared.patience { c.patience = v }
        if let v = shared.seed { c.seed = v }
        if let v = shared.splitSeed { c.splitSeed = v }
        if let v = pooling {
            guard let p = TextPooling(rawValue: v) else { throw FineTuneError(.invalidOptions, "--pooling is \"\(v)\"; accepted: mean, cls") }
            c.pooling = p
        }
        if let v = try shared.schedule(TextScheduleKind.self) { c.schedule = v }
        try c.validate()
        try shared.applyThreads()
        return c
    }
}
