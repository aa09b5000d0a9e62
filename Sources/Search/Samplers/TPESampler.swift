// The Tree-structured Parzen Estimator (Bergstra, Bardenet, Bengio & Kégl 2011, "Algorithms for
// Hyper-Parameter Optimization", NeurIPS) with BOHB's fidelity rule (Falkner, Klein & Hutter 2018,
// "BOHB: Robust and Efficient Hyperparameter Optimization at Scale", ICML): model the highest rung
// that has enough results. Per-dimension densities, or a joint product kernel per observation
// (`multivariate`, as in Falkner et al. 2018 and Optuna's multivariate TPE); running trials join
// the bad set (a constant liar, Ginsbourger et al. 2010) so parallel workers do not pile up on the
// same region.

import Foundation

/// TPE: split the modelled rung's results at the γ quantile into good and bad, fit a Parzen
/// density per parameter to each (l and g), draw candidates from l and keep the one maximising
/// Σ log l(x) − log g(x).
///
/// Details, each a choice where the papers leave room:
/// - Real and integer parameters live in [0, 1] (log space for log scales, see `Parameter.toUnit`);
///   kernels are Gaussians truncated to [0, 1], bandwidth by Scott's rule (1.06 σ n^−1/5) but at
///   least `Density.minimumBandwidth` (shared by l and g), times `bandwidthFactor`.
/// - Categorical parameters: counts smoothed by `priorWeight` spread evenly over the choices.
/// - Every numeric density mixes in a flat prior of weight `priorWeight`.
/// - Conditional parameters (the "tree"): a parameter's densities use only the results where it
///   was present; candidates are built in declaration order, so a child is drawn only when its
///   condition holds for the candidate.
/// - n_good = max(1, ⌈γ n⌉), with at most the last `maxObservations` results of the rung;
///   infeasible and NaN results are +∞ and land in the bad set.
/// - With probability `randomFraction`, or before any rung has min(d+2) results, a random draw.
struct TPESampler {
    let options: TPEOptions
    let space: SearchSpace

    /// The rung to model: the highest with at least `need` results, if any.
    static func modelRung(_ observations: [[RankedEntry]], need: Int) -> Int? {
        for k in stride(from: observations.count - 1, through: 0, by: -1) where observations[k].count >= need {
            return k
        }
        return nil
    }

    /// Fidelity-aware bad set (a deviation from BOHB, which uses rung k's results only): the
    /// most recent trials that have results below rung k but none at k — they did not make it up
    /// the ladder — join g(x). Without them, a rung's results are all survivors, and a value no
    /// survivor took looks good merely because l(x) has fewer observations than g(x) to outweigh
    /// the prior. At most `limit` of them, scanning at most 4·limit entries per rung.
    static func leftBehind(below k: Int, observations: [[RankedEntry]], trials: [TrialRecord], limit: Int) -> [Configuration] {
        guard limit > 0, k > 0 else { return [] }
        var out: [Configuration] = []
        var seen = Set<Int>()
        for j in stride(from: k - 1, through: 0, by: -1) {
            var scanned = 0
            for e in observations[j].reversed() {
                scanned += 1
                if scanned > 4 * limit || out.count >= limit { break }
                guard e.trial >= 0, (trials[e.trial].lastRung ?? -1) < k, seen.insert(e.trial).inserted else { continue }
                out.append(trials[e.trial].config)
            }
            if out.count >= limit { break }
        }
        return out
    }

    /// The constant liar: trials running (or queued to run again) that have no result at rung k
    /// yet, scanning back at most 4·limit trials from the newest. Their outcome is unknown; counting
    /// them as bad keeps the next suggestion away from where other workers already are.
    static func pending(below k: Int, trials: [TrialRecord], limit: Int) -> [Configuration] {
        var out: [Configuration] = []
        for t in trials.reversed().prefix(4 * max(limit, 1)) where out.count < limit {
            guard t.state == .running || t.state == .queued, (t.lastRung ?? -1) < k else { continue }
            out.append(t.config)
        }
        return out
    }

    /// Observations a rung needs before it is modelled.
    var need: Int { max(2, options.minObservations ?? (space.freeDimensions + 2)) }

