// The user's zoo: backbones pretrained by `rung pretrain`, each a safetensors file of the backbone's
// weights (classifier left out) and a JSON sidecar saying what it is (architecture, input shape,
// source task and classes, date, accuracy); and the factory that turns a backbone name from a
// trial's config into a network with its weights and input adapter. Leaves out remote zoos.
import Foundation
import Tensors

/// The sidecar `<name>.json` of a pretrained backbone.
public struct PretrainedBackboneInfo: Sendable, Hashable, Codable {
    /// Entry name (the files' stem).
    public var name: String
    /// Architecture the weights belong to (`smallcnn`, `resnet`).
    public var architecture: String
    /// Channels, height, width.
    public var inputShape: [Int]
    /// Length of the feature vector.
    public var featureCount: Int
    /// Backbone parameters (classifier left out).
    public var parameters: Int
    /// The source task in words (`Fashion-MNIST classes 0–4`).
    public var sourceTask: String
    /// Source data directory and classes (indices and names).
    public var data: String
    public var classes: [Int]
    public var classNames: [String]
    /// ISO-8601 time of pretraining.
    public var date: String
    /// Test accuracy on the source task.
    public var accuracy: Double
    /// Epochs of pretraining.
    public var epochs: Int

    public init(name: String, architecture: String, inputShape: [Int], featureCount: Int, parameters: Int, sourceTask: String,
                data: String, classes: [Int], classNames: [String], date: String, accuracy: Double, epochs: Int) {
        self.name = name; self.architecture = architecture; self.inputShape = inputShape; self.featureCount = featureCount
        self.parameters = parameters; self.sourceTask = sourceTask; self.data = data; self.classes = classes
        self.classNames = classNames; self.date = date; self.accuracy = accuracy; self.epochs = epochs
    }
}

/// The zoo directory of pretrained backbones.
public enum PretrainedZoo {
    /// Entries of `directory` (sorted by name); an absent directory has none.
    public static func list(_ directory: String) -> [PretrainedBackboneInfo] {
        let dir = URL(fileURLWithPath: directory, isDirectory: true)
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return [] }
        return names.filter { $0.hasSuffix(".json") }.sorted().compactMap { file in
            guard let data = FileManager.default.contents(atPath: dir.appendingPathComponent(file).path),
                  let info = try? JSONDecoder().decode(PretrainedBackboneInfo.self, from: data),
                  FileManager.default.fileExists(atPath: dir.appendingPathComponent(info.name + ".safetensors").path) else { return nil }
            return info
        }
    }

    /// The entry `name` of `directory`, or nil.
    public static func info(_ name: String, in directory: String) -> PretrainedBackboneInfo? {
        list(directory).first { $0.name == name }
    }

    /// Saves the backbone of `model` (classifier left out) as `<name>.safetensors` + `<name>.json`.
    public static func save(_ model: ImageClassifier, info: PretrainedBackboneInfo, to directory: String) throws(FineTuneError) {
        let dir = URL(fileURLWithPath: directory, isDirectory: true)
        do { try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true) } catch {
            throw FineTuneError(.unwritableFile, "cannot make the zoo directory \(directory) (\(error.localizedDescription))")
        }
        var tensors: [String: TensorData] = [:]
        for (name, t) in model.body.namedParameters() + model.body.namedBuffers() { tensors[name] = TensorData(shape: t.shape, floats: t.scalars) }
        try SafeTensors.write(tensors, metadata: ["rung.format": "rung-backbone-1", "rung.architecture": info.architecture],
                              to: dir.appendingPathComponent(info.name + ".safetensors"))
        let e = JSONEncoder()
        e.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        do { try e.encode(info).write(to: dir.appendingPathComponent(info.name + ".json")) } catch {
            throw FineTuneError(.unwritableFile, "cannot write \(info.name).json in \(directory) (\(error.localizedDescription))")
        }
    }
}

/// A backbone ready for a trial: the network (weights loaded), how inputs are adapted to it, and
/// where its weights came from.
public struct ResolvedBackbone {
    public var network: any Backbone
    public var adapter: InputAdapter
    /// "random initialisation", a zoo entry, or a weights file.
    public var origin: String
    /// Whether the weights are pretrained.
    public var pretrained: Bool

