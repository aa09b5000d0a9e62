// `rung bench text`: steps per second of a MiniLM-sized BERT encoder (6 layers, hidden 384,
// 12 heads, FFN 1536) at sequence length 64, batch 16, random weights and tokens: full fine-tune
// (embeddings frozen), frozen encoder + trained head, and inference. scripts/bench-text.sh runs
// it beside PyTorch and prints the ratio.
import ArgumentParser
import FineTune
import Foundation
import Tensors

struct BenchTextCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "text",
        abstract: "Time a MiniLM-sized encoder: full fine-tune, frozen-encoder and inference steps per second.")

    @OptionGroup var clock: BenchClockOptions
    private var threads: Int { clock.threads }
    private var seconds: Double { clock.seconds }
    @Option(help: "Tokens per example.")
    var sequenceLength: Int = 64
    @Option(help: "Examples per step.")
    var batchSize: Int = 16
    @Option(help: "Cases to time, comma-separated: full, frozen, inference.")
    var cases: String = "full,frozen,inference"
    @Flag(help: "One JSON line per case instead of a table.")
    var json = false

    func run() throws {
        clock.apply()
        let config = BertConfig(vocabSize: 30522, hiddenSize: 384, numHiddenLayers: 6, numAttentionHeads: 12,
                                intermediateSize: 1536, maxPositionEmbeddings: 512)
        var g = SplitMix64(seed: 1)
        let ids = (0..<batchSize).map { _ in [101] + (0..<(sequenceLength - 2)).map { _ in 1000 + Int(g.next() % 20000) } + [102] }
        let mask = ids.map { $0.map { _ in 1 } }
        let labels = (0..<batchSize).map { $0 % 2 }
        let wanted = Set(cases.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) })
        let all = [("full", "full fine-tune", 6), ("frozen", "frozen encoder", 0), ("inference", "inference", -1)]
        for (key, name, trained) in all where wanted.contains(key) {
            var gen = SplitMix64(seed: 2)
            let encoder = BertEncoder(config: config, generator: &gen)
            let model = TextClassifier(encoder: encoder, classes: 2, trainedLayers: max(trained, 0), pooling: .mean, dropout: 0.1, seed: 3)
            var optimizer = Optimizer(settings: .adamW(weightDecay: 0.01), learningRate: 1e-4)
            let params = model.trainableParameters()
            let step: () -> Void
            switch trained {
            case -1:
                model.eval()
                step = { Autograd.withoutGrad { _ = model.head(encoder.pooled(ids: ids, attentionMask: mask, pooling: .mean)).scalars } }
            case 0:
                step = {
                    let pooled = Autograd.withoutGrad { encoder.pooled(ids: ids, attentionMask: mask, pooling: .mean) }
                    for (_, t) in params { t.zeroGrad() }
                    let loss = Tensor.crossEntropy(logits: model.head(pooled), labels: labels)
                    loss.backward()
                    optimizer.step(params)
                }
            default:
                step = {
                    for (_, t) in params { t.zeroGrad() }
                    let loss = Tensor.crossEntropy(logits: model.head(encoder.pooled(ids: ids, attentionMask: mask, pooling: .mean)), labels: labels)
                    loss.backward()
                    optimizer.step(params)
                }
            }
            step()
            let start = Date()
            var steps = 0
            while Date().timeIntervalSince(start) < seconds { step(); steps += 1 }
            let rate = Double(steps) / Date().timeIntervalSince(start)
            if json {
                print("{\"impl\": \"rung\", \"case\": \"\(name)\", \"threads\": \(threads), \"steps_per_s\": \(rate), \"samples_per_s\": \(rate * Double(batchSize))}")
            } else {
                print(String(format: "%-16@ %d thread(s): %7.2f steps/s", name, threads, rate))
            }
        }
    }
}
