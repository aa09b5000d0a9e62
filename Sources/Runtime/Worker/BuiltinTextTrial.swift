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
        let dir = URL(fileURLWithPath: spec.checkpointDirectory, isDirectory: true)
        let file = dir.appendingPathComponent(BuiltinTrial.checkpointFile)
        var checkpoint: TextCheckpoint?
        if spec.fromEpoch > 0 {
            do { checkpoint = try TextCheckpoint(contentsOf: file) } catch {
                throw RuntimeError(.io, "cannot resume trial \(spec.trial) from \(file.path): \(error)")
            }
        }
        let result: TextTrialResult
        do {
            result = try TextTask.run(config: config, fromEpoch: spec.fromEpoch, toEpoch: spec.toEpoch, checkpoint: checkpoint) { m in
                emit(BuiltinTrial.line(m, epoch: m.epoch))
                return .proceed
            }
        } catch {
            throw RuntimeError(.invalidArgument, "\(error)")
        }
        if !spec.saveCheckpoint, let report = result.testReport { emit(ReportLine(report, classNames: result.classNames).line) }
        if spec.saveCheckpoint {
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            do { try result.checkpoint.write(to: file) } catch {
                throw RuntimeError(.io, "cannot save the checkpoint \(file.path): \(error)")
            }
        }
    }
}
