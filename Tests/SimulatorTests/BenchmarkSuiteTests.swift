// The recorded benchmark suite in benchmarks/ (made by scripts/bench/make_curves.py, PyTorch twins,
// and scripts/bench/record_rung_curves.py, Rung's own `rung train`): each file
// holds 300+ configurations × 27 epochs with validation and test error and seconds per epoch, and a
// few seeds of the study-file default and of random search replay on the smallest one in seconds.
// The full comparison (20 seeds, against Optuna) is scripts/bench/compare_optuna.py.
import Foundation
import Search
import Testing
@testable import Simulator

@Suite struct BenchmarkSuiteTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let names = ["cancer-mlp", "cancer-rung", "diabetes-mlp", "digits-mlp", "digits-rung", "fmnist-mlp"]

    static func study(_ lines: String) throws -> Study {
        try Study.parse(yaml: """
            objective: {metric: val_error, direction: minimize}
            budget: {min_resource: 1, max_resource: 27, reduction_factor: 3}
            max_total_resource: 1350
            \(lines)
            space:
              lr: {type: loguniform, low: 1.0e-4, high: 0.3}
              weight_decay: {type: loguniform, low: 1.0e-6, high: 1.0e-1}
              width: {type: int, low: 8, high: 256, log: true}
              layers: {type: int, low: 1, high: 3}
              dropout: {type: uniform, low: 0.0, high: 0.6}
              batch_size: {type: categorical, choices: [32, 64, 128, 256]}
              optimizer: {type: categorical, choices: [adam, sgd]}
            """, source: "suite.yaml")
    }

    @Test(arguments: names)
    func recordingHoldsTheSuiteShape(name: String) throws {
        let url = Self.root.appendingPathComponent("benchmarks/\(name).csv.gz")
        let curves = try RecordedCurves.load(contentsOf: url, metric: "val_error")
        #expect(curves.trials.count >= 300)
        #expect(curves.trials.allSatisfy { $0.epochs == (1...27).map(Double.init) })
        #expect(curves.trials.allSatisfy { $0.seconds?.count == 27 && $0.otherMetrics["test_error"]?.count == 27 })
        #expect(curves.parameterNames == ["batch_size", "dropout", "layers", "lr", "optimizer", "weight_decay", "width"])
        if name != "fmnist-mlp" { #expect(curves.trials.allSatisfy { $0.seedCount == 2 }) }
    }

    @Test func defaultAndRandomSearchReplayOnARecordedBenchmark() throws {
        let bench = "replay:" + Self.root.appendingPathComponent("benchmarks/cancer-mlp.csv.gz").path
        var finals: [String: [Double]] = [:]
        for (label, lines) in [("default", ""), ("random", "scheduler: none\nsampler: random")] {
            let study = try Self.study(lines)
            let sim = StudySimulation(study: study, benchmark: try BenchmarkCatalog.make(bench, study: study), workers: 1)
            let results = try sim.run(repeats: 3, firstSeed: 0)
            for r in results {
                #expect(r.resourceUsed >= 1350 && r.resourceUsed < 1350 + 27)
                #expect(r.anytime.map(\.resource) == r.anytime.map(\.resource).sorted())
            }
            finals[label] = results.map { $0.final?.regret ?? .infinity }
        }
        #expect(finals.values.allSatisfy { $0.allSatisfy { $0 >= 0 && $0 < 20 } }, "\(finals)")
    }
}
