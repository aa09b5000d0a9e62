// The hyperparameters of one image-classification trial: data and class selection (source / target
// split, k labels per class), the backbone by name, the fine-tuning strategy (linear probe, full,
// gradual unfreezing) and its knobs (backbone learning-rate multiplier, head dropout, label
// smoothing, augmentation strength, frozen BatchNorm, early stopping). Leaves out the optimizer
// family (always AdamW) and warmup.
import Foundation

/// How the backbone trains.
public enum FineTuneStrategy: String, Sendable, Hashable, Codable, CaseIterable {
    /// Frozen backbone, only the head trains; backbone features are computed once and cached.
    case linearProbe = "linear_probe"
    /// Every parameter trains from the first epoch.
    case full
    /// The head trains first; every `unfreezeEvery` epochs the next `unfreezeBlocks` backbone
    /// blocks (from the output side) join (Howard & Ruder, 2018, "gradual unfreezing").
    case gradual
}

/// Learning-rate decay over the whole run.
public enum ImageScheduleKind: String, Sendable, Hashable, Codable, CaseIterable {
    case constant, cosine
}

/// One image trial's configuration; every field has a default.
public struct ImageTrialConfig: Sendable, Hashable, Codable {
    /// Directory with the IDX files `train-images-idx3-ubyte(.gz)`, `train-labels-idx1-ubyte(.gz)`,
    /// `t10k-images-idx3-ubyte(.gz)`, `t10k-labels-idx1-ubyte(.gz)` (Fashion-MNIST by default).
    public var data = ImageTrialConfig.fashionMNISTDirectory
    /// Classes of the task, relabelled 0…k−1 in this order; nil = every class.
    public var classes: [Int]?
    /// Training images per class (few-shot, drawn with `splitSeed`); nil = all that validation leaves.
    public var shots: Int?
    /// Validation images per class, drawn from the training images not used for training.
    public var validationPerClass = 100
    /// Test images per class from the t10k file; nil = all of them.
    public var testPerClass: Int?
    /// Backbone: `smallcnn`, `resnet` (from scratch), `efficientnet-lite0` (ImageNet weights), or the name of an entry of the zoo
    /// directory `zoo` made by `rung pretrain`.
    public var backbone = "smallcnn"
    /// Directory of pretrained backbones (`<name>.safetensors` + `<name>.json`).
    public var zoo = "zoo"
    /// Weights file of `efficientnet-lite0` (PyTorch checkpoint or safetensors); nil = the catalog's.
    public var weights: String?
    /// Side in pixels the images are resized to for RGB backbones (EfficientNet); nil = 64.
    public var imageSize: Int?
    /// Which parameters train.
    public var strategy: FineTuneStrategy = .full
    /// A linear probe on intermediate layers: taps `"a-b"` (1-based stage ends, input side first;
    /// `rung zoo list` shows each backbone's), each average-pooled to `tapGrid` × `tapGrid`;
    /// nil = the backbone's own pooled features. With full or gradual fine-tuning the blocks through
    /// the last tap train (gradual: from that tap's side); later blocks do not run.
    public var featureTaps: String?
    /// Side of the pooled map of each tap.
    public var tapGrid = 1
    /// L2 penalty λ/2·‖W‖² on the head's weight matrix, added to the loss (the regularised
    /// logistic regression of linear-probe evaluations; AdamW's decoupled decay acts apart).
    public var headL2 = 0.0
    /// Gradual unfreezing: epochs between two thaws.
    public var unfreezeEvery = 1
    /// Gradual unfreezing: blocks thawed at each step.
    public var unfreezeBlocks = 1
    /// Learning rate of the backbone relative to the head's (discriminative learning rates).
    public var backboneLrMult = 1.0
    /// Dropout on the pooled features before the head.
    public var headDropout = 0.0
    /// Label smoothing of the training loss.
    public var labelSmoothing = 0.0
    /// Augmentation strength 0…1 (0 = none): `ImageAugmentation`'s flip, rotation, scale, crop
    /// and blur, drawn per (seed, epoch, batch). A linear probe ignores it (its features are cached).
    public var augment = 0.0
    /// BatchNorm uses and keeps its running statistics while training (frozen blocks always do).
    public var freezeBn = false
    /// Early stopping after this many epochs without validation-loss improvement; nil = never.
    public var patience: Int?
    /// Head learning rate (AdamW).
    public var learningRate = 1e-3
    /// AdamW decoupled weight decay.
    public var weightDecay = 1e-4
    /// Learning-rate decay over all epochs.
    public var schedule: ImageScheduleKind = .cosine
    /// Images per step.
    public var batchSize = 32
    /// Epochs in all (the schedule's length).
    public var epochs = 10
    /// Seed of initialisation, shuffling, dropout and augmentation.
    public var seed: UInt64 = 0
    /// Seed of the few-shot, validation and test draws.
    public var splitSeed: UInt64 = 0

