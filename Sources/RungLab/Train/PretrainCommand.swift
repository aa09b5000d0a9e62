// `rung pretrain`: trains a backbone on a source task (by default the small CNN on Fashion-MNIST
// classes 0–4) and keeps it in the zoo directory as safetensors plus a JSON sidecar, so that
// image trials can fine-tune it by name (`backbone: <name>`). Leaves out resuming a pretraining.
import ArgumentParser
import FineTune
import Foundation

struct PretrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pretrain",
        abstract: "Train a backbone on a source task and keep it in the zoo for fine-tuning.",
        discussion: """
            Trains --backbone (an architecture: smallcnn or resnet; default smallcnn) on --classes of --data \
            (default 0-4) with every training image less --validation-per-class (or --shots per class), for \
            --epochs (default 3) in batches of 64 unless told otherwise; tests it on the t10k images of those classes, then writes \
            <zoo>/<name>.safetensors (the backbone's weights, its classifier left out) and <zoo>/<name>.json \
            (architecture, input shape, source task, classes, date, accuracy). `rung zoo list --zoo DIR` shows \
            the entry; trials use it with `backbone: <name>`.
            Example: rung pretrain --classes 0-4 --epochs 3 --name smallcnn-fmnist-0-4
            """)

    @OptionGroup var shared: SharedTrainingOptions
    @OptionGroup var options: ImageOptions
    @Option(help: "Name of the zoo entry (default <architecture>-<data>-<classes>, e.g. smallcnn-fmnist-0-4).")
    var name: String?

    func run() throws {
        do {
            var c = try options.makeConfig(shared)
            if options.classes == nil && shared.config == nil { c.classes = [0, 1, 2, 3, 4] }
            if shared.epochs == nil && shared.config == nil { c.epochs = 3 }
            if options.backbone == nil && shared.config == nil { c.backbone = "smallcnn" }
            if shared.batchSize == nil && shared.config == nil { c.batchSize = 64 }
            let entry = name ?? Self.defaultName(architecture: c.backbone, data: c.data, classes: c.classes ?? [])
            let info = try Self.pretrain(c, name: entry, label: "rung pretrain")
            print("kept \(entry) in \(c.zoo)/: \(entry).safetensors (\(info.parameters) parameters) and \(entry).json; fine-tune it with --backbone \(entry)")
        } catch {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode(1)
        }
    }

    /// Trains `config.backbone` from scratch (full strategy) with terminal output and keeps its
    /// backbone in `config.zoo` as `name`.
    static func pretrain(_ config: ImageTrialConfig, name: String, label: String) throws(FineTuneError) -> PretrainedBackboneInfo {
        guard ["smallcnn", "resnet"].contains(config.backbone) else {
            throw FineTuneError(.invalidOptions, "--backbone is \"\(config.backbone)\"; pretrain trains an architecture from scratch: smallcnn or resnet")
        }
        var c = config
        c.strategy = .full
        let classes = c.classes ?? []
        let result = try ImageTrainer.run(c, label: label)
        let model = result.model
        let dataName = c.data == ImageTrialConfig.fashionMNISTDirectory ? "Fashion-MNIST" : c.data
        let range = classes.isEmpty ? "all classes" : "classes " + describe(classes)
        let info = PretrainedBackboneInfo(
            name: name, architecture: c.backbone, inputShape: model.backbone.inputShape, featureCount: model.backbone.featureCount,
            parameters: model.body.parameterCount, sourceTask: "\(dataName) \(range) (\(result.classNames.joined(separator: ", ")))",
            data: c.data, classes: classes, classNames: result.classNames, date: ISO8601DateFormatter().string(from: Date()),
            accuracy: result.test?.accuracy ?? .nan, epochs: result.completedEpochs)
        try PretrainedZoo.save(model, info: info, to: c.zoo)
        return info
    }

    /// `5-9` for a run of consecutive classes, else `5,7,9`.
    static func describe(_ classes: [Int]) -> String {
        if classes.count > 1, classes == Array(classes[0]...classes[classes.count - 1]) { return "\(classes[0])–\(classes.last!)" }
        return classes.map(String.init).joined(separator: ",")
    }

    /// `smallcnn-fmnist-0-4`.
    static func defaultName(architecture: String, data: String, classes: [Int]) -> String {
        let d = data == ImageTrialConfig.fashionMNISTDirectory ? "fmnist" : URL(fileURLWithPath: data).lastPathComponent
        let c = classes.isEmpty ? "all" : describe(classes).replacingOccurrences(of: "–", with: "-").replacingOccurrences(of: ",", with: "_")
        return "\(architecture)-\(d)-\(c)"
    }
}
