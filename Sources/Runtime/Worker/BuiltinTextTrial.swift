// The built-in text task as one attempt inside the `rung run-trial` child: the study's task
// options overlaid with the trial's parameters make a `TextTrialConfig` (snake_case accepted);
// it trains from its checkpoint to `toEpoch`, printing one JSON metric line per epoch.
import FineTune
import Foundation
import Search

/// Runs built-in text trials.
enum BuiltinTextTrial {
    /// The trial's configuration: task options overlaid with its parameters.
    static func config(_ spec: BuiltinTrialSpec) throws -> TextTrialConfig {
        let json = try BuiltinTrial.overlay(spec, params: spec.config, allowed: TextTrialConfig.keys)
        do {
            return try TextTrialConfig.decode(json: json, source: "trial \(spec.trial)'s task and parameters")
        } catch {
            throw RuntimeError(.invalidArgument, "\(error)")
        }
    }

    static func run(_ spec: BuiltinTrialSpec, emit: (String) -> Void) throws {
        let config = try config(spec)
        let checkpoint = try BuiltinTrial.resumeCheckpoint(spec) { try TextCheckpoint(contentsOf: $0) }
        let result: TextTrialResult
        do {
            result = try TextTask.run(config: config, fromEpoch: spec.fromEpoch, toEpoch: spec.toEpoch, checkpoint: checkpoint) { m in
                emit(BuiltinTrial.line(m, epoch: m.epoch))
                return .proceed
            }
        } catch {
            throw RuntimeError(.invalidArgument, "\(error)")
        }
        BuiltinTrial.emitReport(spec, result.testReport, classNames: result.classNames, emit: emit)
        try BuiltinTrial.keepCheckpoint(spec) { try result.checkpoint.write(to: $0) }
    }
}
