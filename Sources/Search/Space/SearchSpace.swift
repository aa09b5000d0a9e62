// The search space: named parameters with their domains, some present only under a condition on
// an earlier parameter. Sampling uniformly, the unit-cube coordinates TPE works in, and the grid
// points of each parameter live here. Leaves out how a sampler chooses among them.

import Foundation

/// The set of values a parameter may take.
public enum Domain: Sendable, Codable, Equatable {
    /// A real number uniform in [low, high].
    case uniform(low: Double, high: Double)
    /// A real number whose logarithm is uniform in [log low, log high] (low > 0).
    case logUniform(low: Double, high: Double)
    /// An integer low, low+step, …, ≤ high; with `log`, its logarithm is uniform (step must be 1).
    case integer(low: Int, high: Int, step: Int, log: Bool)
    /// One of the listed values, each equally likely.
    case categorical([ParameterValue])
    /// Always this value.
    case fixed(ParameterValue)
}

/// A condition on an earlier parameter: it must be present and take one of `values`.
public struct Condition: Sendable, Codable, Equatable {
    /// The parent parameter's name.
    public var parent: String
    /// The parent's values under which the condition holds.
    public var values: [ParameterValue]
    /// Makes a condition.
    public init(parent: String, values: [ParameterValue]) { self.parent = parent; self.values = values }

    /// Whether `config` satisfies it (an absent parent does not).
    public func holds(in config: Configuration) -> Bool {
        guard let v = config[parent] else { return false }
        return values.contains { $0.matches(v) }
    }
}

extension ParameterValue {
    /// Equality that also equates numbers across cases (`.int(3)` matches `.double(3)`).
    public func matches(_ other: ParameterValue) -> Bool {
        if self == other { return true }
        switch (self, other) {
        case (.int, .double), (.double, .int): return numeric == other.numeric
        default: return false
        }
    }
}

/// How a parameter is enumerated by the grid sampler.
public enum GridSpec: Sendable, Codable, Equatable {
    /// Exactly these values.
    case values([ParameterValue])
    /// This many evenly spaced points (geometrically for log scales), both ends included.
    case points(Int)
}

/// One named parameter.
public struct Parameter: Sendable, Codable, Equatable {
    /// Its name (the key in a `Configuration`).
    public var name: String
    /// Its values.
    public var domain: Domain
    /// All must hold for the parameter to be present; empty = always present.
    public var conditions: [Condition]
    /// How the grid sampler enumerates it; nil: categorical, fixed and integer domains enumerate
    /// all their values, real domains must say.
    public var grid: GridSpec?

    /// Makes a parameter.
    public init(_ name: String, _ domain: Domain, when conditions: [Condition] = [], grid: GridSpec? = nil) {
        self.name = name; self.domain = domain; self.conditions = conditions; self.grid = grid
    }

    private enum CodingKeys: String, CodingKey { case name, domain, conditions, grid }

