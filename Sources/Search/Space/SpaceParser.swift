// The `space:` section's syntax. Each key is a parameter; its value is a mapping with `type`
// (uniform | loguniform | int | categorical | fixed) and the type's keys, or a shorthand: a list
// is categorical, a single value is fixed. `when: {parent: [values]}` makes it conditional.

import Yams

struct SpaceParser {
    let r: YAMLReader

    static let types = ["uniform", "loguniform", "int", "categorical", "fixed"]

    func parameter(_ name: String, _ node: Node, earlier: [Parameter]) throws -> Parameter {
        let path = "space.\(name)"
        switch node {
        case .sequence(let seq):
            return Parameter(name, try categorical(seq, path))
        case .scalar:
            return Parameter(name, .fixed(try r.value(node, path)))
        default:
            break
        }
        let m = try r.mapping(node, path, allowed: ["type", "low", "high", "step", "log", "choices", "value",
                                                    "when", "grid", "points"])
        let typeNode = try r.required(m, "type", path, "it must be one of \(Self.types.joined(separator: ", "))")
        let type = try r.string(typeNode, "\(path).type")
        func key(_ k: String) -> Node? { r.optional(m, k) }
        func reject(_ keys: [String]) throws {
            for k in keys { if let n = key(k) { throw r.error("\(path).\(k)", n, "`\(path).\(k)` does not apply to a \(type) parameter") } }
        }
        let domain: Domain
        switch type {
        case "uniform", "loguniform":
            try reject(["step", "log", "choices", "value"])
            let lowNode = try r.required(m, "low", path, "a \(type) parameter needs low and high")
            let highNode = try r.required(m, "high", path, "a \(type) parameter needs low and high")
            let lo = try r.double(lowNode, "\(path).low"), hi = try r.double(highNode, "\(path).high")
            if type == "loguniform" && lo <= 0 {
                throw r.error("\(path).low", lowNode, "`\(path).low` is \(r.describe(lowNode)); a loguniform parameter needs 0 < low < high")
            }
            guard hi > lo else {
                throw r.error("\(path).high", highNode, "`\(path).high` is \(r.describe(highNode)); it must be greater than low (\(r.describe(lowNode)))")
            }
            domain = type == "uniform" ? .uniform(low: lo, high: hi) : .logUniform(low: lo, high: hi)
        case "int":
            try reject(["choices", "value"])
            let lowNode = try r.required(m, "low", path, "an int parameter needs low and high")
            let highNode = try r.required(m, "high", path, "an int parameter needs low and high")
            let lo = try r.int(lowNode, "\(path).low"), hi = try r.int(highNode, "\(path).high")
            let step = try key("step").map { try r.int($0, "\(path).step", "it must be an integer ≥ 1") } ?? 1
            let isLog = try key("log").map { try r.bool($0, "\(path).log") } ?? false
            guard step >= 1 else { throw r.error("\(path).step", key("step"), "`\(path).step` is \(step); it must be an integer ≥ 1") }
            guard hi >= lo else { throw r.error("\(path).high", highNode, "`\(path).high` is \(hi); it must be ≥ low (\(lo))") }
            guard (hi - lo) % step == 0 else {
                throw r.error("\(path).high", highNode, "`\(path).high` is \(hi); with low \(lo) and step \(step) it must be low + a multiple of step (e.g. \(lo + (hi - lo) / step * step))")
            }
            if isLog && lo < 1 { throw r.error("\(path).low", lowNode, "`\(path).low` is \(lo); an int parameter with log: true needs low ≥ 1") }
            if isLog && step != 1 { throw r.error("\(path).step", key("step"), "`\(path).step` is \(step); an int parameter with log: true needs step 1") }
            domain = .integer(low: lo, high: hi, step: step, log: isLog)
        case "categorical":
            try reject(["low", "high", "step", "log", "value", "points"])
            let c = try r.required(m, "choices", path, "a categorical parameter needs a list of choices")
            guard case .sequence(let seq) = c else {
                throw r.error("\(path).choices", c, "`\(path).choices` is \(r.describe(c)); it must be a list such as [adam, sgd]")
            }
            domain = try categorical(seq, "\(path).choices")
        case "fixed":
            try reject(["low", "high", "step", "log", "choices", "points", "grid"])
            domain = .fixed(try r.value(try r.required(m, "value", path, "a fixed parameter needs a value"), "\(path).value"))
        default:
            throw r.error("\(path).type", typeNode, "`\(path).type` is \(type); it must be one of \(Self.types.joined(separator: ", "))")
        }
        var p = Parameter(name, domain)
        if let g = key("grid") {
            guard case .sequence(let seq) = g, !seq.isEmpty else {
                throw r.error("\(path).grid", g, "`\(path).grid` is \(r.describe(g)); it must be a non-empty list of values inside the domain")
            }
            var values: [ParameterValue] = []
            for (i, item) in seq.enumerated() {
                var v = try r.value(item, "\(path).grid[\(i)]")
                if case .uniform = domain, case .int(let x) = v { v = .double(Double(x)) }
                if case .logUniform = domain, case .int(let x) = v { v = .double(Double(x)) }
                guard p.contains(v) else { throw r.error("\(path).grid[\(i)]", item, "`\(path).grid[\(i)]` is \(v); it is outside the parameter's domain") }
                values.append(v)
            }
            p.grid = .values(values)
        }
        if let n = key("points") {
            guard p.grid == nil else { throw r.error("\(path).points", n, "`\(path)` gives both grid and points; give one") }
            let k = try r.int(n, "\(path).points", "it must be an integer ≥ 1")
            guard k >= 1 else { throw r.error("\(path).points", n, "`\(path).points` is \(k); it must be an integer ≥ 1") }
            p.grid = .points(k)
        }
        if let w = key("when") { p.conditions = try conditions(w, "\(path).when", earlier: earlier) }
        return p
    }

    func categorical(_ seq: Node.Sequence, _ path: String) throws -> Domain {
        guard !seq.isEmpty else { throw SearchError(.invalidStudy, "`\(path)` is an empty list; it must hold at least one choice", keyPath: path, source: r.source) }
        var choices: [ParameterValue] = []
        for (i, item) in seq.enumerated() {
            let v = try r.value(item, "\(path)[\(i)]")
            guard !choices.contains(v) else { throw r.error("\(path)[\(i)]", item, "`\(path)[\(i)]` repeats \(v); each choice must appear once") }
            choices.append(v)
        }
        return .categorical(choices)
    }

    func conditions(_ node: Node, _ path: String, earlier: [Parameter]) throws -> [Condition] {
        var out: [Condition] = []
        for (parent, values) in try r.mapping(node, path) {
            let cpath = "\(path).\(parent)"
            guard let p = earlier.first(where: { $0.name == parent }) else {
                throw r.error(cpath, values, "`\(cpath)` names no parameter declared before this one; a condition's parent must come earlier in `space`")
            }
            var list: [ParameterValue] = []
            if case .sequence(let seq) = values {
                for (i, item) in seq.enumerated() { list.append(try r.value(item, "\(cpath)[\(i)]")) }
            } else {
                list = [try r.value(values, cpath)]
            }
            for v in list where !p.contains(v) && !(v.numeric != nil && p.contains(.double(v.numeric!))) {
                throw r.error(cpath, values, "`\(cpath)` lists \(v), which `\(parent)` can never take")
            }
            out.append(Condition(parent: parent, values: list))
        }
        return out
    }
}
