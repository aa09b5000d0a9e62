// Parameter importances against functions whose answer is known: a parameter the objective does
// not depend on gets (almost) none, and importances follow the size of each parameter's effect.
import Foundation
import RungBasics
import Testing
@testable import StudyViews

@Suite struct ImportanceTests {
    /// Points of a seeded uniform grid-free sample in [0, 1]^d.
    func sample(_ n: Int, _ d: Int, seed: UInt64) -> [[Double]] {
        var rng = SplitMix64(seed: seed)
        return (0..<n).map { _ in (0..<d).map { _ in Double(rng.next() % 1_000_000) / 1_000_000 } }
    }

    @Test func aParameterTheObjectiveIgnoresGetsNoImportance() {
        let xs = sample(60, 2, seed: 7)
        let ys = xs.map { x in 10 * (x[0] - 0.3) * (x[0] - 0.3) }  // only x0 matters
        let r = ForestImportance.compute(features: xs, targets: ys, names: ["lr", "dropout"])
        let share = Dictionary(uniqueKeysWithValues: r.importances.map { ($0.name, $0.importance) })
        #expect(r.importances.first?.name == "lr")
        #expect(share["lr"]! > 0.9, "lr's share is \(share["lr"]!)")
        #expect(share["dropout"]! < 0.1, "dropout's share is \(share["dropout"]!)")
        #expect(abs(share.values.reduce(0, +) - 1) < 1e-9)
    }

    @Test func importancesFollowTheSizeOfEachEffect() {
        let xs = sample(80, 3, seed: 11)
        let ys = xs.map { x in 4 * x[0] + 1.5 * x[1] }  // x2 is noise
        let r = ForestImportance.compute(features: xs, targets: ys, names: ["a", "b", "c"])
        #expect(r.importances.map(\.name) == ["a", "b", "c"])
        let share = Dictionary(uniqueKeysWithValues: r.importances.map { ($0.name, $0.importance) })
        #expect(share["a"]! > 2 * share["b"]!)
        #expect(share["c"]! < 0.05, "c's share is \(share["c"]!)")
    }

    @Test func theSameTrialsGiveTheSameBars() {
        let xs = sample(30, 2, seed: 3)
        let ys = xs.map { $0[1] }
        let a = ForestImportance.compute(features: xs, targets: ys, names: ["x", "y"])
        let b = ForestImportance.compute(features: xs, targets: ys, names: ["x", "y"])
        #expect(a == b)
        #expect(a.importances.first?.name == "y")
    }

    @Test func tooFewTrialsGiveNoImportances() {
        let r = ForestImportance.compute(features: [[0.1], [0.2], [0.3]], targets: [1, 2, 3], names: ["x"])
        #expect(r.importances.isEmpty)
    }
}
