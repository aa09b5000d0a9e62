// What a text checkpoint keeps beside the shared core (`TrialCheckpoint`, whose weights are only
// the trained ones: the top encoder layers and the head): the configuration. Leaves out the
// frozen encoder (read again from the model directory) and the cached features (recomputed).
import Foundation

/// A text trial's state: trained weights, optimizer state, progress and config.
public typealias TextCheckpoint = TrialCheckpoint<TextCheckpointExtra>

/// The text part of a checkpoint.
public struct TextCheckpointExtra: CheckpointExtra {
    /// The trial's configuration.
    public var config: TextTrialConfig

    /// Creates the part from the configuration.
    public init(config: TextTrialConfig) { self.config = config }

    /// `rung-text-checkpoint-1`.
    public static let format = "rung-text-checkpoint-1"
    /// "text".
    public static let kind = "text"

    /// `rung.config`.
    public func metadata() -> [String: String] { ["rung.config": CheckpointFile.json(config, sortedKeys: false)] }

    /// Reads `rung.config`.
    public init(file: CheckpointFile) throws(FineTuneError) {
        config = try file.decode(TextTrialConfig.self, key: "rung.config")
    }
}
