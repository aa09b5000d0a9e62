// Optimizer trajectories, gradient clipping and schedules replayed against PyTorch fixtures
// (scripts/fixtures/optim.py), element by element, plus closed-form checks of the schedules.

import Foundation
import Testing
@testable import FineTune

private struct OptimFixture: Decodable {
    struct Settings: Decodable {
        var kind: String
        var lr: Double
        var weight_decay: Double
        var momentum: Double?
        var dampening: Double?
        var nesterov: Bool?
        var beta1: Double?
        var beta2: Double?
        var eps: Double?
    }
    struct Case: Decodable { var name: String; var settings: Settings; var trajectory: [[Float]] }
    struct Clip: Decodable { var max_norm: Double; var gradients: [[Float]]; var norm: Double; var clipped: [[Float]] }
    struct Schedule: Decodable {
        var step_size: Int?; var gamma: Double?; var t_max: Int?; var eta_min: Double?
        var warmup: Int?; var start_factor: Double?; var lrs: [Double]
    }
    struct Schedules: Decodable { var base_lr: Double; var step: Schedule; var cosine: Schedule; var warmup_cosine: Schedule }
    var initial: [Float]
    var gradients: [[Float]]
    var cases: [Case]
    var clip: Clip
    var schedules: Schedules

    static func load() throws -> OptimFixture {
        try JSONDecoder().decode(OptimFixture.self, from: trainingFixtureData("optim.json"))
    }
}

private func rule(_ s: OptimFixture.Settings) -> OptimizerSettings {
    switch s.kind {
    case "sgd":
        return .sgd(momentum: s.momentum!, dampening: s.dampening!, nesterov: s.nesterov!, weightDecay: s.weight_decay)
    default:
        return .adam(beta1: s.beta1!, beta2: s.beta2!, eps: s.eps!, weightDecay: s.weight_decay,
                     decoupledWeightDecay: s.kind == "adamw")
    }
}

@Test(arguments: ["sgd", "sgd_momentum", "sgd_nesterov", "adam", "adam_l2", "adamw", "adamw_wd"])
func optimizerTrajectoryMatchesPyTorch(name: String) throws {
    let fixture = try OptimFixture.load()
    let c = try #require(fixture.cases.first { $0.name == name })
    var optimizer = Optimizer(settings: rule(c.settings), learningRate: c.settings.lr)
    var p = fixture.initial
    for (step, g) in fixture.gradients.enumerated() {
        p.withUnsafeMutableBufferPointer { pp in
            g.withUnsafeBufferPointer { gp in optimizer.update(name: "w", parameter: pp, gradient: gp) }
        }
        optimizer.finishStep()
        for i in p.indices {
            #expect(close(Double(p[i]), Double(c.trajectory[step][i]), abs: 1e-7, rel: 2e-6),
                    "\(name) step \(step + 1) element \(i): \(p[i]) vs torch \(c.trajectory[step][i])")
        }
    }
    #expect(optimizer.states["w"]?.step == fixture.gradients.count)
}

@Test func defaultsArePyTorchs() {
    #expect(OptimizerSettings.adamW() == .adam(beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01, decoupledWeightDecay: true))
    #expect(OptimizerSettings.adam() == .adam(beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, decoupledWeightDecay: false))
    #expect(OptimizerSettings.sgd() == .sgd(momentum: 0, dampening: 0, nesterov: false, weightDecay: 0))
    #expect(OptimizerSettings.sgd(momentum: 0.5, nesterov: true, weightDecay: 0).validationProblem() == nil)
    #expect(OptimizerSettings.sgd(momentum: 0, nesterov: true, weightDecay: 0).validationProblem() != nil)
    #expect(OptimizerSettings.adamW(beta1: 1.0).validationProblem() != nil)
}

@Test func clippingMatchesPyTorch() throws {
    let clip = try OptimFixture.load().clip
    var a = clip.gradients[0], b = clip.gradients[1]
    let norm = a.withUnsafeMutableBufferPointer { ap in
        b.withUnsafeMutableBufferPointer { bp in clipGradientNorm([ap, bp], maxNorm: clip.max_norm) }
    }
    #expect(close(norm, clip.norm, abs: 1e-6))
    for (mine, torch) in zip(a + b, clip.clipped[0] + clip.clipped[1]) {
        #expect(close(Double(mine), Double(torch), abs: 1e-7), "\(mine) vs torch \(torch)")
    }
    // Below the limit nothing changes.
    var small: [Float] = [0.3, -0.4]
    let n = small.withUnsafeMutableBufferPointer { clipGradientNorm([$0], maxNorm: 1) }
    #expect(close(n, 0.5) && small == [0.3, -0.4])
}

