// The built-in tabular task as one attempt, run inside the `rung run-trial` child: the study's task
// options plus the trial's parameters make a `TabularTrialConfig`; it trains from its checkpoint
// (if any) to `toEpoch`, printing one JSON metric line per epoch, and saves the checkpoint as
// safetensors. Leaves out image and text tasks.
import FineTune
import Foundation
import Search

/// Runs built-in trials.
public enum BuiltinTrial {
    /// The checkpoint file inside an attempt's checkpoint directory.
    public static let checkpointFile = "checkpoint.safetensors"

    /// The trial's configuration: the task options overlaid with its parameters. Parameter names
    /// may be snake_case (`learning_rate` → `learningRate`); `hidden_units` with an optional
    /// `layers` (default 1) sets `hidden` to `layers` × `hidden_units`.
    public static func config(_ spec: BuiltinTrialSpec) throws -> TabularTrialConfig {
        var params = spec.config
        var extra: [String: Any] = [:]
        if let units = params.removeValue(forKey: "hidden_units")?.numeric {
            let layers = params.removeValue(forKey: "layers")?.numeric ?? 1
            // Parameters come over the wire: whole numbers in a sane range, or a clear error.
            guard let u = Int(exactly: units.rounded()), (1...1_000_000).contains(u),
                  let l = Int(exactly: layers.rounded()), (1...1_000).contains(l) else {
                throw RuntimeError(.invalidArgument,
                    "`hidden_units` \(units) and `layers` \(layers) must be whole numbers in 1…1000000 and 1…1000")
            }
            extra["hidden"] = Array(repeating: u, count: l)
        }
        let json = try overlay(spec, params: params, extra: extra)
        do {
            return try TabularTrialConfig.decode(json: json, source: "trial \(spec.trial)'s task and parameters")
        } catch {
            throw RuntimeError(.invalidArgument, "\(error)")
        }
    }

    /// The task options (camelCased) overlaid with `extra` and the trial's parameters `params`,
    /// with `epochs` defaulting to the attempt's target, as JSON for a task's configuration.
    /// `allowed`, when given, lists the keys the task accepts; any other key is an error.
    static func overlay(_ spec: BuiltinTrialSpec, params: Configuration, extra: [String: Any] = [:],
                        allowed: [String]? = nil) throws -> Data {
        var object = (try? JSONSerialization.jsonObject(with: Data(spec.task.optionsJSON.utf8)) as? [String: Any]) ?? [:]
        object = Dictionary(uniqueKeysWithValues: object.map { (camel($0.key), $0.value) })
        object.merge(extra) { _, new in new }
        for (key, value) in params {
            switch value {
            case .double(let v): object[camel(key)] = v
            case .int(let v): object[camel(key)] = v
            case .bool(let v): object[camel(key)] = v
            case .string(let v): object[camel(key)] = v
            }
        }
        if let allowed, let unknown = object.keys.sorted().first(where: { !allowed.contains($0) }) {
            throw RuntimeError(.invalidArgument, "trial \(spec.trial): the \(spec.task.kind) task has no setting '\(unknown)'; accepted: \(allowed.joined(separator: ", "))")
        }
        if object["epochs"] == nil { object["epochs"] = max(spec.toEpoch, 1) }
        return try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
    }

    /// Runs the attempt; `emit` receives each metric line (JSON text).
    public static func run(_ spec: BuiltinTrialSpec, emit: (String) -> Void) throws {
        if spec.task.kind == "text" { return try BuiltinTextTrial.run(spec, emit: emit) }
        if spec.task.kind == "image" { return try BuiltinImageTrial.run(spec, emit: emit) }
        guard spec.task.kind == "tabular" else {
            throw RuntimeError(.invalidArgument, "built-in task '\(spec.task.kind)' is not known; accepted: \(BuiltinTask.kinds.joined(separator: ", "))")
        }
        let config = try config(spec)
        let checkpoint = try resumeCheckpoint(spec) { try TabularCheckpoint(contentsOf: $0) }
        var last: EpochMetrics?
        let result: TabularTrialResult
        do {
            result = try TabularTask.run(config: config, fromEpoch: spec.fromEpoch, toEpoch: spec.toEpoch,
                                         checkpoint: checkpoint) { m in
                last = m
                emit(line(m, epoch: m.epoch))
                return .proceed
            }
        } catch {
            throw RuntimeError(.invalidArgument, "\(error)")
        }
        // Early stopping ended training before `toEpoch`: the model no longer changes, so its last
        // metrics stand for the remaining epochs (the scheduler needs a value at every rung).
        if let last, result.completedEpochs < spec.toEpoch {
            for e in (result.completedEpochs + 1)...spec.toEpoch { emit(line(last, epoch: e)) }
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
    static func line(_ m: EpochMetrics, epoch: Int, extra: [String: Double] = [:]) -> String {
        var fields: [String: Double] = [
            "train_loss": m.trainLoss, "val_loss": m.validationLoss, "accuracy": m.accuracy,
            "macro_f1": m.macroF1, "weighted_f1": m.weightedF1, "precision": m.macroPrecision,
            "recall": m.macroRecall, "lr": m.learningRate, "seconds": m.seconds,
        ]
        if let auc = m.rocAUC { fields["roc_auc"] = auc }
        fields.merge(extra) { _, new in new }
        let body = fields.keys.sorted().map { key -> String in
            let v = fields[key]!
            return "\"\(key)\": " + (v.isFinite ? "\(v)" : "\"\(v)\"")
        }
        return "{\"epoch\": \(epoch), " + body.joined(separator: ", ") + "}"
    }

    /// `learning_rate` → `learningRate`.
    static func camel(_ s: String) -> String {
        let parts = s.split(separator: "_")
        guard parts.count > 1 else { return s }
        return String(parts[0]) + parts.dropFirst().map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined()
    }
}
