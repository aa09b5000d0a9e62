// The one built-in trial runner: the task options and parameters reach FineTune as they are
// (snake_case keys, the `hidden_units` shorthand), an unknown setting is refused naming it, and a
// trial that early stopping ends prints a metric line for every epoch up to `toEpoch`, those after
// the stop carrying the best epoch's figures (the model it keeps).
import Foundation
import Testing
import FineTune
import Search
@testable import Runtime

@Suite struct BuiltinTrialTests {
    private func spec(_ options: String, _ params: Configuration, from: Int = 0, to: Int, dir: URL, save: Bool = false) -> BuiltinTrialSpec {
        BuiltinTrialSpec(task: BuiltinTask(kind: "tabular", optionsJSON: options), trial: TrialID(7), attempt: 1, config: params,
                         fromEpoch: from, toEpoch: to, checkpointDirectory: dir.path, saveCheckpoint: save)
    }

    private let overfitting = #"{"batch_size": 8, "dropout": 0, "early_stopping_patience": 2, "seed": 5, "epochs": 40}"#
    private let wide: Configuration = ["hidden_units": .int(64), "layers": .int(2), "learning_rate": .double(0.02)]

    @Test func settingsReachTheTabularConfiguration() throws {
        let dir = FileManager.default.temporaryDirectory
        let s = spec(#"{"batch_size": 8, "early_stopping_patience": 2}"#, ["hidden_units": .int(64), "layers": .int(2), "learning_rate": .double(0.02)],
                     to: 5, dir: dir)
        let c = try BuiltinTrial.config(s, as: TabularTrialConfig.self)
        #expect(c.hidden == [64, 64] && c.batchSize == 8 && c.learningRate == 0.02 && c.earlyStoppingPatience == 2 && c.epochs == 5)
        #expect { try BuiltinTrial.run(spec("{}", ["learning_rat": .double(0.1)], to: 1, dir: dir)) { _ in } } throws: { error in
            "\(error)".contains("trial 7's task and parameters: the tabular task has no setting 'learning_rat'") && "\(error)".contains("learning_rate")
        }
    }

    @Test func earlyStoppingFillsTheRemainingEpochsWithTheBestEpochsFigures() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rung-builtin-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: dir) }
        // A wide net at a high rate on few rows: the validation loss turns up after a few epochs.
        let s = spec(overfitting, wide, to: 40, dir: dir)
        var lines: [String] = []
        try BuiltinTrial.run(s) { lines.append($0) }
        let metrics = lines.compactMap(MetricLine.init)
        #expect(metrics.map(\.epoch) == (1...40).map(Double.init))
        #expect(lines.count == 41 && ReportLine(line: lines[40]) != nil)
        let losses = metrics.map { $0.metrics["val_loss"]! }
        let best = losses.min()!
        // The trial stopped well before epoch 40, on an epoch worse than the best; every line after
        // that one repeats the best epoch's validation loss.
        let stopIndex = try #require(losses.lastIndex { $0 != best })
        #expect(stopIndex < 30 && losses.firstIndex(of: best)! < stopIndex)
        #expect(losses[(stopIndex + 1)...].allSatisfy { $0 == best })
    }

    @Test func anAttemptAfterTheOneEarlyStoppingEndedStandsInForItsEpochs() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rung-builtin-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: dir) }
        var whole: [String] = []
        try BuiltinTrial.run(spec(overfitting, wide, to: 40, dir: dir.appendingPathComponent("a"))) { whole.append($0) }
        // Paused at epoch 30, after the stop: the checkpoint is at the stop epoch, the rest stands in.
        let paused = dir.appendingPathComponent("b")
        var first: [String] = [], second: [String] = []
        try BuiltinTrial.run(spec(overfitting, wide, to: 30, dir: paused, save: true)) { first.append($0) }
        try BuiltinTrial.run(spec(overfitting, wide, from: 30, to: 40, dir: paused)) { second.append($0) }
        func stable(_ line: String) -> MetricValues { (MetricLine(line)?.metrics ?? [:]).filter { $0.key != "seconds" } }
        #expect(first.count == 30 && second.count == 11)
        #expect(second.compactMap(MetricLine.init).map(\.epoch) == (31...40).map(Double.init))
        #expect((first + second).map(stable) == whole.map(stable))
        #expect(second.last == whole.last && ReportLine(line: second.last!) != nil)
    }
}
