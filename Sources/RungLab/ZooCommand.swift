// `rung zoo import`: converts a PyTorch checkpoint (zip or legacy format) to safetensors with the
// same tensor names, without Python and without executing pickled code.
// `rung zoo list`: the backbones of the zoo with their sizes and the origin of their weights.

import ArgumentParser
import FineTune
import Foundation

struct ZooCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "zoo",
        abstract: "Pretrained backbones and their weights.",
        subcommands: [ZooListCommand.self, ZooImportCommand.self])
}

struct ZooImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Convert a PyTorch checkpoint's tensors to a safetensors file.",
        discussion: """
            Reads torch.save files of a state dict in the zip format (PyTorch ≥ 1.6) or the legacy \
            format, tensors only: pickled code is never executed, and any global other than those that \
            rebuild tensors is refused. Tensor names are kept; F16 and BF16 tensors are widened to F32; \
            entries that are not tensors (an epoch number) are left out and listed.
            Example: rung zoo import data/models/efficientnet-lite0-57934424.pth --out data/models/efficientnet-lite0.safetensors
            """)

    @Argument(help: "The PyTorch checkpoint (.pth / .pt).")
    var checkpoint: String
    @Option(help: "The safetensors file to write (replaced if present).")
    var out: String

    func run() throws {
        let source = URL(fileURLWithPath: checkpoint), destination = URL(fileURLWithPath: out)
        do {
            let (ckpt, widened) = try TorchCheckpoint.importToSafeTensors(source, destination: destination)
            let elements = ckpt.tensors.values.reduce(0) { $0 + $1.count }
            print("wrote \(out): \(ckpt.names.count) tensors, \(elements) elements")
            if !widened.isEmpty { print("widened to F32: \(widened.joined(separator: ", "))") }
            if !ckpt.skipped.isEmpty { print("left out (not tensors): \(ckpt.skipped.joined(separator: ", "))") }
        } catch {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode(1)
        }
    }
}

struct ZooListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List the backbones: parameters, input size, source task, where the weights come from.",
        discussion: "Built-in image backbones first, then the pretrained text encoders, then the backbones `rung pretrain` kept in the zoo directory.")

    @Option(help: "Zoo directory of pretrained backbones.")
    var zoo = "zoo"

    func run() throws {
        for e in ZooCatalog.entries {
            let model = e.make(e.classes, 0)
            let weights = e.weightsFile.map { FileManager.default.fileExists(atPath: $0) ? "\($0) (present)" : "\($0) (absent)" } ?? "-"
            print(e.name)
            print("  parameters   \(model.parameterCount) (with its \(e.classes)-class head)")
            print("  input        \(e.inputShape.map(String.init).joined(separator: "×"))")
            print("  features     \(model.featureCount) (\(model.blocks.count) blocks for gradual unfreezing)")
            print("  taps         \(model.tapChannels.enumerated().map { "\($0.offset + 1): \($0.element)" }.joined(separator: ", ")) channels (--feature-taps)")
            print("  source task  \(e.sourceTask)")
            print("  weights      \(e.weightsSource)")
            print("  file         \(weights)")
        }
        for e in TextZoo.entries {
            let file = e.directory + "/model.safetensors"
            let c = e.config
            print(e.name)
            print("  parameters   \(TextZoo.parameterCount(c)) (text encoder: \(c.numHiddenLayers) layers, hidden \(c.hiddenSize), \(c.numAttentionHeads) heads, FFN \(c.intermediateSize))")
            print("  input        token ids, up to \(c.maxPositionEmbeddings) per text (uncased WordPiece, \(c.vocabSize) entries)")
            print("  features     \(c.hiddenSize) (\(e.pooling); \(c.numHiddenLayers) layers for gradual unfreezing)")
            print("  source task  \(e.sourceTask)")
            print("  weights      \(e.weightsSource)")
            print("  file         \(file) (\(FileManager.default.fileExists(atPath: file) ? "present" : "absent"))")
        }
        for e in PretrainedZoo.list(zoo) {
            print(e.name)
            print("  parameters   \(e.parameters) (backbone, \(e.featureCount) features; a new head is added per task)")
            print("  input        \(e.inputShape.map(String.init).joined(separator: "×"))")
            print("  source task  \(e.sourceTask)")
            print("  weights      rung pretrain (\(e.architecture), \(e.epochs) epochs, \(e.date)), source test accuracy \(String(format: "%.4f", e.accuracy))")
            print("  file         \(zoo)/\(e.name).safetensors")
        }
    }
}
