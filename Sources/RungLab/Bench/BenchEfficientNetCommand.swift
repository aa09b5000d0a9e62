// `rung bench efficientnet`: inference latency of EfficientNet-Lite0 (random weights; the speed does
// not depend on them) at batch 1 and images per second at a larger batch, in evaluation mode.
// A benchmark that prints figures, never a test.

import ArgumentParser
import FineTune
import Foundation
import Tensors

struct BenchEfficientNetCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "efficientnet",
        abstract: "Inference speed of EfficientNet-Lite0: ms per image at batch 1, images/s at --batch.")

    @OptionGroup var clock: BenchClockOptions
    private var threads: Int { clock.threads }
    private var seconds: Double { clock.seconds }
    @Option(help: "Input height and width.")
    var size: Int = 224
    @Option(help: "Batch size of the throughput run.")
    var batch: Int = 16
    @Flag(help: "Time full fine-tuning steps instead (training mode, forward, backward, AdamW, 10 classes) at --batch.")
    var train = false

    func run() throws {
        guard size >= 8, batch >= 1 else {
            FileHandle.standardError.write(Data("error: --batch must be ≥ 1 and --size ≥ 8 (got \(batch), \(size))\n".utf8))
            throw ExitCode(1)
        }
        clock.apply()
        var rng = SplitMix64(seed: 1)
        if train { trainSteps(&rng); return }
        let model = EfficientNetLite(generator: &rng)
        model.eval()
        for n in [1, batch] {
            let x = Tensor.normal([n, 3, size, size], using: &rng)
            let (passes, elapsed) = timedRuns(seconds: seconds, warmup: 1) { _ = Autograd.withoutGrad { model(x) } }
            let perImage = elapsed / Double(passes * n)
            print(String(format: "EfficientNet-Lite0 %dx%d  batch %3d  threads %d  %8.2f ms/image  %8.1f images/s",
                         size, size, n, threads, perImage * 1000, 1 / perImage))
        }
    }

    /// Full fine-tuning steps of a 10-class EfficientNet-Lite0 at --batch, images/s.
    private func trainSteps(_ rng: inout SplitMix64) {
        let model = EfficientNetLite(classes: 10, generator: &rng)
        let x = Tensor.normal([batch, 3, size, size], using: &rng)
        let step = BenchTrainingStep(model, input: x, labels: (0..<batch).map { $0 % 10 })
        let (steps, elapsed) = timedRuns(seconds: seconds, warmup: 1) { step() }
        print(String(format: "EfficientNet-Lite0 %dx%d  fine-tune  batch %3d  threads %d  %6.2f steps/s  %8.1f images/s",
                     size, size, batch, threads, Double(steps) / elapsed, Double(steps * batch) / elapsed))
    }
}
