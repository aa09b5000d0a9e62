// Study files: the documented example parses to the expected study; each kind of mistake is
// answered with the key path and what is accepted.

import Foundation
import Testing
@testable import Search

@Suite struct StudyParserTests {
    static let minimal = """
    objective: {metric: val_loss}
    budget: {min_resource: 1, max_resource: 27, reduction_factor: 3}
    trials: 10
    space:
      lr: {type: loguniform, low: 1e-5, high: 1e-1}
    """

    @Test func exampleFileParses() throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("deploy/examples/study.yaml")
        let s = try Study.load(contentsOf: url)
        #expect(s.name == "transfer-demo")
        #expect(s.seed == 7 && s.trials == 81 && s.maxTotalResource == 1200 && s.maxAttempts == 3)
        #expect(s.objective == Objective(metric: "val_loss", direction: .minimize,
                                         constraints: [Constraint(metric: "latency_ms", comparison: .lessOrEqual, bound: 5),
                                                       Constraint(metric: "memory_mb", comparison: .less, bound: 64)],
                                         secondary: SecondaryObjective(metric: "latency_ms", direction: .minimize)))
        #expect(s.objective.constraints.map(\.text) == ["latency_ms <= 5", "memory_mb < 64"])
        #expect(s.budget == Budget(resource: "epochs", minResource: 1, maxResource: 27, reductionFactor: 3))
        #expect(s.scheduler == SchedulerSpec(kind: .asha))
        #expect(s.sampler.kind == .tpe && s.sampler.tpe.minObservations == 8 && s.sampler.tpe.randomFraction == 0.33)
        #expect(s.space.parameters.map(\.name) == ["learning_rate", "batch_size", "weight_decay", "backbone",
                                                   "unfreeze_blocks", "hidden_units", "schedule", "warmup_epochs"])
        #expect(s.space["learning_rate"] == Parameter("learning_rate", .logUniform(low: 1e-5, high: 1e-2), grid: .points(4)))
        #expect(s.space["batch_size"]?.domain == .integer(low: 16, high: 128, step: 16, log: false))
        #expect(s.space["weight_decay"]?.grid == .values([.double(0), .double(0.01), .double(0.1)]))
        #expect(s.space["backbone"]?.domain == .categorical([.string("scratch_cnn"), .string("resnet18_pretrained"), .string("minilm_pretrained")]))
        #expect(s.space["unfreeze_blocks"]?.conditions == [Condition(parent: "backbone", values: [.string("resnet18_pretrained"), .string("minilm_pretrained")])])
        #expect(s.space["hidden_units"]?.domain == .integer(low: 32, high: 512, step: 1, log: true))
        #expect(s.space["warmup_epochs"]?.domain == .fixed(.int(1)))
        #expect(s.task["name"] == .string("synthetic-transfer"))
        #expect(s.task["data"]?["target_classes"] == .int(4))
        #expect(s.task["metrics"] == .array([.string("val_loss"), .string("accuracy"), .string("latency_ms")]))
        // Round trip through Codable (the runtime stores the study as JSON).
        let back = try JSONDecoder().decode(Study.self, from: JSONEncoder().encode(s))
        #expect(back == s)
    }

    @Test func minimalStudyTakesDefaults() throws {
        let s = try Study.parse(yaml: Self.minimal)
        #expect(s.objective.direction == .minimize)
        #expect(s.scheduler == SchedulerSpec())
        #expect(s.sampler == SamplerSpec())
        #expect(s.seed == 0 && s.maxAttempts == 3 && s.task == .null && s.budget.resource == "epochs")
    }

    @Test func shorthandsAndHyperband() throws {
        let s = try Study.parse(yaml: """
        objective: {metric: acc, direction: maximize}
        budget: {min_resource: 2, max_resource: 50, reduction_factor: 4}
        scheduler: {type: hyperband, over: sha, straggler_timeout: 30, max_parallel_brackets: 2}
        sampler: grid
        space:
          opt: [adam, sgd]
          layers: 3
          dropout: {type: uniform, low: 0, high: 0.5, points: 3}
        """)
        #expect(s.scheduler == SchedulerSpec(kind: .hyperband, over: .sha, stragglerTimeout: 30, maxParallelBrackets: 2))
        #expect(s.sampler.kind == .grid && s.trials == nil)
        #expect(s.space["opt"]?.domain == .categorical([.string("adam"), .string("sgd")]))
        #expect(s.space["layers"]?.domain == .fixed(.int(3)))
    }

    /// Replaces `old` in the minimal study with `new` and returns the parse error's message.
    func message(_ yaml: String) -> String? {
        do { _ = try Study.parse(yaml: yaml); return nil } catch let e as SearchError { return e.message } catch { return "\(error)" }
    }
    func minimal(_ old: String, _ new: String) -> String { Self.minimal.replacingOccurrences(of: old, with: new) }

    @Test func budgetErrors() {
        #expect(message(minimal("reduction_factor: 3", "reduction_factor: 1"))
                == "`budget.reduction_factor` is 1; it must be an integer ≥ 2")
        #expect(message(minimal("reduction_factor: 3", "reduction_factor: 2.5"))
                == "`budget.reduction_factor` is 2.5; it must be an integer ≥ 2")
        #expect(message(minimal("min_resource: 1", "min_resource: 0"))
                == "`budget.min_resource` is 0; it must be a number > 0")
        #expect(message(minimal("max_resource: 27", "max_resource: 0.5"))
                == "`budget.max_resource` is 0.5; it must be ≥ budget.min_resource (1)")
        #expect(message(minimal("max_resource: 27", "max_resources: 27"))
                == "`budget.max_resources` is not a known key; accepted here: resource, min_resource, max_resource, reduction_factor")
        #expect(message(minimal("min_resource: 1, ", ""))
                == "`budget.min_resource` is missing; it must be the smallest resource a trial gets (r > 0)")
    }

    @Test func objectiveErrors() {
        #expect(message(minimal("{metric: val_loss}", "{metric: val_loss, direction: up}"))
                == "`objective.direction` is up; it must be minimize or maximize")
        #expect(message(minimal("{metric: val_loss}", "{metric: val_loss, constraints: [\"latency =< 5\"]}"))
                == "`objective.constraints[0]` is `latency =< 5`; it must look like `metric <= number` (operators <=, <, >=, >)")
        #expect(message(minimal("{metric: val_loss}", "{direction: minimize}"))
                == "`objective.metric` is missing; it must name the metric to optimise, e.g. val_loss")
    }

    @Test func topLevelErrors() {
        #expect(message(minimal("trials: 10\n", ""))
                == "the study gives neither `trials` nor `max_total_resource`; give at least one (only the grid sampler may leave both out)")
        #expect(message(minimal("trials: 10", "trials: 0")) == "`trials` is 0; it must be an integer ≥ 1")
        #expect(message(minimal("trials: 10", "trails: 10"))?.hasPrefix("`trails` is not a known key; accepted here: name, objective") == true)
        #expect(message(minimal("trials: 10", "trials: 10\nseed: -1")) == "`seed` is -1; it must be an integer ≥ 0")
        #expect(message("objective: [a\n") == "the study file is not well-formed YAML")
        #expect(message("") == "the study file is empty; it must be a mapping with at least objective, budget and space")
    }

    @Test func schedulerAndSamplerErrors() {
        #expect(message(minimal("trials: 10", "trials: 10\nscheduler: asah"))
                == "`scheduler` is asah; it must be one of asha, asha-stopping, sha, hyperband, none")
        #expect(message(minimal("trials: 10", "trials: 10\nscheduler: {type: asha, straggler_timeout: 10}"))
                == "`scheduler.straggler_timeout` applies only to sha (or hyperband over sha); asynchronous schedulers never wait for stragglers")
        #expect(message(minimal("trials: 10", "trials: 10\nscheduler: {type: sha, over: asha}"))
                == "`scheduler.over` is only for type hyperband; remove it or set type: hyperband")
        #expect(message(minimal("trials: 10", "trials: 10\nscheduler: {type: hyperband, max_parallel_brackets: 2}"))
                == "`scheduler.max_parallel_brackets` applies only to sha (or hyperband over sha); asynchronous brackets always run side by side")
        #expect(message(minimal("trials: 10", "trials: 10\nscheduler: {type: hyperband, over: none}"))
                == "`scheduler.over` is none; it must be asha, asha-stopping or sha")
        #expect(message(minimal("trials: 10", "trials: 10\nsampler: {type: tpe, gamma: 1.5}"))
                == "`sampler.gamma` is 1.5; it must be a number in (0, 1)")
        #expect(message(minimal("trials: 10", "trials: 10\nsampler: {type: random, gamma: 0.2}"))
                == "`sampler.gamma` is a TPE option; the random sampler takes none")
        #expect(message(minimal("trials: 10", "trials: 10\nsampler: grid"))
                == "`space.lr` is a real-valued parameter without `grid` or `points`; the grid sampler needs one of them")
    }

    @Test func spaceErrors() {
        #expect(message(minimal("low: 1e-5", "low: 0"))
                == "`space.lr.low` is 0; a loguniform parameter needs 0 < low < high")
        #expect(message(minimal("type: loguniform", "type: lognormal"))
                == "`space.lr.type` is lognormal; it must be one of uniform, loguniform, int, categorical, fixed")
        #expect(message(minimal("{type: loguniform, low: 1e-5, high: 1e-1}", "{type: int, low: 1, high: 10, step: 4}"))
                == "`space.lr.high` is 10; with low 1 and step 4 it must be low + a multiple of step (e.g. 9)")
        #expect(message(minimal("{type: loguniform, low: 1e-5, high: 1e-1}", "{type: int, low: 0, high: 8, log: true}"))
                == "`space.lr.low` is 0; an int parameter with log: true needs low ≥ 1")
        #expect(message(minimal("{type: loguniform, low: 1e-5, high: 1e-1}", "{type: categorical, choices: [a, b, a]}"))
                == "`space.lr.choices[2]` repeats a; each choice must appear once")
        #expect(message(minimal("{type: loguniform, low: 1e-5, high: 1e-1}", "{type: uniform, low: 0, high: 1, step: 2}"))
                == "`space.lr.step` does not apply to a uniform parameter")
        #expect(message(minimal("high: 1e-1}", "high: 1e-1, when: {opt: [adam]}}"))
                == "`space.lr.when.opt` names no parameter declared before this one; a condition's parent must come earlier in `space`")
        #expect(message(minimal("high: 1e-1}", "high: 1e-1}\n  unfreeze: {type: int, low: 0, high: 3, when: {lr: [7]}}"))
                == "`space.unfreeze.when.lr` lists 7, which `lr` can never take")
        #expect(message(minimal("high: 1e-1}", "high: 1e-1, grid: [2.0]}"))
                == "`space.lr.grid[0]` is 2.0; it is outside the parameter's domain")
    }

    @Test func unreadableFileIsNamed() {
        do {
            _ = try Study.load(contentsOf: URL(fileURLWithPath: "/nonexistent/dir/missing.yaml"))
            Issue.record("expected an error")
        } catch let e as SearchError {
            #expect(e.code == .unreadable && e.source == "missing.yaml")
            #expect(e.message == "cannot read the study file /nonexistent/dir/missing.yaml")
        } catch { Issue.record("unexpected \(error)") }
    }

    @Test func errorsCarryKeyPathAndLine() {
        do {
            _ = try Study.parse(yaml: minimal("reduction_factor: 3", "reduction_factor: 1"), source: "s.yaml")
            Issue.record("expected an error")
        } catch let e as SearchError {
            #expect(e.code == .invalidStudy)
            #expect(e.keyPath == "budget.reduction_factor")
            #expect(e.line == 2)
            #expect(e.description == "s.yaml:2: `budget.reduction_factor` is 1; it must be an integer ≥ 2")
        } catch { Issue.record("unexpected \(error)") }
    }
}
