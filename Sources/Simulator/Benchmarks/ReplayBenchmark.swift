// Replays recorded learning curves: a simulated trial answers with the curve of a recorded trial,
// chosen as the recorded configuration nearest to the sampled one (in the study's own unit space:
// log scales in log space, categoricals matched exactly) or by drawing recorded trials in order.
// Where a configuration was recorded with several seeds, a trial replays one seed's curve (noise
// injection) while its true value is the mean. Leaves out reading the file (RecordedCurves) and any
// interpolation across configurations: a replayed curve is always one real run's curve.
import Foundation
import Search

/// Recorded curves played back as a benchmark (`replay:FILE`).
public struct ReplayBenchmark: Benchmark {
    /// How a simulated trial is matched to a recorded one.
    public enum Matching: String, Sendable {
        /// The recorded trial whose configuration is nearest: categorical values must match exactly
        /// (when no recorded trial has them all, the fewest mismatches win), numeric values by
        /// squared distance in the study's unit space (log space for log scales); ties go to the
        /// earlier recorded trial.
        case nearest
        /// Simulated trial i replays recorded trial i mod n, whatever its configuration.
        case inOrder = "in-order"
    }

    /// Which recorded seed a trial replays, where a configuration has several.
    public enum Noise: String, Sendable {
        /// Each simulated trial replays one seed's curve, drawn from its trial id and `noiseSeed`:
        /// reports carry real seed-to-seed noise; the true value is the mean over seeds.
        case resample
        /// Every trial replays the mean curve over seeds (no noise).
        case mean
    }

    /// The name it is selected by.
    public let name: String
    /// Which way its values are better.
    public let direction: ObjectiveDirection
    /// The best value at the maximum resource (of the mean curve over seeds).
    public let optimum: Double?
    /// The curves played back.
    public let curves: RecordedCurves
    /// How trials are matched.
    public let matching: Matching
    /// How seeds are replayed.
    public let noise: Noise
    /// Mixed into the choice of a replayed seed.
    public let noiseSeed: UInt64
    /// The study's maximum resource: the final value is read there.
    public let maxResource: Double
    /// Virtual seconds per epoch for recordings without a `seconds` column.
    public let secondsPerEpoch: Double
    /// When set, every epoch costs this many virtual seconds, whatever the recording says.
    public let costPerEpoch: Double?
    /// Unit coordinates of each recorded trial's numeric parameters, in `numericKeys` order.
    private let points: [[Double]]
    /// Numeric parameters and how they map to [0, 1].
    private let numericKeys: [(name: String, unit: @Sendable (ParameterValue) -> Double)]
    /// Categorical parameters compared exactly.
    private let categoricalKeys: [String]
    /// Recorded trials by their categorical values (joined descriptions).
    private let groups: [String: [Int]]

    /// A replay of `curves`, whose values are better in `direction`.
    ///
    /// With `space` (the study's search space), matching uses the space's scales and every free
    /// parameter must be a recorded `param.<name>` column; without it, numeric columns are
    /// range-normalised (in log space when all values are positive and span a factor ≥ 100).
    /// - Throws: `SimulatorError.badRecording` when `maxResource` lies beyond the last recorded
    ///   epoch, or a parameter of `space` is not recorded.
    public init(name: String, curves: RecordedCurves, direction: ObjectiveDirection, maxResource: Double,
                matching: Matching = .nearest, space: SearchSpace? = nil, noise: Noise = .resample,
                noiseSeed: UInt64 = 0, secondsPerEpoch: Double = 60, costPerEpoch: Double? = nil) throws {
        self.name = name
        self.curves = curves
        self.direction = direction
        self.maxResource = maxResource
        self.matching = matching
        self.noise = noise
        self.noiseSeed = noiseSeed
        self.secondsPerEpoch = secondsPerEpoch
        self.costPerEpoch = costPerEpoch
        let last = curves.maxEpoch
        guard maxResource <= last * (1 + 1e-9) else {
            throw SimulatorError(.badRecording,
                "the study's max_resource is \(maxResource) but \(name) records epochs up to \(last); set budget.max_resource ≤ \(last) (epochs past the recording were never run)")
        }
        let recorded = curves.parameterNames
        var numeric: [(name: String, unit: @Sendable (ParameterValue) -> Double)] = []
        var categorical: [String] = []
        if let space {
            let missing = space.parameters.filter { $0.isFree && !recorded.contains($0.name) }.map(\.name)
            if !missing.isEmpty {
                throw SimulatorError(.badRecording,
                    "the study's parameter\(missing.count == 1 ? "" : "s") \(missing.map { "`\($0)`" }.joined(separator: ", ")) \(missing.count == 1 ? "is" : "are") not recorded in \(name); its param.* columns are: \(recorded.joined(separator: ", ")) (rename the study's parameters to match)")
            }
            for p in space.parameters where p.isFree {
                if case .categorical = p.domain { categorical.append(p.name) } else {
                    let param = p
                    numeric.append((p.name, { v in param.toUnit(v) }))
                }
            }
        } else {
            for key in recorded {
                let values = curves.trials.compactMap { $0.config[key] }
                let numbers = values.compactMap(\.numeric)
                guard numbers.count == values.count, let lo = numbers.min(), let hi = numbers.max() else {
                    categorical.append(key); continue
                }
                if lo > 0 && hi / lo >= 100 {
                    let a = Foundation.log(lo), span = max(Foundation.log(hi) - a, 1e-12)
                    numeric.append((key, { v in ((v.numeric.map { Foundation.log(max($0, 1e-300)) } ?? a) - a) / span }))
                } else {
                    let span = max(hi - lo, 1e-12)
                    numeric.append((key, { v in ((v.numeric ?? lo) - lo) / span }))
                }
            }
        }
        numericKeys = numeric
        categoricalKeys = categorical
        points = curves.trials.map { t in numeric.map { k in t.config[k.name].map(k.unit) ?? .nan } }
        var g: [String: [Int]] = [:]
        for (i, t) in curves.trials.enumerated() {
            g[Self.categoricalKey(t.config, categorical), default: []].append(i)
        }
        groups = g
        optimum = curves.trials.map { $0.value(at: maxResource) }.filter { !$0.isNaN }
            .reduce(nil as Double?) { best, v in best.map { direction.isBetter(v, than: $0) ? v : $0 } ?? v }
    }

