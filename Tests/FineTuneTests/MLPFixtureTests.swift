// An MLP with weights from a PyTorch fixture (scripts/fixtures/mlp.py) must give PyTorch's
// logits, loss and gradients and, after one AdamW step, PyTorch's weights, element by element.
// Also: parameter names, train/eval switching, dropout statistics and PyTorch's init bounds.

import Foundation
import Testing
import Tensors
@testable import FineTune

private struct MLPFixture: Decodable {
    struct Case: Decodable {
        var name: String
        var inputs: Int
        var hidden: [Int]
        var outputs: Int
        var activation: String
        var layer_norm: Bool
        var label_smoothing: Float
        var x: [Float]
        var batch: Int
        var labels: [Int]
        var names: [String]
        var initial: [String: [Float]]
        var logits: [Float]
        var loss: Double
        var grads: [String: [Float]]
        var after_adamw: [String: [Float]]
    }
    var cases: [Case]
}

private func loadCase(_ name: String) throws -> MLPFixture.Case {
    let f = try JSONDecoder().decode(MLPFixture.self, from: trainingFixtureData("mlp.json"))
    return try #require(f.cases.first { $0.name == name })
}

@Test(arguments: ["relu", "gelu_layernorm"])
func mlpMatchesPyTorch(name: String) throws {
    let c = try loadCase(name)
    var rng = SplitMix64(seed: 0)
    let model = MLP(inputs: c.inputs, hidden: c.hidden, outputs: c.outputs,
                    activation: ActivationKind(rawValue: c.activation)!, dropout: 0, layerNorm: c.layer_norm,
                    generator: &rng)
    #expect(model.namedParameters().map(\.name) == c.names)
    try model.loadStateDict(c.initial)

    let x = Tensor(shape: [c.batch, c.inputs], scalars: c.x)
    let logits = model(x)
    #expect(logits.shape == [c.batch, c.outputs])
    for (i, (mine, torch)) in zip(logits.scalars, c.logits).enumerated() {
        #expect(close(Double(mine), Double(torch), abs: 1e-5, rel: 1e-5), "\(name) logit \(i): \(mine) vs \(torch)")
    }
    let loss = Tensor.crossEntropy(logits: logits, labels: c.labels, labelSmoothing: c.label_smoothing)
    #expect(close(Double(loss.item), c.loss, abs: 1e-5))
    loss.backward()
    for (pname, tensor) in model.namedParameters() {
        let grad = try #require(tensor.grad, "\(pname) has no gradient")
        for (i, (mine, torch)) in zip(grad.scalars, c.grads[pname]!).enumerated() {
            #expect(close(Double(mine), Double(torch), abs: 1e-5, rel: 1e-4), "\(name) grad \(pname)[\(i)]: \(mine) vs \(torch)")
        }
    }
    var opt = Optimizer(settings: .adamW(weightDecay: 0.01), learningRate: 0.01)
    opt.step(model)
    let after = model.stateDict()
    for pname in c.names {
        for (i, (mine, torch)) in zip(after[pname]!, c.after_adamw[pname]!).enumerated() {
            #expect(close(Double(mine), Double(torch), abs: 2e-6, rel: 1e-5), "\(name) AdamW \(pname)[\(i)]: \(mine) vs \(torch)")
        }
    }
}

@Test func linearInitUsesPyTorchBoundsAndIsSeeded() {
    var a = SplitMix64(seed: 7), b = SplitMix64(seed: 7)
    let l1 = Linear(inFeatures: 16, outFeatures: 300, generator: &a)
    let l2 = Linear(inFeatures: 16, outFeatures: 300, generator: &b)
    #expect(l1.weight.scalars == l2.weight.scalars && l1.bias!.scalars == l2.bias!.scalars)
    let w = l1.weight.scalars
    #expect(w.allSatisfy { abs($0) <= 0.25 })                        // 1/√16
    #expect(w.max()! > 0.24 && w.min()! < -0.24)                      // fills the interval
    let mean = w.reduce(0, +) / Float(w.count)
    #expect(abs(mean) < 0.01)
    #expect(l1.bias!.scalars.allSatisfy { abs($0) <= 0.25 })
}

@Test func dropoutMasksInTrainingAndIsIdentityInEval() {
    var rng = SplitMix64(seed: 1)
    let model = MLP(inputs: 4, hidden: [8], outputs: 2, dropout: 0.5, generator: &rng)
    #expect(model.namedParameters().map(\.name) == ["layers.0.weight", "layers.0.bias", "layers.3.weight", "layers.3.bias"])
    let d = Dropout(probability: 0.25, seed: 3)
    let x = Tensor.ones([100, 100])
    let y = d(x).scalars
    let zeros = y.filter { $0 == 0 }.count
    #expect(y.allSatisfy { $0 == 0 || $0 == Float(1) / 0.75 })
    #expect(zeros > 2200 && zeros < 2800)                           // 2500 ± 5σ
    model.eval()
    #expect(model.modules().allSatisfy { !$0.isTraining })
    d.isTraining = false
    #expect(d(x).scalars == x.scalars)
    model.train()
    #expect(model.modules().allSatisfy { $0.isTraining })
}

@Test func loadStateDictRejectsMissingAndMisshapenWeights() {
    var rng = SplitMix64(seed: 1)
    let model = MLP(inputs: 2, hidden: [3], outputs: 2, generator: &rng)
    var state = model.stateDict()
    state["layers.3.bias"] = [1]
    #expect(throws: FineTuneError.self) { try model.loadStateDict(state) }
    state["layers.3.bias"] = nil
    #expect(throws: FineTuneError.self) { try model.loadStateDict(state) }
}

@Test func frozenGroupsGetNoGradientAndStayUnchanged() {
    var rng = SplitMix64(seed: 5)
    let model = MLP(inputs: 3, hidden: [4], outputs: 2, generator: &rng)
    var opt = Optimizer(settings: .adamW(), learningRate: 0.1, groups: [
        ParameterGroup(name: "backbone", prefixes: ["layers.0."], frozen: true),
        ParameterGroup(name: "head", prefixes: ["layers.3."], learningRateMultiplier: 0.5),
    ])
    opt.applyFreezing(to: model)
    let before = model.stateDict()
    let x = Tensor(shape: [2, 3], scalars: [1, -2, 0.5, 0.3, 0.1, -1])
    func trainStep() {
        model.zeroGrad()
        Tensor.crossEntropy(logits: model(x), labels: [0, 1]).backward()
        opt.step(model)
    }
    trainStep()
    var after = model.stateDict()
    #expect(model.layers.layers[0].localParameters.allSatisfy { $0.tensor.grad == nil })
    #expect(after["layers.0.weight"] == before["layers.0.weight"] && after["layers.0.bias"] == before["layers.0.bias"])
    #expect(after["layers.3.weight"] != before["layers.3.weight"])
    // AdamW's first step moves every element by about lr·multiplier (plus the tiny decay).
    for (a, b) in zip(after["layers.3.bias"]!, before["layers.3.bias"]!) { #expect(abs(abs(a - b) - 0.05) < 1e-3) }
    opt.groups[0].frozen = false          // gradual unfreezing: thaw the backbone
    opt.applyFreezing(to: model)
    trainStep()
    after = model.stateDict()
    #expect(after["layers.0.weight"] != before["layers.0.weight"])
}
