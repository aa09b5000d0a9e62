// A built-in task (tabular, image or text) as one attempt, run inside the `rung run-trial` child:
// the study's task options and the trial's parameters go to FineTune as `TrialSettings`, which
// makes the task's configuration (key names and shorthands are FineTune's business); the task
// trains from its checkpoint (if any) to `toEpoch`, printing one JSON metric line per epoch (an
// image model's cost and test figures on them), then the final attempt's per-class report line,
// and saves the checkpoint as safetensors. Leaves out command tasks (TrialRun.swift).
import FineTune
import Foundation
import Search

/// Runs built-in trials.
public enum BuiltinTrial {
    /// The checkpoint file inside an attempt's checkpoint directory.
    public static let checkpointFile = "checkpoint.safetensors"

    /// The built-in tasks, each a FineTune task.
    enum Kind: String, CaseIterable {
        /// `TabularTask`: an MLP on a CSV table (or the synthetic one).
        case tabular
        /// `ImageTask`: a backbone with a new head.
        case image
        /// `TextTask`: a BERT encoder with a linear head.
        case text
    }

    /// The trial's settings: the task options overlaid with its parameters, values passed as they are.
    static func settings(_ spec: BuiltinTrialSpec) throws -> TrialSettings {
        let parameters = spec.config.mapValues { value -> JSONValue in
            switch value {
            case .double(let v): .double(v)
            case .int(let v): .int(v)
            case .bool(let v): .bool(v)
            case .string(let v): .string(v)
            }
        }
        do {
            return try TrialSettings(optionsJSON: spec.task.optionsJSON, parameters: parameters,
                                     source: "trial \(spec.trial)'s task and parameters")
        } catch {
            throw RuntimeError(.invalidArgument, "\(error)")
        }
    }

    /// The trial's configuration for a task of type `C` (`TabularTrialConfig`, `ImageTrialConfig`,
    /// `TextTrialConfig`), with `epochs` defaulting to the attempt's target.
    public static func config<C: TrialConfig>(_ spec: BuiltinTrialSpec, as type: C.Type) throws -> C {
        let settings = try settings(spec)
        do { return try C(settings: settings, defaultEpochs: spec.toEpoch) } catch {
            throw RuntimeError(.invalidArgument, "\(error)")
        }
    }

    /// Runs the attempt; `emit` receives each metric line (JSON text).
    public static func run(_ spec: BuiltinTrialSpec, emit: (String) -> Void) throws {
        guard let kind = Kind(rawValue: spec.task.kind) else {
            throw RuntimeError(.invalidArgument, "built-in task '\(spec.task.kind)' is not known; accepted: \(BuiltinTask.kinds.joined(separator: ", "))")
        }
        let from = spec.fromEpoch, to = spec.toEpoch
        switch kind {
        case .tabular:
            let config = try config(spec, as: TabularTrialConfig.self)
            try attempt(spec, emit: emit) { checkpoint, _, onEpoch throws(FineTuneError) in
                try TabularTask.run(config: config, fromEpoch: from, toEpoch: to, checkpoint: checkpoint, onEpoch: onEpoch)
            }
        case .image:
            let config = try config(spec, as: ImageTrialConfig.self)
            // The cost is measured before the first epoch, so every metric line carries it.
            try attempt(spec, emit: emit) { checkpoint, fields, onEpoch throws(FineTuneError) in
                try ImageTask.run(config: config, fromEpoch: from, toEpoch: to, checkpoint: checkpoint, measureCost: true,
                                  onCost: { cost in for (k, v) in cost.fields { fields.values[k] = v } },
                                  onTest: { fields.values["test_accuracy"] = $0.accuracy; fields.values["test_macro_f1"] = $0.macroF1 },
                                  onEpoch: onEpoch)
            }
        case .text:
            let config = try config(spec, as: TextTrialConfig.self)
            try attempt(spec, emit: emit) { checkpoint, _, onEpoch throws(FineTuneError) in
                try TextTask.run(config: config, fromEpoch: from, toEpoch: to, checkpoint: checkpoint, onEpoch: onEpoch)
            }
        }
    }

    /// Figures a task adds to every metric line (an image model's cost, then its test figures).
    final class LineFields {
        var values = MetricValues()
    }

