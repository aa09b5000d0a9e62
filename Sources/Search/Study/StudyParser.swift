// The study file's schema: YAML text → validated `Study`. Every complaint names the key path and
// what is accepted; deploy/examples/study.yaml documents every key. Leaves out the task section's
// meaning (kept as a JSON-like value for the runtime).

import Yams

extension Study {
    /// Parses and validates a study file's text; `source` names it in error messages.
    public static func parse(yaml: String, source: String = "study.yaml") throws -> Study {
        let root: Node?
        do { root = try Yams.compose(yaml: yaml) } catch {
            throw SearchError(.malformedYAML, "the study file is not well-formed YAML", source: source,
                              cause: "\(error)")
        }
        guard let root else {
            throw SearchError(.invalidStudy, "the study file is empty; it must be a mapping with at least objective, budget and space", source: source)
        }
        return try StudyParser(r: YAMLReader(source: source)).study(root)
    }
}

private struct StudyParser {
    let r: YAMLReader

    func study(_ root: Node) throws -> Study {
        let top = try r.mapping(root, "", allowed: ["name", "objective", "budget", "scheduler", "sampler", "trials",
                                                    "max_total_resource", "max_attempts", "seed", "space", "task"])
        let name = try r.optional(top, "name").map { try r.string($0, "name") } ?? "study"
        let objective = try self.objective(try r.required(top, "objective", "", "it must give at least `metric` (and `direction`)"))
        let budget = try self.budget(try r.required(top, "budget", "", "it must give min_resource, max_resource and reduction_factor"))
        let scheduler = try r.optional(top, "scheduler").map(self.scheduler) ?? SchedulerSpec()
        let space = try self.space(try r.required(top, "space", "", "it must map each parameter name to its domain"))
        let sampler = try r.optional(top, "sampler").map { try self.sampler($0, space) } ?? SamplerSpec()
        var trials: Int?
        if let n = r.optional(top, "trials") {
            trials = try r.int(n, "trials", "it must be an integer ≥ 1")
            if trials! < 1 { throw r.error("trials", n, "`trials` is \(trials!); it must be an integer ≥ 1") }
        }
        var maxTotal: Double?
        if let n = r.optional(top, "max_total_resource") {
            maxTotal = try r.double(n, "max_total_resource", "it must be a number > 0")
            if maxTotal! <= 0 { throw r.error("max_total_resource", n, "`max_total_resource` is \(maxTotal!); it must be a number > 0") }
        }
        if trials == nil && maxTotal == nil && sampler.kind != .grid {
            throw SearchError(.invalidStudy, "the study gives neither `trials` nor `max_total_resource`; give at least one (only the grid sampler may leave both out)", source: r.source)
        }
        var maxAttempts = 3
        if let n = r.optional(top, "max_attempts") {
            maxAttempts = try r.int(n, "max_attempts", "it must be an integer ≥ 1")
            if maxAttempts < 1 { throw r.error("max_attempts", n, "`max_attempts` is \(maxAttempts); it must be an integer ≥ 1") }
        }
        var seed: UInt64 = 0
        if let n = r.optional(top, "seed") {
            let s = try r.int(n, "seed", "it must be an integer ≥ 0")
            if s < 0 { throw r.error("seed", n, "`seed` is \(s); it must be an integer ≥ 0") }
            seed = UInt64(s)
        }
        let task = try r.optional(top, "task").map { try r.json($0, "task") } ?? .null
        if let node = r.optional(top, "task") { try r.checkPlaceholders(task: node, space: space) }
        return Study(name: name, objective: objective, budget: budget, scheduler: scheduler, sampler: sampler,
                     trials: trials, maxTotalResource: maxTotal, maxAttempts: maxAttempts, seed: seed,
                     space: space, task: task)
    }

    func direction(_ node: Node, _ path: String) throws -> Direction {
        let s = try r.string(node, path, "it must be minimize or maximize")
        guard let d = Direction(rawValue: s) else {
            throw r.error(path, node, "`\(path)` is \(s); it must be minimize or maximize")
        }
        return d
    }

