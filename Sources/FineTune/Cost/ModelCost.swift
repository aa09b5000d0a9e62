// What a model costs to keep and to run, measured beside its accuracy: parameters (total and
// trainable), inference latency (median ms per input at batch 1, evaluation mode, no autograd,
// after warm-up runs), throughput at batch 64, and memory of the weights (parameters + buffers,
// 4 bytes each). Activation memory is not measured (the tensor core keeps no allocation count).
import Foundation
import Tensors

/// A model's cost figures.
public struct ModelCost: Sendable, Hashable, Codable {
    /// Parameter elements of the model as it runs (e.g. backbone + head).
    public var paramsTotal: Int
    /// Parameter elements the trial trains (at its end).
    public var paramsTrainable: Int
    /// Median wall-clock milliseconds of one forward pass on one input.
    public var latencyMs: Double
    /// Inputs per second in forward passes of `throughputBatch` inputs.
    public var imagesPerSecond: Double
    /// Bytes of parameters and buffers, in MiB (activations not included).
    public var memoryMB: Double

    public init(paramsTotal: Int, paramsTrainable: Int, latencyMs: Double, imagesPerSecond: Double, memoryMB: Double) {
        self.paramsTotal = paramsTotal; self.paramsTrainable = paramsTrainable
        self.latencyMs = latencyMs; self.imagesPerSecond = imagesPerSecond; self.memoryMB = memoryMB
    }

    /// The metric-line fields: `params_total`, `params_trainable`, `latency_ms`, `images_per_s`, `memory_mb`.
    public var fields: [String: Double] {
        ["params_total": Double(paramsTotal), "params_trainable": Double(paramsTrainable), "latency_ms": latencyMs,
         "images_per_s": imagesPerSecond, "memory_mb": memoryMB]
    }

    /// Batch size of the throughput measurement.
    public static let throughputBatch = 64

    /// Measures `model` on inputs made by `input(batch)` (one input of the model's shape per
    /// row). The model is switched to evaluation mode and back to training mode afterwards.
    /// `warmup` runs precede at least `runs` timed runs at batch 1; batch 64 is timed over
    /// `throughputRuns` runs after one warm-up.
    public static func measure(_ model: any Module, trainable: Int? = nil, size: (parameters: Int, bufferValues: Int)? = nil,
                               input: (Int) -> Tensor, warmup: Int = 3, runs: Int = 15, throughputRuns: Int = 2) -> ModelCost {
        let total = size?.parameters ?? model.parameterCount
        let bytes = (total + (size?.bufferValues ?? model.namedBuffers().reduce(0) { $0 + $1.tensor.count })) * MemoryLayout<Float>.size
        model.eval()
        defer { model.train() }
        return Autograd.withoutGrad {
            let one = input(1)
            for _ in 0..<warmup { _ = model(one).scalars }
            // At least `runs` runs, more (up to 200) until 0.2 s have passed: a median over many
            // runs is steadier on a shared machine.
            var times: [Double] = []
            let started = DispatchTime.now().uptimeNanoseconds
            while times.count < max(1, runs) || (times.count < 200 && DispatchTime.now().uptimeNanoseconds - started < 200_000_000) {
                let t0 = DispatchTime.now().uptimeNanoseconds
                _ = model(one).scalars
                times.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6)
            }
            let batch = input(throughputBatch)
            _ = model(batch).scalars
            let t0 = DispatchTime.now().uptimeNanoseconds
            for _ in 0..<max(1, throughputRuns) { _ = model(batch).scalars }
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
            return ModelCost(paramsTotal: total, paramsTrainable: trainable ?? total, latencyMs: median(times),
                             imagesPerSecond: Double(throughputBatch * max(1, throughputRuns)) / max(seconds, 1e-9),
                             memoryMB: Double(bytes) / 1_048_576)
        }
    }

    /// The median of `values` (mean of the two middle ones for an even count).
    static func median(_ values: [Double]) -> Double {
        let s = values.sorted()
        guard !s.isEmpty else { return .nan }
        return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
    }
}
