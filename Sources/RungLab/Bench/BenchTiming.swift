// What the `rung bench` subcommands share: their thread, time and allocator options, a clock loop
// that runs a piece of work until a time has passed, and one AdamW training step on a fixed batch.
import ArgumentParser
import FineTune
import Foundation
import Tensors

/// The options every `rung bench` subcommand of the training core takes: BLAS threads, timed
/// seconds and the allocator setting, checked before anything runs.
struct BenchClockOptions: ParsableArguments {
    @Option(help: "BLAS threads (and the worker pool's).")
    var threads: Int = 1
    @Option(help: "Timed seconds per case (at least this long, whole steps).")
    var seconds: Double = 3
    @Flag(inversion: .prefixedNo, help: "Keep freed memory in the allocator between steps (AllocatorTuning.keepFreedMemory).")
    var keepFreedMemory = true

    func validate() throws {
        guard threads >= 1 else { throw ValidationError("--threads is \(threads); it must be ≥ 1") }
        guard seconds > 0 else { throw ValidationError("--seconds is \(seconds); it must be > 0") }
    }

    /// Puts the thread count and the allocator setting in force.
    func apply() {
        BLAS.setThreads(threads)
        if keepFreedMemory { AllocatorTuning.keepFreedMemory() }
    }
}

/// Runs `body` `warmup` times untimed, then in chunks of `chunk` runs until at least `seconds` have
/// passed (the clock is read between chunks); returns the timed runs and the seconds they took.
func timedRuns(seconds: Double, warmup: Int = 0, chunk: Int = 1, _ body: () -> Void) -> (runs: Int, seconds: Double) {
    for _ in 0..<warmup { body() }
    let start = DispatchTime.now().uptimeNanoseconds
    var runs = 0
    var elapsed = 0.0
    repeat {
        for _ in 0..<chunk { body() }
        runs += chunk
        elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    } while elapsed < seconds
    return (runs, elapsed)
}

/// One training step of `model` on a fixed batch: zeroed gradients, cross-entropy, backward, AdamW
/// at lr 1e-3 (its update kernels on `threads` threads when given).
final class BenchTrainingStep {
    private let model: any Module
    private let params: [(name: String, tensor: Tensor)]
    private let input: Tensor
    private let labels: [Int]
    private var optimizer = Optimizer(settings: .adamW(), learningRate: 1e-3)

    init(_ model: any Module, input: Tensor, labels: [Int], optimizerThreads: Int? = nil) {
        self.model = model
        self.params = model.namedParameters()
        self.input = input
        self.labels = labels
        if let optimizerThreads { optimizer.threads = optimizerThreads }
    }

    func callAsFunction() {
        for (_, t) in params { t.zeroGrad() }
        Tensor.crossEntropy(logits: model(input), labels: labels).backward()
        optimizer.step(params)
    }
}
