// Replays recorded learning curves: a simulated trial answers with the curve of a recorded trial,
// chosen either as the recorded configuration nearest to the sampled one or by drawing recorded
// trials in order. Leaves out reading the file (RecordedCurves) and any interpolation across
// configurations: a replayed curve is always one trial's real curve.
import Foundation
import Search

/// Recorded curves played back as a benchmark (`replay:FILE`).
public struct ReplayBenchmark: Benchmark {
    /// How a simulated trial is matched to a recorded one.
    public enum Matching: String, Sendable {
        /// The recorded trial whose configuration is nearest (numbers by range-normalised distance,
        /// other values by mismatch); ties go to the earlier recorded trial.
        case nearest
        /// Simulated trial i replays recorded trial i mod n, whatever its configuration.
        case inOrder = "in-order"
    }

    /// The name it is selected by.
    public let name: String
    /// Which way its values are better.
    public let direction: ObjectiveDirection
    /// The best value at the maximum resource.
    public let optimum: Double?
    /// The curves played back.
    public let curves: RecordedCurves
    /// How trials are matched.
    public let matching: Matching
    /// The study's maximum resource: the final value is read there.
    public let maxResource: Double
    /// Virtual seconds per epoch for recordings without a `seconds` column.
    public let secondsPerEpoch: Double
    private let ranges: [String: Double]

    /// A replay of `curves`, whose values are better in `direction`.
    public init(name: String, curves: RecordedCurves, direction: ObjectiveDirection, maxResource: Double,
                matching: Matching = .nearest, secondsPerEpoch: Double = 60) {
        self.name = name
        self.curves = curves
        self.direction = direction
        self.maxResource = maxResource
        self.matching = matching
        self.secondsPerEpoch = secondsPerEpoch
        var lows: [String: Double] = [:], highs: [String: Double] = [:]
        for trial in curves.trials {
            for (key, value) in trial.config {
                guard let v = value.numeric else { continue }
                lows[key] = min(lows[key] ?? v, v)
                highs[key] = max(highs[key] ?? v, v)
            }
        }
        ranges = lows.reduce(into: [:]) { r, kv in r[kv.key] = max(highs[kv.key]! - kv.value, 1e-12) }
        optimum = curves.trials.map { $0.value(at: maxResource) }
            .reduce(nil as Double?) { best, v in best.map { direction.isBetter(v, than: $0) ? v : $0 } ?? v }
    }

    /// The recorded trial that simulated trial `trial` with `config` replays.
    public func recorded(trial: TrialID, config: Configuration) -> RecordedTrial {
        switch matching {
        case .inOrder:
            return curves.trials[trial.rawValue % curves.trials.count]
        case .nearest:
            var best = 0, bestDistance = Double.infinity
            for (i, candidate) in curves.trials.enumerated() {
                let d = distance(config, candidate.config)
                if d < bestDistance { best = i; bestDistance = d }
            }
            return curves.trials[best]
        }
    }

    /// Squared distance between two configurations over the union of their parameters.
    func distance(_ a: Configuration, _ b: Configuration) -> Double {
        var total = 0.0
        for key in Set(a.keys).union(b.keys) {
            switch (a[key], b[key]) {
            case let (x?, y?):
                if let u = x.numeric, let v = y.numeric {
                    let d = (u - v) / (ranges[key] ?? 1)
                    total += d * d
                } else {
                    total += x.description == y.description ? 0 : 1
                }
            default:
                total += 1
            }
        }
        return total
    }

    /// The value reported at `resource` (see `Benchmark`).
    public func value(trial: TrialID, config: Configuration, resource: Double) -> Double {
        recorded(trial: trial, config: config).value(at: resource)
    }

    /// The other metrics reported at `resource` (see `Benchmark`).
    public func metrics(trial: TrialID, config: Configuration, resource: Double) -> [String: Double] {
        recorded(trial: trial, config: config).metrics(at: resource)
    }

    /// The noise-free value at the maximum resource (see `Benchmark`).
    public func trueFinalValue(trial: TrialID, config: Configuration) -> Double {
        recorded(trial: trial, config: config).value(at: maxResource)
    }

    /// Virtual seconds from `fromResource` to `toResource` (see `Benchmark`).
    public func cost(trial: TrialID, config: Configuration, fromResource: Double, toResource: Double) -> Double {
        let rec = recorded(trial: trial, config: config)
        guard let seconds = rec.seconds, let lastEpoch = rec.epochs.last else {
            return secondsPerEpoch * max(0, toResource - fromResource)
        }
        // Sum the recorded epochs in (from, to]; epochs past the recording cost the mean epoch.
        var total = 0.0
        for (epoch, s) in zip(rec.epochs, seconds) where epoch > fromResource && epoch <= toResource { total += s }
        if toResource > lastEpoch {
            let mean = seconds.reduce(0, +) / Double(seconds.count)
            total += mean * (toResource - max(lastEpoch, fromResource))
        }
        return total
    }
}
