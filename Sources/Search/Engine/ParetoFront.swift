// Two-objective view of finished trials: the Pareto front of the objective and the study's
// secondary objective over feasible results at the maximum resource. Computed on demand in
// O(n log n); the schedulers never use it (they rank by the first objective only).

extension SearchEngine {
    /// Trials that reached the maximum resource with a feasible result carrying the secondary
    /// metric, not dominated by another such trial (no worse on both objectives and better on
    /// one), in order of the first objective. Empty when the study has no secondary objective.
    /// Equal points are all kept.
    public func paretoFront() -> [TrialRecord] {
        guard let second = study.objective.secondary else { return [] }
        let top = ladder.rungs.count - 1
        struct Point { var a: Double; var b: Double; var id: Int }
        var points: [Point] = []
        for t in trials {
            guard let r = t.lastResult, r.rung == top, r.feasible, r.loss < .infinity,
                  let m = r.metrics[second.metric], !m.isNaN else { continue }
            points.append(Point(a: r.loss, b: second.direction == .minimize ? m : -m, id: t.id.rawValue))
        }
        points.sort { ($0.a, $0.b, $0.id) < ($1.a, $1.b, $1.id) }
        var front: [TrialRecord] = []
        var bestB = Double.infinity
        var last: Point?
        for p in points {
            if p.b < bestB || (last.map { $0.a == p.a && $0.b == p.b } ?? false) {
                front.append(trials[p.id])
                bestB = min(bestB, p.b)
                last = p
            }
        }
        return front
    }
}
