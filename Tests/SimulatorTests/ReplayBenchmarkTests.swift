// Recorded curves: CSV and JSONL parsing of the per-epoch export format, interpolation, matching
// by nearest configuration and in order, recorded costs, and errors that name the row and column.
import Foundation
import Search
import Testing
@testable import Simulator

@Suite struct ReplayBenchmarkTests {
    static let csv = """
        trial,epoch,val_loss,accuracy,seconds,param.lr,param.optimizer
        0,1,0.9,0.5,10,0.001,adam
        0,2,0.7,0.6,10,0.001,adam
        0,4,0.5,0.7,20,0.001,adam
        1,1,0.8,0.5,5,0.1,"sgd, nesterov"
        1,2,0.6,0.6,5,0.1,"sgd, nesterov"
        1,3,0.55,0.6,5,0.1,"sgd, nesterov"
        1,4,0.45,0.6,5,0.1,"sgd, nesterov"
        2,1,0.95,0.4,7,0.01,adam

        """

    func write(_ text: String, _ ext: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("replay-\(UUID().uuidString).\(ext)")
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url
    }

    @Test func csvParsesTrialsConfigsAndCurves() throws {
        let url = try write(Self.csv, "csv")
        let curves = try RecordedCurves.load(contentsOf: url, metric: "val_loss")
        #expect(curves.trials.map(\.id) == ["0", "1", "2"])
        #expect(curves.trials[0].config == ["lr": .double(0.001), "optimizer": .string("adam")])
        #expect(curves.trials[1].config["optimizer"] == .string("sgd, nesterov"))
        #expect(curves.trials[1].epochs == [1, 2, 3, 4])
        #expect(curves.trials[1].values == [0.8, 0.6, 0.55, 0.45])
        #expect(curves.trials[0].seconds == [10, 10, 20])
        #expect(curves.trials[0].otherMetrics == ["accuracy": [0.5, 0.6, 0.7]])
        #expect(abs(curves.trials[0].metrics(at: 3)["accuracy"]! - 0.65) < 1e-15)
    }

    @Test func otherMetricsAreReportedInNameOrder() throws {
        let rows: [[String: ParameterValue]] = (1...2).map { e in
            ["trial": .int(0), "epoch": .int(e), "val_loss": .double(1 / Double(e)), "zeta": .double(Double(e)),
             "accuracy": .double(0.5), "latency_ms": .double(3)]
        }
        let trial = try RecordedCurves(rows: rows, metric: "val_loss", source: "rows").trials[0]
        let m = trial.metrics(at: 1.5)
        #expect(m.keys == ["accuracy", "latency_ms", "zeta"] && m["zeta"] == 1.5 && m["accuracy"] == 0.5)
    }

    @Test func jsonLinesGiveTheSameCurvesAsCSV() throws {
        let jsonl = """
            {"trial": 0, "epoch": 1, "val_loss": 0.9, "accuracy": 0.5, "seconds": 10, "param.lr": 0.001, "param.optimizer": "adam"}
            {"trial": 0, "epoch": 2, "val_loss": 0.7, "accuracy": 0.6, "seconds": 10, "param.lr": 0.001, "param.optimizer": "adam"}

            {"trial": 0, "epoch": 4, "val_loss": 0.5, "accuracy": 0.7, "seconds": 20, "param.lr": 0.001, "param.optimizer": "adam"}
            """
        let fromJSON = try RecordedCurves.load(contentsOf: try write(jsonl, "jsonl"), metric: "val_loss")
        let fromCSV = try RecordedCurves.load(contentsOf: try write(Self.csv, "csv"), metric: "val_loss")
        #expect(fromJSON.trials[0] == fromCSV.trials[0])
    }

    @Test func jsonLinesNullObjectiveReadsAsNaN() throws {
        let jsonl = """
            {"trial": 0, "epoch": 1, "val_loss": null, "param.lr": 0.001}
            {"trial": 0, "epoch": 2, "val_loss": 0.7, "param.lr": 0.001}
            """
        let curves = try RecordedCurves.load(contentsOf: try write(jsonl, "jsonl"), metric: "val_loss")
        #expect(curves.trials[0].values[0].isNaN)
        #expect(curves.trials[0].values[1] == 0.7)
    }