    /// `observations` may hold warm-start entries: trial index −1 − j is `priors[j]`.
    func suggest(rng: inout RandomSource, observations: [[RankedEntry]], trials: [TrialRecord],
                 priors: [Configuration] = []) -> Configuration {
        func config(_ e: RankedEntry) -> Configuration { e.trial >= 0 ? trials[e.trial].config : priors[-1 - e.trial] }
        guard let k = Self.modelRung(observations, need: need) else { return space.sample(using: &rng) }
        if rng.unit() < options.randomFraction { return space.sample(using: &rng) }
        let recent = observations[k].suffix(options.maxObservations).sorted(by: RankedEntry.better)
        let nGood = min(recent.count - 1, max(1, Int((options.gamma * Double(recent.count)).rounded(.up))))
        let good = recent.prefix(nGood).map(config)
        var bad = recent.dropFirst(nGood).map(config)
        bad += Self.leftBehind(below: k, observations: observations, trials: trials,
                               limit: max(0, options.maxObservations - bad.count))
        if options.constantLiar { bad += Self.pending(below: k, trials: trials, limit: options.maxObservations) }
        if options.multivariate {
            return JointDensity.suggest(space: space, good: good, bad: bad, options: options, rng: &rng)
        }
        var models: [String: (l: Density, g: Density)] = [:]
        for p in space.parameters where p.isFree {
            let l = good.compactMap { $0[p.name] }, g = bad.compactMap { $0[p.name] }
            let floor = Density.minimumBandwidth(p, observations: l.count + g.count)
            models[p.name] = (Density(p, l, options, minBandwidth: floor), Density(p, g, options, minBandwidth: floor))
        }
        var best: Configuration = [:]
        var bestScore = -Double.infinity
        for _ in 0..<max(1, options.candidates) {
            var c: Configuration = [:]
            var score = 0.0
            for p in space.parameters where p.isActive(in: c) {
                guard let m = models[p.name] else { c[p.name] = p.sample(using: &rng); continue }
                let v = m.l.draw(&rng)
                c[p.name] = v
                score += m.l.logDensity(v) - m.g.logDensity(v)
            }
            if score > bestScore { bestScore = score; best = c }
        }
        return best
    }
}

/// A one-parameter Parzen density: truncated Gaussians in unit space, or smoothed counts.
struct Density {
    let parameter: Parameter
    let prior: Double
    /// Numeric: kernel centres in [0, 1].
    var centres: [Double] = []
    var bandwidth: Double = 1
    /// Per centre: 1 / (h √(2π) · mass of its Gaussian inside [0, 1]).
    var scales: [Double] = []
    /// Categorical: probability per choice.
    var probabilities: [Double] = []

    /// The smallest kernel bandwidth, shared by l and g so neither looks better merely by being
    /// wider: 1/min(100, n + 1) for n results of the parameter in l and g together, and for
    /// integers at least half a step's width (a kernel covers its own value).
    static func minimumBandwidth(_ p: Parameter, observations n: Int) -> Double {
        var floor = 1 / Double(min(100, n + 1))
        if case .integer(let lo, let hi, let step, _) = p.domain {
            let values = Double((hi - lo) / step + 1)
            floor = max(floor, 0.5 / values)
        }
        return floor
    }

    init(_ p: Parameter, _ values: [ParameterValue], _ o: TPEOptions, minBandwidth: Double) {
        parameter = p
        prior = o.priorWeight
        if case .categorical(let choices) = p.domain {
            var counts = Array(repeating: 0.0, count: choices.count)
            for v in values { counts[Int(p.toUnit(v))] += 1 }
            let total = Double(values.count) + prior
            probabilities = counts.map { ($0 + prior / Double(choices.count)) / total }
            return
        }
        centres = values.map { p.toUnit($0) }
        let n = Double(centres.count)
        var h = 1.0
        if centres.count >= 2 {
            let mean = centres.reduce(0, +) / n
            let sd = (centres.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / (n - 1)).squareRoot()
            h = 1.06 * sd * pow(n, -0.2)
        }
        bandwidth = min(1, max(h, minBandwidth)) * o.bandwidthFactor
        let bw = bandwidth
        scales = centres.map { mu in
            let mass = Density.phi((1 - mu) / bw) - Density.phi(-mu / bw)
            return 1 / (bw * (2 * Double.pi).squareRoot() * max(mass, 1e-12))
        }
    }

    /// A value drawn from the density.
    func draw(_ rng: inout RandomSource) -> ParameterValue {
        if !probabilities.isEmpty {
            var u = rng.unit(), i = 0
            while i < probabilities.count - 1 && u >= probabilities[i] { u -= probabilities[i]; i += 1 }
            return parameter.fromUnit(Double(i))
        }
        let w = rng.unit() * (prior + Double(centres.count))
        if w < prior || centres.isEmpty { return parameter.fromUnit(rng.unit()) }
        let mu = centres[min(centres.count - 1, Int(w - prior))]
        for _ in 0..<16 {
            let x = mu + bandwidth * rng.normal()
            if x >= 0 && x <= 1 { return parameter.fromUnit(x) }
        }
        return parameter.fromUnit(mu)
    }

    /// log of the density at `v` (numeric densities at v's unit coordinate).
    func logDensity(_ v: ParameterValue) -> Double {
        if !probabilities.isEmpty { return log(probabilities[Int(parameter.toUnit(v))]) }
        let u = parameter.toUnit(v)
        var sum = prior   // the flat prior has density 1 on [0, 1]
        let inv = 1 / bandwidth
        for (mu, scale) in zip(centres, scales) {
            let z = (u - mu) * inv
            if z * z < 60 { sum += exp(-0.5 * z * z) * scale }   // beyond ~7.7 h a kernel adds < 1e-13
        }
        return log(sum / (prior + Double(centres.count)))
    }

    /// The standard normal CDF.
    static func phi(_ x: Double) -> Double { 0.5 * erfc(-x / 2.0.squareRoot()) }
}


