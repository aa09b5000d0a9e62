// The grid sampler's enumeration: the cartesian product of every parameter's grid values, with
// conditional parameters expanded only where their condition holds. Order: like nested loops in
// declaration order, the first parameter varying slowest and the last fastest.

/// Every grid point of a space, in the documented order.
public enum GridSampler {
    /// The grid points in order (an empty array when some real parameter has no grid spec).
    public static func points(of space: SearchSpace) -> [Configuration] {
        var out: [Configuration] = []
        expand(space.parameters[...], [:], &out)
        return out
    }

    /// The number of grid points, computed without listing them; nil when a real parameter has
    /// no grid spec.
    public static func size(of space: SearchSpace) -> Int? {
        for p in space.parameters where p.gridValues() == nil { return nil }
        return count(space.parameters[...], [:])
    }

    private static func expand(_ rest: ArraySlice<Parameter>, _ partial: Configuration, _ out: inout [Configuration]) {
        guard let p = rest.first else { out.append(partial); return }
        let tail = rest.dropFirst()
        guard p.isActive(in: partial) else { expand(tail, partial, &out); return }
        for v in p.gridValues() ?? [] {
            var next = partial
            next[p.name] = v
            expand(tail, next, &out)
        }
    }

    // Counting must branch on parents' values (conditions), so it walks the same tree but only
    // along parameters that some later condition refers to; the others multiply.
    private static func count(_ rest: ArraySlice<Parameter>, _ partial: Configuration) -> Int {
        guard let p = rest.first else { return 1 }
        let tail = rest.dropFirst()
        guard p.isActive(in: partial) else { return count(tail, partial) }
        let values = p.gridValues() ?? []
        let isParent = tail.contains { $0.conditions.contains { $0.parent == p.name } }
        if !isParent { return values.count * count(tail, partial) }
        var total = 0
        for v in values {
            var next = partial
            next[p.name] = v
            total += count(tail, next)
        }
        return total
    }
}