    /// Debian's `dataset-fashion-mnist` location.
    public static let fashionMNISTDirectory = "/usr/share/datasets/fashion-mnist"

    public init() {}

    /// The probe's taps, when configured (and valid).
    public var taps: FeatureTaps? { featureTaps.flatMap { FeatureTaps(range: $0, grid: tapGrid) } }

    /// Checks ranges; throws a message naming the field and what is accepted.
    public func validate() throws(FineTuneError) {
        func bad(_ message: String) -> FineTuneError { FineTuneError(.invalidOptions, message) }
        if let classes, classes.isEmpty || Set(classes).count != classes.count { throw bad("classes is \(classes); it must list distinct class indices") }
        if let shots, shots < 1 { throw bad("shots is \(shots); it must be ≥ 1") }
        if validationPerClass < 1 { throw bad("validation_per_class is \(validationPerClass); it must be ≥ 1") }
        if let t = testPerClass, t < 1 { throw bad("test_per_class is \(t); it must be ≥ 1") }
        if unfreezeEvery < 1 { throw bad("unfreeze_every is \(unfreezeEvery); it must be ≥ 1") }
        if unfreezeBlocks < 1 { throw bad("unfreeze_blocks is \(unfreezeBlocks); it must be ≥ 1") }
        if !(backboneLrMult >= 0) { throw bad("backbone_lr_mult is \(backboneLrMult); it must be ≥ 0") }
        if !(0 <= headDropout && headDropout < 1) { throw bad("head_dropout is \(headDropout); it must be in [0, 1)") }
        if !(0 <= labelSmoothing && labelSmoothing < 1) { throw bad("label_smoothing is \(labelSmoothing); it must be in [0, 1)") }
        if !(0 <= augment && augment <= 1) { throw bad("augment is \(augment); it must be in [0, 1]") }
        if let patience, patience < 1 { throw bad("patience is \(patience); it must be ≥ 1") }
        if !(learningRate > 0) { throw bad("learning_rate is \(learningRate); it must be > 0") }
        if !(weightDecay >= 0) { throw bad("weight_decay is \(weightDecay); it must be ≥ 0") }
        if batchSize < 1 { throw bad("batch_size is \(batchSize); it must be ≥ 1") }
        if epochs < 1 { throw bad("epochs is \(epochs); it must be ≥ 1") }
        if let s = imageSize, s < 8 || s > 512 { throw bad("image_size is \(s); it must be in 8…512") }
        if !(1...8).contains(tapGrid) { throw bad("tap_grid is \(tapGrid); it must be in 1…8") }
        if !(headL2 >= 0) { throw bad("head_l2 is \(headL2); it must be ≥ 0") }
        if let t = featureTaps {
            guard FeatureTaps(range: t, grid: tapGrid) != nil else { throw bad("feature_taps is \"\(t)\"; it must be a tap or a range of taps, e.g. \"3\" or \"2-5\"") }
        }
    }

    /// Reads a configuration from JSON; fields left out keep their defaults, unknown fields are refused.
    public static func decode(json: Data, source: String) throws(FineTuneError) -> ImageTrialConfig {
        if let object = try? JSONSerialization.jsonObject(with: json) as? [String: Any],
           let unknown = object.keys.sorted().first(where: { !keys.contains($0) }) {
            throw FineTuneError(.invalidOptions, "\(source): an image trial has no setting \"\(unknown)\"; accepted: \(keys.joined(separator: ", "))")
        }
        do { return try JSONDecoder().decode(ImageTrialConfig.self, from: json) } catch {
            throw FineTuneError(.invalidOptions, "\(source): not an image trial configuration (\(error))")
        }
    }

