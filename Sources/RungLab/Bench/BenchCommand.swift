// `rung bench mlp`: training throughput of MLPs with AdamW on random data, the Rung side of
// scripts/bench-mlp.sh (which runs PyTorch beside it). A benchmark that prints figures, never a
// test. Left out: inference latency and memory, which later benchmarks add.

import ArgumentParser
import FineTune
import Foundation
import Tensors

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Benchmarks of the training core.",
        subcommands: [BenchMLPCommand.self, BenchTextCommand.self, BenchCNNCommand.self, BenchEfficientNetCommand.self])
}

/// One benchmarked network: layer widths and batch size.
struct MLPBenchCase {
    var name: String
    var widths: [Int]
    var batch: Int

    static let all = [
        MLPBenchCase(name: "30-256-256-2/b64", widths: [30, 256, 256, 2], batch: 64),
        MLPBenchCase(name: "784-512-256-10/b128", widths: [784, 512, 256, 10], batch: 128),
    ]
}

struct BenchMLPCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mlp",
        abstract: "Training steps per second of 30→256→256→2 (batch 64) and 784→512→256→10 (batch 128) MLPs with AdamW.",
        discussion: "Compare with PyTorch through scripts/bench-mlp.sh, which runs both at 1 and 2 threads in a release build.")

    @OptionGroup var clock: BenchClockOptions
    private var threads: Int { clock.threads }
    private var seconds: Double { clock.seconds }
    @Option(help: "Untimed warmup steps per case.")
    var warmup: Int = 50
    @Option(help: "Run only the cases whose name contains this text (e.g. 784).")
    var only: String?
    @Flag(help: "Print one JSON object per case instead of a table.")
    var json = false

    func run() throws {
        guard warmup >= 0 else {
            FileHandle.standardError.write(Data("error: --warmup is \(warmup); it must be ≥ 0\n".utf8))
            throw ExitCode(1)
        }
        clock.apply()
        if !json { print("case                   threads    steps/s   samples/s") }
        for c in MLPBenchCase.all where only.map({ c.name.contains($0) }) ?? true {
            let (steps, elapsed) = measure(c)
            let stepsPerSecond = Double(steps) / elapsed
            if json {
                print(#"{"impl": "rung", "case": "\#(c.name)", "threads": \#(threads), "steps_per_s": \#(stepsPerSecond), "samples_per_s": \#(stepsPerSecond * Double(c.batch))}"#)
            } else {
                print(c.name.padding(toLength: 22, withPad: " ", startingAt: 0)
                      + String(format: " %7d %10.1f %11.1f", threads, stepsPerSecond, stepsPerSecond * Double(c.batch)))
            }
        }
    }

    /// Runs warmup steps, then whole steps for at least `seconds`; returns (steps, seconds).
    func measure(_ c: MLPBenchCase) -> (Int, Double) {
        var rng = SplitMix64(seed: 42)
        let model = MLP(inputs: c.widths[0], hidden: Array(c.widths.dropFirst().dropLast()), outputs: c.widths.last!,
                        dropout: 0, generator: &rng)
        let x = Tensor.normal([c.batch, c.widths[0]], using: &rng)
        let labels = (0..<c.batch).map { _ in rng.uniform(below: c.widths.last!) }
        let step = BenchTrainingStep(model, input: x, labels: labels, optimizerThreads: threads)
        let timed = timedRuns(seconds: seconds, warmup: warmup, chunk: 10) { step() }
        return (timed.runs, timed.seconds)
    }
}