    func objective(_ node: Node) throws -> Objective {
        let m = try r.mapping(node, "objective", allowed: ["metric", "direction", "constraints", "secondary"])
        let metric = try r.string(try r.required(m, "metric", "objective", "it must name the metric to optimise, e.g. val_loss"), "objective.metric")
        let direction = try r.optional(m, "direction").map { try self.direction($0, "objective.direction") } ?? .minimize
        var constraints: [Constraint] = []
        if let c = r.optional(m, "constraints") {
            guard case .sequence(let seq) = c else {
                throw r.error("objective.constraints", c, "`objective.constraints` is \(r.describe(c)); it must be a list such as [\"latency_ms <= 5\"]")
            }
            for (i, item) in seq.enumerated() { constraints.append(try constraint(item, "objective.constraints[\(i)]")) }
        }
        var secondary: SecondaryObjective?
        if let s = r.optional(m, "secondary") {
            let sm = try r.mapping(s, "objective.secondary", allowed: ["metric", "direction"])
            let metric2 = try r.string(try r.required(sm, "metric", "objective.secondary", "it must name the second metric"), "objective.secondary.metric")
            let d2 = try r.optional(sm, "direction").map { try self.direction($0, "objective.secondary.direction") } ?? .minimize
            secondary = SecondaryObjective(metric: metric2, direction: d2)
        }
        return Objective(metric: metric, direction: direction, constraints: constraints, secondary: secondary)
    }

    func constraint(_ node: Node, _ path: String) throws -> Constraint {
        let text = try r.string(node, path, "it must look like `metric <= number`")
        for op in ["<=", ">=", "<", ">"] {
            guard let range = text.range(of: op) else { continue }
            let metric = text[..<range.lowerBound].trimmingCharacters(in: .whitespaces)
            let number = text[range.upperBound...].trimmingCharacters(in: .whitespaces)
            if !metric.isEmpty, !metric.contains(where: { "<>= ".contains($0) }), let bound = Double(number), bound.isFinite {
                return Constraint(metric: metric, comparison: Constraint.Comparison(rawValue: op)!, bound: bound)
            }
            break
        }
        throw r.error(path, node, "`\(path)` is `\(text)`; it must look like `metric <= number` (operators <=, <, >=, >)")
    }

    func budget(_ node: Node) throws -> Budget {
        let m = try r.mapping(node, "budget", allowed: ["resource", "min_resource", "max_resource", "reduction_factor"])
        let resource = try r.optional(m, "resource").map { try r.string($0, "budget.resource") } ?? "epochs"
        let minNode = try r.required(m, "min_resource", "budget", "it must be the smallest resource a trial gets (r > 0)")
        let lo = try r.double(minNode, "budget.min_resource", "it must be a number > 0")
        guard lo > 0 else { throw r.error("budget.min_resource", minNode, "`budget.min_resource` is \(minNode.string ?? ""); it must be a number > 0") }
        let maxNode = try r.required(m, "max_resource", "budget", "it must be the most resource a trial gets (R ≥ min_resource)")
        let hi = try r.double(maxNode, "budget.max_resource", "it must be a number ≥ budget.min_resource")
        guard hi >= lo else {
            throw r.error("budget.max_resource", maxNode, "`budget.max_resource` is \(maxNode.string ?? ""); it must be ≥ budget.min_resource (\(minNode.string ?? ""))")
        }
        var eta = 3
        if let n = r.optional(m, "reduction_factor") {
            guard let v = try? r.int(n, "budget.reduction_factor"), v >= 2 else {
                throw r.error("budget.reduction_factor", n, "`budget.reduction_factor` is \(r.describe(n)); it must be an integer ≥ 2")
            }
            eta = v
        }
        return Budget(resource: resource, minResource: lo, maxResource: hi, reductionFactor: eta)
    }