    private static func categoricalKey(_ config: Configuration, _ keys: [String]) -> String {
        keys.map { config[$0]?.description ?? "\u{1}" }.joined(separator: "\u{0}")
    }

    /// The index of the recorded trial that simulated trial `trial` with `config` replays.
    public func recordedIndex(trial: TrialID, config: Configuration) -> Int {
        switch matching {
        case .inOrder:
            return trial.rawValue % curves.trials.count
        case .nearest:
            let x = numericKeys.map { k in config[k.name].map(k.unit) ?? .nan }
            let candidates: [Int]
            var penalty: [Int: Double] = [:]
            if let exact = groups[Self.categoricalKey(config, categoricalKeys)] {
                candidates = exact
            } else {
                candidates = Array(curves.trials.indices)
                for i in candidates {
                    let c = curves.trials[i].config
                    penalty[i] = Double(categoricalKeys.filter { c[$0]?.description != config[$0]?.description }.count) * 1e6
                }
            }
            var best = candidates[0], bestDistance = Double.infinity
            for i in candidates {
                var d = penalty[i] ?? 0
                let p = points[i]
                for j in x.indices {
                    let a = x[j], b = p[j]
                    if a.isNaN || b.isNaN { d += a.isNaN && b.isNaN ? 0 : 1 } else { d += (a - b) * (a - b) }
                }
                if d < bestDistance { best = i; bestDistance = d }
            }
            return best
        }
    }

    /// The recorded trial that simulated trial `trial` with `config` replays.
    public func recorded(trial: TrialID, config: Configuration) -> RecordedTrial {
        curves.trials[recordedIndex(trial: trial, config: config)]
    }

    /// The recorded seed (index) simulated trial `trial` replays on recorded trial `rec`.
    public func seed(trial: TrialID, of rec: RecordedTrial) -> Int {
        guard noise == .resample, rec.seedCount > 1 else { return 0 }
        var z = UInt64(truncatingIfNeeded: trial.rawValue) &+ noiseSeed &* 0x9E37_79B9_7F4A_7C15 &+ 0x632B_E59B_D9B4_E019
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        z ^= z >> 31
        return Int(z % UInt64(rec.seedCount))
    }

    /// The recorded trial's id (and seed, as `id#seed`, where several were recorded) that this
    /// simulated trial replays.
    public func recordedID(trial: TrialID, config: Configuration) -> String? {
        let rec = recorded(trial: trial, config: config)
        return rec.seedCount > 1 && noise == .resample ? "\(rec.id)#\(seed(trial: trial, of: rec))" : rec.id
    }

    /// The value reported at `resource` (see `Benchmark`): one recorded seed's curve.
    public func value(trial: TrialID, config: Configuration, resource: Double) -> Double {
        let rec = recorded(trial: trial, config: config)
        return rec.value(at: resource, seed: seed(trial: trial, of: rec))
    }

    /// The other metrics reported at `resource` (see `Benchmark`).
    public func metrics(trial: TrialID, config: Configuration, resource: Double) -> MetricValues {
        recorded(trial: trial, config: config).metrics(at: resource)
    }

    /// The mean over recorded seeds at the maximum resource (see `Benchmark`).
    public func trueFinalValue(trial: TrialID, config: Configuration) -> Double {
        recorded(trial: trial, config: config).value(at: maxResource)
    }

    /// Virtual seconds from `fromResource` to `toResource` (see `Benchmark`).
    public func cost(trial: TrialID, config: Configuration, fromResource: Double, toResource: Double) -> Double {
        if let costPerEpoch { return costPerEpoch * max(0, toResource - fromResource) }
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