    /// The JSON keys a configuration may hold.
    public static var keys: [String] { CodingKeys.allCases.map(\.rawValue) }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case data, classes, shots, validationPerClass, testPerClass, backbone, zoo, weights, imageSize, strategy
        case featureTaps, tapGrid, headL2
        case unfreezeEvery, unfreezeBlocks, backboneLrMult, headDropout, labelSmoothing, augment, freezeBn, patience
        case learningRate, weightDecay, schedule, batchSize, epochs, seed, splitSeed
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = ImageTrialConfig()
        func v<T: Decodable>(_ key: CodingKeys, _ fallback: T) throws -> T { try c.decodeIfPresent(T.self, forKey: key) ?? fallback }
        data = try v(.data, d.data)
        classes = try c.decodeIfPresent([Int].self, forKey: .classes)
        shots = try c.decodeIfPresent(Int.self, forKey: .shots)
        validationPerClass = try v(.validationPerClass, d.validationPerClass)
        testPerClass = try c.decodeIfPresent(Int.self, forKey: .testPerClass)
        backbone = try v(.backbone, d.backbone)
        zoo = try v(.zoo, d.zoo)
        weights = try c.decodeIfPresent(String.self, forKey: .weights)
        imageSize = try c.decodeIfPresent(Int.self, forKey: .imageSize)
        strategy = try v(.strategy, d.strategy)
        // A study's categorical may give a single tap as a number.
        if let t = try? c.decodeIfPresent(String.self, forKey: .featureTaps) { featureTaps = t }
        else if let t = try c.decodeIfPresent(Int.self, forKey: .featureTaps) { featureTaps = String(t) }
        tapGrid = try v(.tapGrid, d.tapGrid)
        headL2 = try v(.headL2, d.headL2)
        unfreezeEvery = try v(.unfreezeEvery, d.unfreezeEvery)
        unfreezeBlocks = try v(.unfreezeBlocks, d.unfreezeBlocks)
        backboneLrMult = try v(.backboneLrMult, d.backboneLrMult)
        headDropout = try v(.headDropout, d.headDropout)
        labelSmoothing = try v(.labelSmoothing, d.labelSmoothing)
        augment = try v(.augment, d.augment)
        // A study's categorical may give booleans as 0/1 or "true"/"false".
        if let b = try? c.decodeIfPresent(Bool.self, forKey: .freezeBn) { freezeBn = b }
        else if let i = try? c.decodeIfPresent(Int.self, forKey: .freezeBn) { freezeBn = i != 0 }
        else if let s = try? c.decodeIfPresent(String.self, forKey: .freezeBn) { freezeBn = s == "true" }
        patience = try c.decodeIfPresent(Int.self, forKey: .patience)
        learningRate = try v(.learningRate, d.learningRate)
        weightDecay = try v(.weightDecay, d.weightDecay)
        schedule = try v(.schedule, d.schedule)
        batchSize = try v(.batchSize, d.batchSize)
        epochs = try v(.epochs, d.epochs)
        seed = try v(.seed, d.seed)
        splitSeed = try v(.splitSeed, d.splitSeed)
    }
}

extension ImageTrialConfig {
    /// Backbone blocks that train during epoch `epoch` (1-based), out of `blockCount`, counted
    /// from the output side: none for a linear probe, all for a full fine-tune, and for gradual
    /// unfreezing `unfreezeBlocks` more after every `unfreezeEvery` epochs (none in the first ones).
    public func trainedBlocks(epoch: Int, blockCount: Int) -> Int {
        switch strategy {
        case .linearProbe: return 0
        case .full: return blockCount
        case .gradual: return min(blockCount, unfreezeBlocks * (max(epoch - 1, 0) / unfreezeEvery))
        }
    }
}
