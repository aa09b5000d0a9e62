// Parameter importances: a small random forest of regression trees (CART, variance reduction,
// bootstrap samples) fitted to (configuration in unit coordinates → loss), and permutation
// importance on each tree's out-of-bag trials (Breiman 2001): how much worse a tree predicts when
// one parameter's column is shuffled. Seeded, so the same trials give the same bars.
import Foundation
import RungBasics
import Search

/// A fitted forest's importances for a set of named features.
public struct ImportanceResult: Sendable, Equatable {
    /// Feature name and share of the total importance (the shares sum to 1, or all are 0).
    public var importances: [(name: String, importance: Double)]
    /// What the importances were computed on, for people.
    public var note: String

    /// Fewest rows a forest is fitted on.
    public static let minimumTrials = 6

    public static func == (a: ImportanceResult, b: ImportanceResult) -> Bool {
        a.note == b.note && a.importances.map(\.name) == b.importances.map(\.name)
            && a.importances.map(\.importance) == b.importances.map(\.importance)
    }
}

/// Random-forest permutation importance.
public enum ForestImportance {
    /// Importances of the columns of `features` (rows × columns, any scale) for predicting
    /// `targets`; `names` label the columns. Sorted by importance, largest first.
    public static func compute(features: [[Double]], targets: [Double], names: [String], trees: Int = 48,
                               seed: UInt64 = 0x5EED, note: String = "") -> ImportanceResult {
        let n = features.count, d = names.count
        guard n >= ImportanceResult.minimumTrials, d > 0, targets.count == n else {
            return ImportanceResult(importances: [], note: note)
        }
        var rng = SplitMix64(seed: seed)
        var increase = [Double](repeating: 0, count: d)
        var used = 0
        for _ in 0..<trees {
            var inBag = [Bool](repeating: false, count: n)
            let sample = (0..<n).map { _ -> Int in let i = rng.uniform(below: n); inBag[i] = true; return i }
            let oob = (0..<n).filter { !inBag[$0] }
            guard oob.count >= 2 else { continue }
            let tree = RegressionTree.fit(rows: sample, features: features, targets: targets,
                                          featuresPerSplit: max(1, Int((Double(d) * 0.6).rounded(.up))), rng: &rng)
            let base = mse(tree, oob.map { features[$0] }, oob.map { targets[$0] })
            for j in 0..<d {
                var shuffled = oob.map { features[$0] }
                var column = shuffled.map { $0[j] }
                rng.shuffle(&column)
                for k in shuffled.indices { shuffled[k][j] = column[k] }
                increase[j] += mse(tree, shuffled, oob.map { targets[$0] }) - base
            }
            used += 1
        }
        guard used > 0 else { return ImportanceResult(importances: [], note: note) }
        let clipped = increase.map { max($0 / Double(used), 0) }
        let total = clipped.reduce(0, +)
        let shares = clipped.map { total > 0 ? $0 / total : 0 }
        let rows = zip(names, shares).map { (name: $0.0, importance: $0.1) }
            .sorted { $0.importance != $1.importance ? $0.importance > $1.importance : $0.name < $1.name }
        return ImportanceResult(importances: rows, note: note)
    }

    static func mse(_ tree: RegressionTree, _ xs: [[Double]], _ ys: [Double]) -> Double {
        zip(xs, ys).reduce(0) { acc, p in let e = tree.predict(p.0) - p.1; return acc + e * e } / Double(max(ys.count, 1))
    }

    /// Importances of a study's searched parameters for its objective, on the lowest rung where
    /// at least `minimumTrials` trials have a value: values at different rungs do not compare, and
    /// the trials promoted to higher rungs are a biased sample (all near the best), on which a
    /// parameter that matters everywhere looks flat.
    public static func of(_ s: StudySnapshot) -> ImportanceResult? {
        guard let params = s.study?.space.parameters.filter(\.isFree), !params.isEmpty else { return nil }
        let rungs = s.rungResources
        for k in rungs.indices {
            let epoch = Int(rungs[k].rounded())
            var xs: [[Double]] = [], ys: [Double] = []
            for t in s.trials {
                guard let r = t.rung, r >= k,
                      let v = s.curves[t.id]?.last(where: { $0.epoch <= epoch })?.value ?? (r == k ? t.value : nil),
                      v.isFinite else { continue }
                xs.append(params.map { p in t.config[p.name].map(p.toUnit) ?? -1 })
                ys.append(s.loss(v))
            }
            if xs.count >= ImportanceResult.minimumTrials {
                return compute(features: xs, targets: ys, names: params.map(\.name),
                               note: "random forest, permutation importance · \(s.info.objective) at rung \(k) · \(xs.count) trials")
            }
        }
        return nil
    }
}

/// A regression tree grown by variance reduction (CART), leaves predicting their mean.
struct RegressionTree {
    indirect enum Node {
        case leaf(Double)
        case split(feature: Int, threshold: Double, left: Node, right: Node)
    }
    let root: Node

    func predict(_ x: [Double]) -> Double {
        var node = root
        while true {
            switch node {
            case .leaf(let v): return v
            case .split(let f, let t, let l, let r): node = x[f] <= t ? l : r
            }
        }
    }

    static func fit(rows: [Int], features: [[Double]], targets: [Double], featuresPerSplit: Int,
                    maxDepth: Int = 8, minLeaf: Int = 2, rng: inout SplitMix64) -> RegressionTree {
        RegressionTree(root: grow(rows, features, targets, featuresPerSplit, maxDepth, minLeaf, &rng))
    }

    private static func grow(_ rows: [Int], _ xs: [[Double]], _ ys: [Double], _ m: Int, _ depth: Int, _ minLeaf: Int,
                             _ rng: inout SplitMix64) -> Node {
        let mean = rows.reduce(0) { $0 + ys[$1] } / Double(rows.count)
        guard depth > 0, rows.count >= 2 * minLeaf else { return .leaf(mean) }
        let d = xs[rows[0]].count
        var candidates = Array(0..<d)
        rng.shuffle(&candidates)
        var best: (gain: Double, feature: Int, threshold: Double)?
        let total = rows.reduce(0) { $0 + ys[$1] }, totalSq = rows.reduce(0) { $0 + ys[$1] * ys[$1] }
        let parentSSE = totalSq - total * total / Double(rows.count)
        for f in candidates.prefix(m) {
            let sorted = rows.sorted { xs[$0][f] < xs[$1][f] }
            var sum = 0.0, sq = 0.0
            for (i, r) in sorted.enumerated().dropLast() {
                sum += ys[r]; sq += ys[r] * ys[r]
                let nl = Double(i + 1), nr = Double(sorted.count - i - 1)
                guard i + 1 >= minLeaf, sorted.count - i - 1 >= minLeaf,
                      xs[sorted[i + 1]][f] > xs[r][f] else { continue }
                let sse = (sq - sum * sum / nl) + ((totalSq - sq) - (total - sum) * (total - sum) / nr)
                let gain = parentSSE - sse
                if gain > (best?.gain ?? 1e-12) {
                    best = (gain, f, (xs[r][f] + xs[sorted[i + 1]][f]) / 2)
                }
            }
        }
        guard let best else { return .leaf(mean) }
        let left = rows.filter { xs[$0][best.feature] <= best.threshold }
        let right = rows.filter { xs[$0][best.feature] > best.threshold }
        return .split(feature: best.feature, threshold: best.threshold,
                      left: grow(left, xs, ys, m, depth - 1, minLeaf, &rng),
                      right: grow(right, xs, ys, m, depth - 1, minLeaf, &rng))
    }
}