    func scheduler(_ node: Node) throws -> SchedulerSpec {
        let accepted = SchedulerSpec.Kind.allCases.map(\.rawValue).joined(separator: ", ")
        func kind(_ n: Node, _ path: String) throws -> SchedulerSpec.Kind {
            let s = try r.string(n, path, "it must be one of \(accepted)")
            guard let k = SchedulerSpec.Kind(rawValue: s) else {
                throw r.error(path, n, "`\(path)` is \(s); it must be one of \(accepted)")
            }
            return k
        }
        if case .scalar = node { return SchedulerSpec(kind: try kind(node, "scheduler")) }
        let m = try r.mapping(node, "scheduler", allowed: ["type", "over", "straggler_timeout", "bracket_trials", "max_parallel_brackets",
                                                               "min_early_stopping_rate"])
        var spec = SchedulerSpec(kind: try kind(try r.required(m, "type", "scheduler", "it must be one of \(accepted)"), "scheduler.type"))
        if let o = r.optional(m, "over") {
            guard spec.kind == .hyperband else {
                throw r.error("scheduler.over", o, "`scheduler.over` is only for type hyperband; remove it or set type: hyperband")
            }
            let k = try kind(o, "scheduler.over")
            guard [.asha, .ashaStopping, .sha].contains(k) else {
                throw r.error("scheduler.over", o, "`scheduler.over` is \(k.rawValue); it must be asha, asha-stopping or sha")
            }
            spec.over = k
        }
        if let t = r.optional(m, "straggler_timeout") {
            let v = try r.double(t, "scheduler.straggler_timeout", "it must be a number of seconds > 0")
            guard v > 0 else { throw r.error("scheduler.straggler_timeout", t, "`scheduler.straggler_timeout` is \(r.describe(t)); it must be a number of seconds > 0") }
            guard spec.bracketKind == .sha else {
                throw r.error("scheduler.straggler_timeout", t, "`scheduler.straggler_timeout` applies only to sha (or hyperband over sha); asynchronous schedulers never wait for stragglers")
            }
            spec.stragglerTimeout = v
        }
        if let t = r.optional(m, "bracket_trials") {
            let v = try r.int(t, "scheduler.bracket_trials", "it must be an integer ≥ 1")
            guard v >= 1 else { throw r.error("scheduler.bracket_trials", t, "`scheduler.bracket_trials` is \(v); it must be an integer ≥ 1") }
            guard spec.kind == .sha else {
                throw r.error("scheduler.bracket_trials", t, "`scheduler.bracket_trials` applies only to type sha (Hyperband sizes its brackets itself)")
            }
            spec.bracketTrials = v
        }
        if let t = r.optional(m, "max_parallel_brackets") {
            let v = try r.int(t, "scheduler.max_parallel_brackets", "it must be an integer ≥ 1")
            guard v >= 1 else { throw r.error("scheduler.max_parallel_brackets", t, "`scheduler.max_parallel_brackets` is \(v); it must be an integer ≥ 1") }
            guard spec.bracketKind == .sha else {
                throw r.error("scheduler.max_parallel_brackets", t, "`scheduler.max_parallel_brackets` applies only to sha (or hyperband over sha); asynchronous brackets always run side by side")
            }
            spec.maxParallelBrackets = v
        }
        if let t = r.optional(m, "min_early_stopping_rate") {
            let v = try r.int(t, "scheduler.min_early_stopping_rate", "it must be an integer ≥ 0")
            guard v >= 0 else { throw r.error("scheduler.min_early_stopping_rate", t, "`scheduler.min_early_stopping_rate` is \(v); it must be an integer ≥ 0") }
            guard spec.bracketKind == .asha || spec.bracketKind == .ashaStopping else {
                throw r.error("scheduler.min_early_stopping_rate", t, "`scheduler.min_early_stopping_rate` applies only to asha, asha-stopping and hyperband over them")
            }
            spec.minEarlyStoppingRate = v
        }
        return spec
    }