    /// Decodes, then gives grid values their domain's type back (JSON writes 0.0 as 0).
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(String.self, forKey: .name)
        domain = try c.decode(Domain.self, forKey: .domain)
        conditions = try c.decode([Condition].self, forKey: .conditions)
        grid = try c.decodeIfPresent(GridSpec.self, forKey: .grid)
        if case .values(let vs) = grid { grid = .values(vs.map(canonical)) }
    }

    /// `value` in the type its domain samples: a whole number decoded as `.int` becomes `.double`
    /// in a real domain and vice versa (JSON does not keep the difference). Others unchanged.
    public func canonical(_ value: ParameterValue) -> ParameterValue {
        switch (domain, value) {
        case (.uniform, .int(let x)), (.logUniform, .int(let x)): return .double(Double(x))
        case (.integer, .double(let x)) where x.rounded() == x && abs(x) < 1e15: return .int(Int(x))
        case (.categorical(let choices), _): return choices.first { $0.matches(value) } ?? value
        case (.fixed(let v), _): return v.matches(value) ? v : value
        default: return value
        }
    }

    /// Whether the parameter is present in a configuration whose earlier parameters are `config`.
    public func isActive(in config: Configuration) -> Bool { conditions.allSatisfy { $0.holds(in: config) } }

    /// Whether the sampler has a choice to make (not `.fixed`, not a one-value domain).
    public var isFree: Bool {
        if case .fixed = domain { return false }
        return true
    }

    /// A value drawn uniformly from the domain (log-uniformly for log scales).
    public func sample(using rng: inout RandomSource) -> ParameterValue {
        switch domain {
        case .uniform, .logUniform, .integer(_, _, _, true):
            return fromUnit(rng.unit())
        case .integer(let low, let high, let step, false):
            return .int(low + step * rng.index(below: (high - low) / step + 1))
        case .categorical(let choices):
            return choices[rng.index(below: choices.count)]
        case .fixed(let v):
            return v
        }
    }

    /// Whether `value` lies in the domain.
    public func contains(_ value: ParameterValue) -> Bool {
        switch domain {
        case .uniform(let lo, let hi), .logUniform(let lo, let hi):
            guard let x = value.numeric, case .double = value else { return false }
            return x >= lo && x <= hi
        case .integer(let lo, let hi, let step, _):
            guard case .int(let x) = value else { return false }
            return x >= lo && x <= hi && (x - lo) % step == 0
        case .categorical(let choices):
            return choices.contains(value)
        case .fixed(let v):
            return v == value
        }
    }

    /// For real and integer domains: the value's coordinate in [0, 1] (in log space for log
    /// scales; integers cover [low − ½step, high + ½step]). For categorical: the choice index.
    /// Fixed: 0.
    public func toUnit(_ value: ParameterValue) -> Double {
        switch domain {
        case .uniform(let lo, let hi):
            return hi > lo ? ((value.numeric ?? lo) - lo) / (hi - lo) : 0.5
        case .logUniform(let lo, let hi):
            return hi > lo ? (Foundation.log(value.numeric ?? lo) - Foundation.log(lo)) / (Foundation.log(hi) - Foundation.log(lo)) : 0.5
        case .integer(let lo, let hi, let step, let isLog):
            let x = value.numeric ?? Double(lo)
            let a = Double(lo) - 0.5 * Double(step), b = Double(hi) + 0.5 * Double(step)
            if isLog { return (Foundation.log(x) - Foundation.log(a)) / (Foundation.log(b) - Foundation.log(a)) }
            return (x - a) / (b - a)
        case .categorical(let choices):
            return Double(choices.firstIndex(of: value) ?? 0)
        case .fixed:
            return 0
        }
    }

    /// The inverse of `toUnit` for real and integer domains (u in [0, 1], clamped; integers round
    /// to the nearest step); for categorical, u is the choice index.
    public func fromUnit(_ x: Double) -> ParameterValue {
        if case .categorical(let choices) = domain { return choices[min(max(Int(x), 0), choices.count - 1)] }
        let u = min(max(x, 0), 1)
        switch domain {
        case .uniform(let lo, let hi):
            return .double(min(max(lo + u * (hi - lo), lo), hi))
        case .logUniform(let lo, let hi):
            return .double(min(max(exp(Foundation.log(lo) + u * (Foundation.log(hi) - Foundation.log(lo))), lo), hi))
        case .integer(let lo, let hi, let step, let isLog):
            let a = Double(lo) - 0.5 * Double(step), b = Double(hi) + 0.5 * Double(step)
            let x = isLog ? exp(Foundation.log(a) + u * (Foundation.log(b) - Foundation.log(a))) : a + u * (b - a)
            let k = ((x - Double(lo)) / Double(step)).rounded()
            let top = (hi - lo) / step
            return .int(lo + step * min(max(Int(k), 0), top))
        case .categorical(let choices):
            return choices[0]   // handled above
        case .fixed(let v):
            return v
        }
    }

    /// The values the grid sampler enumerates, in order. Nil when a real domain has no `grid`.
    public func gridValues() -> [ParameterValue]? {
        if case .values(let vs) = grid { return vs }
        let points: Int? = { if case .points(let n) = grid { return n }; return nil }()
        switch domain {
        case .fixed(let v): return [v]
        case .categorical(let choices): return choices
        case .integer(let lo, let hi, let step, _):
            guard let n = points else { return stride(from: lo, through: hi, by: step).map { .int($0) } }
            var out: [ParameterValue] = []
            for i in 0..<n {
                let v = fromUnit(n == 1 ? 0.5 : unitEnd(i, n))
                if !out.contains(v) { out.append(v) }
            }
            return out
        case .uniform, .logUniform:
            guard let n = points else { return nil }
            if n == 1 { return [fromUnit(0.5)] }
            return (0..<n).map { fromUnit(Double($0) / Double(n - 1)) }
        }
    }

    /// i-th of n points spanning the integer range's ends exactly (not the half-step margins).
    private func unitEnd(_ i: Int, _ n: Int) -> Double {
        guard case .integer(let lo, let hi, _, _) = domain else { return 0 }
        let a = toUnit(.int(lo)), b = toUnit(.int(hi))
        return a + (b - a) * Double(i) / Double(n - 1)
    }
}

/// An ordered list of parameters; a conditional parameter comes after its parents.
public struct SearchSpace: Sendable, Codable, Equatable {
    /// The parameters in declaration order.
    public var parameters: [Parameter]

    /// Makes a space (parents must come before their children; `Study.parse` checks this).
    public init(_ parameters: [Parameter]) { self.parameters = parameters }

    /// Parameters the sampler chooses (not fixed): TPE's d.
    public var freeDimensions: Int { parameters.filter(\.isFree).count }

    /// The parameter named `name`.
    public subscript(name: String) -> Parameter? { parameters.first { $0.name == name } }

    /// A configuration drawn uniformly: each active parameter in declaration order.
    public func sample(using rng: inout RandomSource) -> Configuration {
        var config: Configuration = [:]
        for p in parameters where p.isActive(in: config) {
            config[p.name] = p.sample(using: &rng)
        }
        return config
    }

    /// Each value in the type its domain samples (see `Parameter.canonical`): apply to a
    /// configuration that went through JSON.
    public func canonical(_ config: Configuration) -> Configuration {
        var out = config
        for p in parameters { if let v = config[p.name] { out[p.name] = p.canonical(v) } }
        return out
    }

    /// Whether `config` holds exactly the active parameters, each inside its domain.
    public func isValid(_ config: Configuration) -> Bool {
        var seen: Configuration = [:]
        for p in parameters {
            let active = p.isActive(in: seen)
            guard let v = config[p.name] else {
                if active { return false }
                continue
            }
            guard active, p.contains(v) else { return false }
            seen[p.name] = v
        }
        return seen.count == config.count
    }
}
