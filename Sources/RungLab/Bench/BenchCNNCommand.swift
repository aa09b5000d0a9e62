// `rung bench cnn`: training throughput of the small CNN (conv 3×3 32 → max-pool → conv 3×3 64 →
// max-pool → linear 10) on 1×28×28 inputs, batch 64, AdamW, random data; the Rung side of
// scripts/bench/cnn_torch.py. A benchmark that prints figures, never a test.

import ArgumentParser
import FineTune
import Foundation
import Tensors

struct BenchCNNCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cnn",
        abstract: "Training steps per second of the small CNN (1×28×28, batch 64, AdamW).",
        discussion: "Compare with PyTorch: python3 scripts/bench/cnn_torch.py --threads N, run right after in a release build.")

    @OptionGroup var clock: BenchClockOptions
    private var threads: Int { clock.threads }
    private var seconds: Double { clock.seconds }
    @Option(help: "Untimed warmup steps.")
    var warmup: Int = 5
    @Option(help: "Batch size.")
    var batch: Int = 64
    @Option(help: "Network: small-cnn (the PyTorch twin's) or small-resnet (no PyTorch twin).")
    var model: String = "small-cnn"

    func run() throws {
        guard model == "small-cnn" || model == "small-resnet" else {
            FileHandle.standardError.write(Data("error: --model is \"\(model)\"; accepted: small-cnn, small-resnet\n".utf8))
            throw ExitCode(1)
        }
        guard warmup >= 0, batch >= 1 else {
            FileHandle.standardError.write(Data("error: --batch must be ≥ 1 and --warmup ≥ 0 (got \(batch), \(warmup))\n".utf8))
            throw ExitCode(1)
        }
        clock.apply()
        var rng = SplitMix64(seed: 42)
        let network: any Module = model == "small-cnn" ? SmallCNN(generator: &rng) : SmallResNet(generator: &rng)
        let x = Tensor.normal([batch, 1, 28, 28], using: &rng)
        let labels = (0..<batch).map { _ in rng.uniform(below: 10) }
        let step = BenchTrainingStep(network, input: x, labels: labels)
        let (steps, elapsed) = timedRuns(seconds: seconds, warmup: warmup) { step() }
        let name = model == "small-cnn" ? "small CNN" : "small ResNet"
        print(name + String(format: "  batch %d  threads %d  %.2f steps/s", batch, threads, Double(steps) / elapsed))
    }
}