/// The multivariate Parzen estimator: one product kernel per observation over all free parameters
/// (truncated Gaussians in unit space per numeric dimension, with Scott's-rule bandwidths per set;
/// Aitchison–Aitken kernels on categoricals), mixed with a flat prior of weight `priorWeight`.
/// Candidates are drawn from l(x) — pick a component, perturb every dimension around it — and the
/// one maximising log l(x) − log g(x) is kept. Correlations between parameters (a learning rate
/// that suits one optimizer) survive, which per-dimension densities lose.
struct JointDensity {
    let space: SearchSpace
    let parameters: [Parameter]
    /// Per observation, per parameter: unit coordinate (numeric), choice index (categorical), or nil (absent).
    let points: [[Double?]]
    /// Per parameter: numeric bandwidth, or categorical keep-probability's complement λ.
    let widths: [Double]
    let prior: Double

    init(space: SearchSpace, configs: [Configuration], options: TPEOptions, floorCount: Int) {
        self.space = space
        let free = space.parameters.filter(\.isFree)
        parameters = free
        prior = options.priorWeight
        let points = configs.map { c in free.map { p in c[p.name].map { p.toUnit($0) } } }
        self.points = points
        var w: [Double] = []
        for (j, p) in free.enumerated() {
            let xs = points.compactMap { $0[j] }
            let n = Double(xs.count)
            if case .categorical(let choices) = p.domain {
                let k = Double(choices.count)
                w.append(k > 1 ? min((k - 1) / k, (k - 1) / k / (1 + n).squareRoot() * 2) : 0)
                continue
            }
            var h = 1.0
            if xs.count >= 2 {
                let mean = xs.reduce(0, +) / n
                let sd = (xs.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / (n - 1)).squareRoot()
                // Scott's rule for a d-dimensional product kernel: n^(−1/(d+4)).
                h = 1.06 * sd * pow(n, -1 / Double(free.count + 4))
            }
            w.append(min(1, max(h, Density.minimumBandwidth(p, observations: floorCount))) * options.bandwidthFactor)
        }
        widths = w
    }

    /// log density at `c` (dimensions absent in `c` or in an observation contribute a factor 1).
    func logDensity(_ c: Configuration) -> Double {
        let x = parameters.map { p in c[p.name].map { p.toUnit($0) } }
        var sum = prior
        for o in points {
            var logK = 0.0
            for j in parameters.indices {
                guard let u = x[j], let mu = o[j] else { continue }
                if case .categorical(let choices) = parameters[j].domain {
                    let k = Double(choices.count)
                    logK += Foundation.log(u == mu ? 1 - widths[j] : widths[j] / max(k - 1, 1))
                } else {
                    let h = widths[j]
                    let z = (u - mu) / h
                    let mass = Density.phi((1 - mu) / h) - Density.phi(-mu / h)
                    logK += -0.5 * z * z - Foundation.log(h * (2 * Double.pi).squareRoot() * max(mass, 1e-12))
                }
                if logK < -700 { break }
            }
            if logK > -700 { sum += exp(logK) }
        }
        // The prior is flat: density 1 on numeric dimensions, 1/k on categorical ones.
        return Foundation.log(sum / (prior + Double(points.count)))
    }

    /// A configuration drawn from the mixture.
    func draw(_ rng: inout RandomSource) -> Configuration {
        let w = rng.unit() * (prior + Double(points.count))
        if w < prior || points.isEmpty { return space.sample(using: &rng) }
        let o = points[min(points.count - 1, Int(w - prior))]
        var c: Configuration = [:]
        var free = 0
        for p in space.parameters where p.isActive(in: c) {
            guard p.isFree else { c[p.name] = p.sample(using: &rng); continue }
            let j = free
            free += 1
            guard let mu = o[j] else { c[p.name] = p.sample(using: &rng); continue }
            if case .categorical(let choices) = p.domain {
                if choices.count > 1 && rng.unit() < widths[j] {
                    var other = rng.index(below: choices.count - 1)
                    if other >= Int(mu) { other += 1 }
                    c[p.name] = p.fromUnit(Double(other))
                } else { c[p.name] = p.fromUnit(mu) }
                continue
            }
            var value = p.fromUnit(mu)
            for _ in 0..<16 {
                let x = mu + widths[j] * rng.normal()
                if x >= 0 && x <= 1 { value = p.fromUnit(x); break }
            }
            c[p.name] = value
        }
        return c
    }

    static func suggest(space: SearchSpace, good: [Configuration], bad: [Configuration], options: TPEOptions,
                        rng: inout RandomSource) -> Configuration {
        let n = good.count + bad.count
        let l = JointDensity(space: space, configs: good, options: options, floorCount: n)
        let g = JointDensity(space: space, configs: bad, options: options, floorCount: n)
        var best: Configuration = [:]
        var bestScore = -Double.infinity
        for _ in 0..<max(1, options.candidates) {
            let c = l.draw(&rng)
            let score = l.logDensity(c) - g.logDensity(c)
            if score > bestScore { bestScore = score; best = c }
        }
        return best
    }
}