    public init(network: any Backbone, adapter: InputAdapter, origin: String, pretrained: Bool) {
        self.network = network; self.adapter = adapter; self.origin = origin; self.pretrained = pretrained
    }
}

/// Builds backbones by name.
public enum BackboneFactory {
    /// The from-scratch architectures and the built-in pretrained one.
    public static let builtinNames = ["smallcnn", "resnet", "efficientnet-lite0"]

    /// A fresh network of `architecture` for inputs `inputShape`.
    public static func make(architecture: String, inputShape: [Int], seed: UInt64) throws(FineTuneError) -> any Backbone {
        var rng = SplitMix64(seed: seed)
        switch architecture {
        case "smallcnn", "small-cnn":
            guard inputShape.count == 3, inputShape[1] % 4 == 0, inputShape[2] % 4 == 0 else {
                throw FineTuneError(.invalidOptions, "smallcnn needs an input whose height and width divide by 4; got \(inputShape)")
            }
            return SmallCNN(channels: inputShape[0], height: inputShape[1], width: inputShape[2], classes: 10, generator: &rng)
        case "resnet", "small-resnet":
            guard inputShape.count == 3, inputShape[1] >= 8, inputShape[2] >= 8 else {
                throw FineTuneError(.invalidOptions, "resnet needs an input of at least 8×8 pixels; got \(inputShape)")
            }
            return SmallResNet(channels: inputShape[0], height: inputShape[1], width: inputShape[2], classes: 10, generator: &rng)
        case "efficientnet-lite0":
            return EfficientNetLite(classes: 1000, generator: &rng)
        default:
            throw FineTuneError(.invalidOptions, "unknown architecture \"\(architecture)\"; known: \(builtinNames.joined(separator: ", "))")
        }
    }

    /// The backbone `config.backbone` for images of `dataShape` (channels, height, width): a
    /// from-scratch architecture, EfficientNet-Lite0 with its ImageNet weights, or a zoo entry.
    public static func resolve(_ config: ImageTrialConfig, dataShape: [Int], seed: UInt64) throws(FineTuneError) -> ResolvedBackbone {
        let name = config.backbone
        if name == "efficientnet-lite0" {
            let catalogFile = try ZooCatalog.entry("efficientnet-lite0").weightsFile
            let file = config.weights ?? catalogFile ?? ""
            guard FileManager.default.fileExists(atPath: file) else {
                throw FineTuneError(.unreadableFile, "efficientnet-lite0's ImageNet weights are not at \(file); fetch them with scripts/fetch-efficientnet-lite0.sh or give `weights`")
            }
            let net = try make(architecture: name, inputShape: [3, 224, 224], seed: seed)
            let weights = file.hasSuffix(".safetensors") ? try SafeTensors.read(URL(fileURLWithPath: file))
                : try TorchCheckpoint.read(URL(fileURLWithPath: file)).tensors
            try net.loadWeights(weights)
            let side = config.imageSize ?? 64
            return ResolvedBackbone(network: net, adapter: InputAdapter(shape: [3, side, side], normalization: .efficientNetLite),
                                    origin: file, pretrained: true)
        }
        if builtinNames.contains(name) || name == "small-cnn" || name == "small-resnet" {
            let net = try make(architecture: name, inputShape: dataShape, seed: seed)
            return ResolvedBackbone(network: net, adapter: InputAdapter(shape: dataShape), origin: "random initialisation", pretrained: false)
        }
        guard let info = PretrainedZoo.info(name, in: config.zoo) else {
            let known = builtinNames + PretrainedZoo.list(config.zoo).map(\.name)
            throw FineTuneError(.invalidOptions, "unknown backbone \"\(name)\"; known: \(known.joined(separator: ", ")) (zoo directory \(config.zoo); make entries with `rung pretrain`)")
        }
        let net = try make(architecture: info.architecture, inputShape: info.inputShape, seed: seed)
        let file = URL(fileURLWithPath: config.zoo, isDirectory: true).appendingPathComponent(name + ".safetensors")
        let body = BackboneBody(net)
        try body.loadWeights(try SafeTensors.read(file))
        return ResolvedBackbone(network: net, adapter: InputAdapter(shape: info.inputShape), origin: file.path, pretrained: true)
    }
}
