// A configuration given by a person (`rung enqueue --config lr=0.01 layers=2`) or by an earlier
// study (warm start): parsed against the search space and checked, with errors that name the
// parameter and say what it accepts. Leaves out sampling (SearchSpace) and the engine's budget.

extension Domain {
    /// What the domain accepts, for a person: "a real number in [1e-05, 0.1] (log scale)".
    public var accepted: String {
        switch self {
        case .uniform(let lo, let hi): return "a real number in [\(lo), \(hi)]"
        case .logUniform(let lo, let hi): return "a real number in [\(lo), \(hi)] (log scale)"
        case .integer(let lo, let hi, let step, _):
            return step == 1 ? "an integer in \(lo)…\(hi)" : "an integer in \(lo)…\(hi) in steps of \(step)"
        case .categorical(let choices): return "one of " + choices.map(\.description).joined(separator: ", ")
        case .fixed(let v): return "only \(v) (it is fixed)"
        }
    }
}

extension Parameter {
    /// Reads `text` as a value of this parameter's domain (`0.01`, `3`, `adam`, `true`), or nil.
    public func value(from text: String) -> ParameterValue? {
        let candidates: [ParameterValue]
        switch domain {
        case .uniform, .logUniform:
            candidates = Double(text).map { [.double($0)] } ?? []
        case .integer:
            if let i = Int(text) { candidates = [.int(i)] }
            else if let d = Double(text), d.rounded() == d, abs(d) < 1e15 { candidates = [.int(Int(d))] }
            else { candidates = [] }
        case .categorical(let choices):
            candidates = choices.filter { $0.description == text || ($0.numeric != nil && $0.numeric == Double(text)) }
        case .fixed(let v):
            candidates = v.description == text || (v.numeric != nil && v.numeric == Double(text)) ? [v] : []
        }
        return candidates.first.map(canonical).flatMap { contains($0) ? $0 : nil }
    }
}

extension SearchSpace {
    /// Why `config` is not a configuration of this space (a parameter unknown, missing, outside
    /// its domain, or present while its condition does not hold), or nil when it is one.
    public func problem(with config: Configuration) -> String? {
        let known = Set(parameters.map(\.name))
        if let unknown = config.keys.sorted().first(where: { !known.contains($0) }) {
            return "`\(unknown)` is not a parameter of the search space; its parameters: \(parameters.map(\.name).joined(separator: ", "))"
        }
        var seen: Configuration = [:]
        for p in parameters {
            let active = p.isActive(in: seen)
            guard let raw = config[p.name] else {
                if active { return "`\(p.name)` is missing; it takes \(p.domain.accepted)" }
                continue
            }
            guard active else {
                let why = p.conditions.map { "\($0.parent) is one of \($0.values.map(\.description).joined(separator: ", "))" }
                return "`\(p.name)` applies only when \(why.joined(separator: " and ")); leave it out"
            }
            let v = p.canonical(raw)
            guard p.contains(v) else { return "`\(p.name)` is \(raw), but it takes \(p.domain.accepted)" }
            seen[p.name] = v
        }
        return nil
    }

    /// A configuration from `name=value` texts, checked against the space: fixed parameters may be
    /// left out (they take their value). Throws a `SearchError` naming the parameter and what it accepts.
    public func configuration(from assignments: [String], source: String = "--config") throws(SearchError) -> Configuration {
        var config: Configuration = [:]
        for text in assignments {
            guard let eq = text.firstIndex(of: "="), eq != text.startIndex else {
                throw SearchError(.invalidStudy, "`\(text)` is not name=value (e.g. lr=0.01)", source: source)
            }
            let name = String(text[..<eq]), raw = String(text[text.index(after: eq)...])
            guard let p = self[name] else {
                throw SearchError(.invalidStudy, "`\(name)` is not a parameter of the search space; its parameters: \(parameters.map(\.name).joined(separator: ", "))", source: source)
            }
            guard config[name] == nil else { throw SearchError(.invalidStudy, "`\(name)` is given twice", source: source) }
            guard let v = p.value(from: raw) else {
                throw SearchError(.invalidStudy, "`\(name)=\(raw)`: \(name) takes \(p.domain.accepted)", source: source)
            }
            config[name] = v
        }
        var seen: Configuration = [:]
        for p in parameters where p.isActive(in: seen) {
            if config[p.name] == nil, case .fixed(let v) = p.domain { config[p.name] = v }
            if let v = config[p.name] { seen[p.name] = v }
        }
        if let problem = problem(with: config) { throw SearchError(.invalidStudy, problem, source: source) }
        return config
    }
}
