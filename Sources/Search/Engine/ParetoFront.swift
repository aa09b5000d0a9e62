// Two-objective view of finished trials: the Pareto front of the objective and a second metric.
// `ParetoFront.indices` is the pure O(n log n) sweep over (loss, loss) points that the engine, the
// study store and `rung best --pareto` share; the schedulers never use it (they rank by the first
// objective only). Leaves out which points are eligible (the callers filter: feasible, finished).

/// The non-dominated subset of points where both coordinates are losses (smaller is better).
public enum ParetoFront {
    /// Indices of `points` not dominated by another point (another is no worse on both coordinates
    /// and better on one), sorted along the front: first coordinate ascending, then second, then
    /// index. Equal points are all kept. Points with a NaN coordinate are left out.
    public static func indices(_ points: [(Double, Double)]) -> [Int] {
        let order = points.indices.filter { !points[$0].0.isNaN && !points[$0].1.isNaN }.sorted {
            (points[$0].0, points[$0].1, $0) < (points[$1].0, points[$1].1, $1)
        }
        var front: [Int] = []
        var bestSecond = Double.infinity
        var last: (Double, Double)?
        for i in order {
            let p = points[i]
            // Sorted by the first coordinate, a point is on the front exactly when its second
            // coordinate beats every earlier point's, or it equals the last point kept.
            if p.1 < bestSecond || (last.map { $0 == p } ?? false) || (front.isEmpty && p.1 == .infinity) {
                front.append(i)
                bestSecond = min(bestSecond, p.1)
                last = p
            }
        }
        return front
    }

    /// `value` of a metric in `direction` as a loss (smaller is better).
    public static func loss(_ value: Double, _ direction: Direction) -> Double {
        direction == .minimize ? value : -value
    }
}

extension SearchEngine {
    /// Trials that reached the maximum resource with a feasible result carrying the secondary
    /// metric, not dominated by another such trial (no worse on both objectives and better on
    /// one), in order of the first objective. Empty when the study has no secondary objective.
    /// Equal points are all kept.
    public func paretoFront() -> [TrialRecord] {
        guard let second = study.objective.secondary else { return [] }
        let top = ladder.rungs.count - 1
        var points: [(Double, Double)] = []
        var ids: [Int] = []
        for t in trials {
            guard let r = t.lastResult, r.rung == top, r.feasible, r.loss < .infinity,
                  let m = r.metrics[second.metric], !m.isNaN else { continue }
            points.append((r.loss, ParetoFront.loss(m, second.direction)))
            ids.append(t.id.rawValue)
        }
        return ParetoFront.indices(points).map { trials[ids[$0]] }
    }
}
