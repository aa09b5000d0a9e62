// The small ResNet against its PyTorch twin (scripts/fixtures/small_resnet.py), weights from a
// formula both sides compute: training-mode logits, the loss, cross-entropy gradients of
// parameters from every part of the network, the running statistics left behind, and the
// evaluation-mode logits afterwards, element by element.

import Foundation
import Testing
import Tensors
@testable import FineTune

private struct ResNetFixture: Decodable {
    var input_shape: [Int]
    var input: [Float]
    var labels: [Int]
    var names: [String]
    var train_logits: [Float]
    var loss: Float
    var grads: [String: [Float]]
    var running_after: [String: [Float]]
    var eval_logits: [Float]
}

private func expectClose(_ got: [Float], _ want: [Float], _ what: String, tol: Float,
                         sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(got.count == want.count, "\(what) count", sourceLocation: sourceLocation)
    for (i, (g, w)) in zip(got, want).enumerated() where abs(g - w) > tol * (1 + abs(w)) {
        Issue.record("\(what)[\(i)]: \(g), PyTorch \(w)", sourceLocation: sourceLocation)
        return
    }
}

@Test func smallResNetMatchesPyTorch() throws {
    let f = try JSONDecoder().decode(ResNetFixture.self, from: trainingFixtureData("small-resnet.json"))
    var rng = SplitMix64(seed: 0)
    let model = SmallResNet(channels: 2, height: 9, width: 11, classes: 5, generator: &rng)
    let named = model.namedParameters()
    #expect(named.map(\.name) == f.names)
    for (k, (name, t)) in named.enumerated() {
        let bnScale = t.rank == 1 && name.hasSuffix(".weight") && (name.contains("bn") || name.contains("downsample.1"))
        t.assign((0..<t.count).map { i in Float(0.25 * sin(0.37 * Double(i) + 0.91 * Double(k)) + (bnScale ? 1 : 0)) })
    }
    let x = Tensor(shape: f.input_shape, scalars: f.input)
    let logits = model(x)
    expectClose(logits.scalars, f.train_logits, "train logits", tol: 1e-4)
    let loss = Tensor.crossEntropy(logits: logits, labels: f.labels)
    #expect(abs(loss.item - f.loss) < 1e-4)
    loss.backward()
    let byName = Dictionary(uniqueKeysWithValues: named.map { ($0.name, $0.tensor) })
    for (name, want) in f.grads.sorted(by: { $0.key < $1.key }) {
        expectClose(try #require(byName[name]?.grad).scalars, want, "grad \(name)", tol: 1e-3)
    }
    let buffers = Dictionary(uniqueKeysWithValues: model.namedBuffers().map { ($0.name, $0.tensor) })
    for (name, want) in f.running_after.sorted(by: { $0.key < $1.key }) {
        expectClose(try #require(buffers[name]).scalars, want, name, tol: 1e-4)
    }
    model.eval()
    expectClose(Autograd.withoutGrad { model(x) }.scalars, f.eval_logits, "eval logits", tol: 1e-4)
}