    /// One attempt of any task: reads the checkpoint it resumes from, runs `train` (printing a
    /// metric line per epoch), stands in for the epochs early stopping left out, prints the final
    /// attempt's report and keeps the checkpoint when the attempt pauses.
    static func attempt<Extra, Model>(
        _ spec: BuiltinTrialSpec, emit: (String) -> Void,
        train: (TrialCheckpoint<Extra>?, LineFields, (EpochMetrics) -> EpochDecision) throws(FineTuneError) -> TrialResult<Extra, Model>
    ) throws {
        let checkpoint = try resumeCheckpoint(spec) { try TrialCheckpoint<Extra>(contentsOf: $0) }
        let fields = LineFields()
        // `emit` runs only during the call; the epoch callback may hold it meanwhile.
        let result = try withoutActuallyEscaping(emit) { emit throws -> TrialResult<Extra, Model> in
            do {
                return try train(checkpoint, fields) { m in
                    emit(line(m, epoch: m.epoch, extra: fields.values))
                    return .proceed
                }
            } catch {
                throw RuntimeError(.invalidArgument, "\(error)")
            }
        }
        // Early stopping ended training before `toEpoch`: the model is the best epoch's and no
        // longer changes, so that epoch's metrics stand for the remaining epochs (the scheduler
        // needs a value at every rung).
        let best = result.checkpoint.earlyStopping?.bestIndex.flatMap { result.history.indices.contains($0) ? result.history[$0] : nil }
        // A later attempt of a trial that stopped in an earlier one only tests, and stands in for
        // its own epochs.
        let firstMissing = max(result.completedEpochs, spec.fromEpoch) + 1
        if result.stoppedEarly, let kept = best ?? result.history.last, firstMissing <= spec.toEpoch {
            for e in firstMissing...spec.toEpoch { emit(line(kept, epoch: e, extra: fields.values)) }
        }
        // The final attempt prints the test split's per-class report once (ReportLine.swift).
        emitReport(spec, result.testReport, classNames: result.classNames, emit: emit)
        try keepCheckpoint(spec) { try result.checkpoint.write(to: $0) }
    }

    /// Prints the per-class report line (ReportLine.swift) of a trial's final attempt, once.
    static func emitReport(_ spec: BuiltinTrialSpec, _ report: ClassificationReport?, classNames: [String], emit: (String) -> Void) {
        guard !spec.saveCheckpoint, let report else { return }
        emit(ReportLine(report, classNames: classNames).line)
    }

    /// The checkpoint an attempt resumes from (nil for a fresh start at epoch 0), read by `read`
    /// from the attempt's checkpoint file.
    static func resumeCheckpoint<C>(_ spec: BuiltinTrialSpec, _ read: (URL) throws -> C) throws -> C? {
        guard spec.fromEpoch > 0 else { return nil }
        let file = URL(fileURLWithPath: spec.checkpointDirectory, isDirectory: true).appendingPathComponent(checkpointFile)
        do { return try read(file) } catch {
            throw RuntimeError(.io, "cannot resume trial \(spec.trial) from \(file.path): \(error)")
        }
    }

    /// Writes the attempt's checkpoint file with `write` when the attempt pauses (not on its final run).
    static func keepCheckpoint(_ spec: BuiltinTrialSpec, _ write: (URL) throws -> Void) throws {
        guard spec.saveCheckpoint else { return }
        let dir = URL(fileURLWithPath: spec.checkpointDirectory, isDirectory: true)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let file = dir.appendingPathComponent(checkpointFile)
        do { try write(file) } catch {
            throw RuntimeError(.io, "cannot save the checkpoint \(file.path): \(error)")
        }
    }

    /// The metrics a built-in task of `kind` reports on its metric lines (what an objective or a
    /// constraint may name).
    public static func metricNames(kind: String) -> [String] {
        var names = ["train_loss", "val_loss", "accuracy", "macro_f1", "weighted_f1", "precision", "recall", "lr",
                     "seconds", "roc_auc"]
        if kind == "image" {
            names += ["params_total", "params_trainable", "latency_ms", "images_per_s", "memory_mb",
                      "test_accuracy", "test_macro_f1"]
        }
        return names
    }

    /// One metric line: `{"epoch": 3, "val_loss": …, "accuracy": …, "macro_f1": …, …}`.
    /// `extra` adds fields such as an image model's cost figures.
    /// The fields are written in name order.
    static func line(_ m: EpochMetrics, epoch: Int, extra: MetricValues = [:]) -> String {
        var fields: MetricValues = [
            "train_loss": m.trainLoss, "val_loss": m.validationLoss, "accuracy": m.accuracy,
            "macro_f1": m.macroF1, "weighted_f1": m.weightedF1, "precision": m.macroPrecision,
            "recall": m.macroRecall, "lr": m.learningRate, "seconds": m.seconds,
        ]
        if let auc = m.rocAUC { fields["roc_auc"] = auc }
        for (key, v) in extra { fields[key] = v }
        let body = fields.pairs.sorted { $0.key < $1.key }.map { key, v -> String in
            "\"\(key)\": " + (v.isFinite ? "\(v)" : "\"\(v)\"")
        }
        return "{\"epoch\": \(epoch), " + body.joined(separator: ", ") + "}"
    }
}