    func sampler(_ node: Node, _ space: SearchSpace) throws -> SamplerSpec {
        let accepted = SamplerSpec.Kind.allCases.map(\.rawValue).joined(separator: ", ")
        func kind(_ n: Node, _ path: String) throws -> SamplerSpec.Kind {
            let s = try r.string(n, path, "it must be one of \(accepted)")
            guard let k = SamplerSpec.Kind(rawValue: s) else { throw r.error(path, n, "`\(path)` is \(s); it must be one of \(accepted)") }
            return k
        }
        var spec: SamplerSpec
        if case .scalar = node { spec = SamplerSpec(kind: try kind(node, "sampler")) } else {
            let m = try r.mapping(node, "sampler", allowed: ["type", "gamma", "candidates", "min_observations",
                                                             "max_observations", "random_fraction", "prior_weight", "bandwidth_factor",
                                                             "constant_liar", "multivariate"])
            spec = SamplerSpec(kind: try kind(try r.required(m, "type", "sampler", "it must be one of \(accepted)"), "sampler.type"))
            let options = m.filter { $0.key != "type" }
            if spec.kind != .tpe, let first = options.first {
                throw r.error("sampler.\(first.key)", first.value, "`sampler.\(first.key)` is a TPE option; the \(spec.kind.rawValue) sampler takes none")
            }
            var t = TPEOptions()
            func number(_ key: String, _ ok: (Double) -> Bool, _ rule: String) throws -> Double? {
                guard let n = r.optional(m, key) else { return nil }
                let v = try r.double(n, "sampler.\(key)", "it must be \(rule)")
                guard ok(v) else { throw r.error("sampler.\(key)", n, "`sampler.\(key)` is \(r.describe(n)); it must be \(rule)") }
                return v
            }
            func integer(_ key: String, _ lo: Int) throws -> Int? {
                guard let n = r.optional(m, key) else { return nil }
                let v = try r.int(n, "sampler.\(key)", "it must be an integer ≥ \(lo)")
                guard v >= lo else { throw r.error("sampler.\(key)", n, "`sampler.\(key)` is \(v); it must be an integer ≥ \(lo)") }
                return v
            }
            if let v = try number("gamma", { $0 > 0 && $0 < 1 }, "a number in (0, 1)") { t.gamma = v }
            if let v = try integer("candidates", 1) { t.candidates = v }
            if let v = try integer("min_observations", 2) { t.minObservations = v }
            if let v = try integer("max_observations", 2) { t.maxObservations = v }
            if let v = try number("random_fraction", { $0 >= 0 && $0 <= 1 }, "a number in [0, 1]") { t.randomFraction = v }
            if let v = try number("prior_weight", { $0 > 0 }, "a number > 0") { t.priorWeight = v }
            if let v = try number("bandwidth_factor", { $0 > 0 }, "a number > 0") { t.bandwidthFactor = v }
            if let n = r.optional(m, "constant_liar") { t.constantLiar = try r.bool(n, "sampler.constant_liar") }
            if let n = r.optional(m, "multivariate") { t.multivariate = try r.bool(n, "sampler.multivariate") }
            spec.tpe = t
        }
        if spec.kind == .grid {
            for p in space.parameters where p.gridValues() == nil {
                throw SearchError(.invalidStudy, "`space.\(p.name)` is a real-valued parameter without `grid` or `points`; the grid sampler needs one of them",
                                  keyPath: "space.\(p.name)", source: r.source)
            }
            if let n = GridSampler.size(of: space), n > 1_000_000 {
                throw SearchError(.invalidStudy, "the grid has \(n) points; the grid sampler accepts at most 1,000,000 (use fewer `points` or the random sampler)",
                                  keyPath: "space", source: r.source)
            }
        }
        return spec
    }

    func space(_ node: Node) throws -> SearchSpace {
        let pairs = try r.mapping(node, "space")
        guard !pairs.isEmpty else { throw r.error("space", node, "`space` is empty; it must hold at least one parameter") }
        var params: [Parameter] = []
        for (name, value) in pairs {
            params.append(try SpaceParser(r: r).parameter(name, value, earlier: params))
        }
        return SearchSpace(params)
    }
}
