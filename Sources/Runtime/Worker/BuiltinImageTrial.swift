// The built-in image task as one attempt inside the `rung run-trial` child: the study's task
// options overlaid with the trial's parameters make an `ImageTrialConfig` (snake_case accepted);
// it trains from its checkpoint to `toEpoch`, printing one JSON metric line per epoch with the
// model's cost figures (the last one with the test figures), then the per-class report line.
import FineTune
import Foundation
import Search

/// Runs built-in image trials.
enum BuiltinImageTrial {
    /// The trial's configuration: task options overlaid with its parameters.
    static func config(_ spec: BuiltinTrialSpec) throws -> ImageTrialConfig {
        let json = try BuiltinTrial.overlay(spec, params: spec.config, allowed: ImageTrialConfig.keys)
        do {
            return try ImageTrialConfig.decode(json: json, source: "trial \(spec.trial)'s task and parameters")
        } catch {
            throw RuntimeError(.invalidArgument, "\(error)")
        }
    }

    static func run(_ spec: BuiltinTrialSpec, emit: (String) -> Void) throws {
        let config = try config(spec)
        let checkpoint = try BuiltinTrial.resumeCheckpoint(spec) { try ImageCheckpoint(contentsOf: $0) }
        // The cost is measured before the first epoch, so every metric line carries it.
        var extra: [String: Double] = [:]
        var last: EpochMetrics?
        let result: ImageTrialResult
        do {
            result = try ImageTask.run(config: config, fromEpoch: spec.fromEpoch, toEpoch: spec.toEpoch, checkpoint: checkpoint,
                                       measureCost: true, onCost: { extra = $0.fields },
                                       onTest: { extra["test_accuracy"] = $0.accuracy; extra["test_macro_f1"] = $0.macroF1 },
                                       onEpoch: { m in
                                           last = m
                                           emit(BuiltinTrial.line(m, epoch: m.epoch, extra: extra))
                                           return .proceed
                                       })
        } catch {
            throw RuntimeError(.invalidArgument, "\(error)")
        }
        // Early stopping ended training before `toEpoch`: the last metrics stand for the
        // remaining epochs (the scheduler needs a value at every rung).
        if let last = last ?? result.history.last, result.completedEpochs < spec.toEpoch {
            for e in (result.completedEpochs + 1)...spec.toEpoch { emit(BuiltinTrial.line(last, epoch: e, extra: extra)) }
        }
        BuiltinTrial.emitReport(spec, result.testReport, classNames: result.classNames, emit: emit)
        try BuiltinTrial.keepCheckpoint(spec) { try result.checkpoint.write(to: $0) }
    }
}
