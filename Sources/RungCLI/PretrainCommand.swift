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
            Trains --backbone (an architecture: smallcnn) on --classes of --data with every training image \
            (less --validation-per-class), tests it on the t10k images of those classes, then writes \
            <zoo>/<name>.safetensors (the backbone's weights, its classifier left out) and <zoo>/<name>.json \
            (architecture, input shape, source task, classes, date, accuracy). `rung zoo list --zoo DIR` shows \
            the entry; trials use it with `backbone: <name>`.
            Example: rung pretrain --classes 0-4 --epochs 3 --name fmnist-0-4-smallcnn
            """)

    @OptionGroup var options: ImageTrainingOptions
    @Option(help: "Name of the zoo entry (default <architecture>-<data>-<classes>, e.g. smallcnn-fmnist-0-4).")
    var name: String?

    func run() throws {
        do {
            var c = try options.makeConfig()
            if options.classes == nil && options.config == nil { c.classes = [0, 1, 2, 3, 4] }
            if options.epochs == nil && options.config == nil { c.epochs = 3 }
            if options.backbone == nil { c.backbone = "smallcnn" }
            guard ["smallcnn"].contains(c.backbone) else {
                throw FineTuneError(.invalidOptions, "--backbone is \"\(c.backbone)\"; pretrain trains an architecture from scratch: smallcnn")
            }
            c.strategy = .full
            let classes = c.classes ?? []
            let entry = name ?? Self.defaultName(architecture: c.backbone, data: c.data, classes: classes)
            let result = try ImageTrainer.run(c, label: "rung pretrain")
            let model = result.model
            let date = ISO8601DateFormatter().string(from: Date())
            let dataName = c.data == ImageTrialConfig.fashionMNISTDirectory ? "Fashion-MNIST" : c.data
            let range = classes.isEmpty ? "all classes" : "classes " + Self.describe(classes)
            let info = PretrainedBackboneInfo(
                name: entry, architecture: c.backbone, inputShape: model.backbone.inputShape, featureCount: model.backbone.featureCount,
                parameters: model.body.parameterCount, sourceTask: "\(dataName) \(range) (\(result.classNames.joined(separator: ", ")))",
                data: c.data, classes: classes, classNames: result.classNames, date: date, accuracy: result.test?.accuracy ?? .nan,
                epochs: result.completedEpochs)
            try PretrainedZoo.save(model, info: info, to: c.zoo)
            print("kept \(entry) in \(c.zoo)/: \(entry).safetensors (\(info.parameters) parameters) and \(entry).json; fine-tune it with --backbone \(entry)")
        } catch let error as FineTuneError {
            FileHandle.standardError.write(Data("error: \(error.description)\n".utf8))
            throw ExitCode(1)
        }
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