    @Test func valuesInterpolateAndHoldAtTheEnds() throws {
        let curves = try RecordedCurves.load(contentsOf: try write(Self.csv, "csv"), metric: "val_loss")
        let t0 = curves.trials[0]
        #expect(t0.value(at: 0.5) == 0.9)
        #expect(t0.value(at: 2) == 0.7)
        #expect(abs(t0.value(at: 3) - 0.6) < 1e-15)   // halfway between epochs 2 and 4
        #expect(t0.value(at: 9) == 0.5)
        #expect(curves.trials[2].value(at: 4) == 0.95) // stopped after epoch 1: keeps its last value
    }

    @Test func nearestMatchingPicksTheClosestRecordedConfiguration() throws {
        let curves = try RecordedCurves.load(contentsOf: try write(Self.csv, "csv"), metric: "val_loss")
        let bench = try ReplayBenchmark(name: "replay", curves: curves, direction: .minimize, maxResource: 4)
        // Categoricals match exactly; lr spans a factor 100, so it is compared in log space.
        #expect(bench.recorded(trial: TrialID(5), config: ["lr": .double(0.09), "optimizer": .string("adam")]).id == "2")
        #expect(bench.recorded(trial: TrialID(5), config: ["lr": .double(0.09), "optimizer": .string("sgd, nesterov")]).id == "1")
        #expect(bench.value(trial: TrialID(5), config: ["lr": .double(0.002), "optimizer": .string("adam")], resource: 4) == 0.5)
        #expect(bench.optimum == 0.45)
        #expect(bench.trueFinalValue(trial: TrialID(0), config: ["lr": .double(0.1), "optimizer": .string("sgd, nesterov")]) == 0.45)
    }

    @Test func inOrderMatchingCyclesThroughRecordedTrials() throws {
        let curves = try RecordedCurves.load(contentsOf: try write(Self.csv, "csv"), metric: "accuracy")
        let bench = try ReplayBenchmark(name: "replay", curves: curves, direction: .maximize, maxResource: 4, matching: .inOrder)
        #expect((0..<6).map { bench.recorded(trial: TrialID($0), config: [:]).id } == ["0", "1", "2", "0", "1", "2"])
        #expect(bench.optimum == 0.7)
    }

    @Test func recordedSecondsAreTheCost() throws {
        let curves = try RecordedCurves.load(contentsOf: try write(Self.csv, "csv"), metric: "val_loss")
        let bench = try ReplayBenchmark(name: "replay", curves: curves, direction: .minimize, maxResource: 4, matching: .inOrder)
        #expect(bench.cost(trial: TrialID(0), config: [:], fromResource: 0, toResource: 2) == 20)
        #expect(bench.cost(trial: TrialID(0), config: [:], fromResource: 2, toResource: 4) == 20)
        #expect(bench.cost(trial: TrialID(1), config: [:], fromResource: 1, toResource: 3) == 10)
        // Trial 2 recorded only epoch 1 (7 s): later epochs cost its mean epoch.
        #expect(bench.cost(trial: TrialID(2), config: [:], fromResource: 0, toResource: 3) == 21)
    }

    @Test func errorsNameTheRowAndWhatIsMissing() throws {
        let noMetric = try write("trial,epoch,loss\n0,1,0.5\n", "csv")
        #expect(throws: SimulatorError(.badRecording,
            "\(noMetric.path): row 1 has no numeric `val_loss` (the study's objective metric); its metric columns are: loss")) {
            try RecordedCurves.load(contentsOf: noMetric, metric: "val_loss")
        }
        let ragged = try write("trial,epoch,val_loss\n0,1\n", "csv")
        #expect(throws: SimulatorError(.badRecording, "\(ragged.path): line 2 has 2 fields but the header has 3")) {
            try RecordedCurves.load(contentsOf: ragged, metric: "val_loss")
        }
    }
}