@Test func schedulesMatchPyTorchSchedulers() throws {
    let s = try OptimFixture.load().schedules
    let step = LearningRateSchedule.step(stepSize: s.step.step_size!, gamma: s.step.gamma!)
    let cosine = LearningRateSchedule.cosine(totalSteps: s.cosine.t_max!, minFactor: s.cosine.eta_min! / s.base_lr)
    let wc = s.warmup_cosine
    let warm = LearningRateSchedule.warmup(steps: wc.warmup!, startFactor: wc.start_factor!,
                                           then: .cosine(totalSteps: wc.t_max!, minFactor: wc.eta_min! / s.base_lr))
    for (schedule, expected) in [(step, s.step.lrs), (cosine, s.cosine.lrs), (warm, wc.lrs)] {
        for (t, lr) in expected.enumerated() {
            #expect(close(s.base_lr * schedule.factor(at: t), lr, abs: 1e-12, rel: 1e-9), "\(schedule) t=\(t)")
        }
    }
}

@Test func scheduleClosedForms() {
    let c = LearningRateSchedule.cosine(totalSteps: 4, minFactor: 0.2)
    #expect(c.factor(at: 0) == 1)
    #expect(close(c.factor(at: 2), 0.6, abs: 1e-15))
    #expect(close(c.factor(at: 4), 0.2, abs: 1e-15))
    #expect(close(c.factor(at: 9), 0.2, abs: 1e-15))  // held at the floor after totalSteps
    let w = LearningRateSchedule.warmup(steps: 2, startFactor: 0.5, then: .step(stepSize: 1, gamma: 0.1))
    #expect([0, 1, 2, 3].map { w.factor(at: $0) }.enumerated().allSatisfy { close($0.element, [0.5, 0.75, 1, 0.1][$0.offset], abs: 1e-15) })
    #expect(LearningRateSchedule.constant.factor(at: 1000) == 1)
    #expect(LearningRateSchedule.step(stepSize: 0, gamma: 0.5).validationProblem() != nil)
}

@Test func parameterGroupsScaleFreezeAndOverrideWeightDecay() {
    let groups = [
        ParameterGroup(name: "backbone", prefixes: ["layers.0."], learningRateMultiplier: 0.1),
        ParameterGroup(name: "frozen", prefixes: ["layers.2."], frozen: true),
        ParameterGroup(name: "head-bias", prefixes: ["layers.4.bias"], weightDecay: 0),
    ]
    var opt = Optimizer(settings: .sgd(momentum: 0, dampening: 0, nesterov: false, weightDecay: 0.5),
                        learningRate: 1, schedule: .step(stepSize: 1, gamma: 0.5), groups: groups)
    func run(_ name: String, _ p0: Float, _ g: Float) -> Float {
        var p: [Float] = [p0]
        let gr: [Float] = [g]
        p.withUnsafeMutableBufferPointer { pp in gr.withUnsafeBufferPointer { opt.update(name: name, parameter: pp, gradient: $0) } }
        return p[0]
    }
    let backbone = run("layers.0.weight", 1, 1)
    #expect(close(Double(backbone), 0.85, abs: 1e-7))               // lr 0.1, L2 0.5
    let frozen = run("layers.2.weight", 1, 1)
    #expect(frozen == 1)                                            // frozen
    #expect(opt.states["layers.2.weight"] == nil)
    let bias = run("layers.4.bias", 1, 1)
    #expect(bias == 0)                                              // lr 1, no decay
    let weight = run("layers.4.weight", 1, 1)
    #expect(weight == -0.5)                                         // default group
    opt.finishStep()
    let halved = run("layers.4.bias", 1, 1)
    #expect(halved == 0.5)                                          // schedule halves the rate
    opt.groups[1].frozen = false                                    // gradual unfreezing
    let thawed = run("layers.2.weight", 1, 1)
    #expect(thawed == 1 - 0.5 * 1.5)
}

@Test func earlyStoppingPatienceAndMinDelta() {
    var e = EarlyStopping(patience: 2, minDelta: 0.01, mode: .max)
    let improvements = [0.5, 0.6, 0.605, 0.59].map { value -> Bool in
        let improved = e.record(value)
        return improved
    }
    #expect(improvements == [true, true, false, false])  // 0.605 is within minDelta
    #expect(e.shouldStop)
    #expect(e.best == 0.6 && e.bestIndex == 1)
    var m = EarlyStopping(patience: 2, mode: .min)
    var flags: [Bool] = []
    for value in [1.0, 0.9, 0.9, 0.8, 0.85] {
        flags.append(m.record(value))
        if m.shouldStop { break }
    }
    #expect(flags == [true, true, false, true, false])
    #expect(!m.shouldStop && m.wait == 1 && m.best == 0.8)
}
