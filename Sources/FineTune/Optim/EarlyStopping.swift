// Early stopping with patience: watches one validation value per epoch and says when to stop.
// A value type fed one observation at a time; it never looks at models or files.

/// Whether a larger or a smaller monitored value is better.
public enum MonitorMode: String, Sendable, Hashable, Codable {
    /// Smaller is better (losses).
    case min
    /// Larger is better (accuracy, F1, ROC-AUC).
    case max
}

/// Early stopping with patience and a minimum improvement, as PyTorch Lightning's `EarlyStopping`:
/// an observation improves when it beats the best so far by more than `minDelta`; after `patience`
/// observations in a row without improvement, `shouldStop` becomes true.
public struct EarlyStopping: Sendable, Hashable, Codable {
    /// Observations without improvement tolerated before stopping (≥ 1).
    public var patience: Int
    /// The least change that counts as an improvement (≥ 0).
    public var minDelta: Double
    /// Whether larger or smaller values are better.
    public var mode: MonitorMode
    /// The best value seen so far (nil before the first observation).
    public private(set) var best: Double?
    /// The 0-based index of the observation that gave `best`.
    public private(set) var bestIndex: Int?
    /// Observations seen so far.
    public private(set) var observations: Int = 0
    /// Observations in a row without improvement.
    public private(set) var wait: Int = 0

    /// A fresh monitor.
    public init(patience: Int, minDelta: Double = 0, mode: MonitorMode = .min) {
        precondition(patience >= 1, "early stopping: patience is \(patience), but must be ≥ 1")
        precondition(minDelta >= 0, "early stopping: minDelta is \(minDelta), but must be ≥ 0")
        self.patience = patience
        self.minDelta = minDelta
        self.mode = mode
    }

    /// True once `patience` observations in a row brought no improvement.
    public var shouldStop: Bool { wait >= patience }

    /// Records one observation; returns true when it is an improvement (a new best).
    /// A NaN never improves.
    @discardableResult
    public mutating func record(_ value: Double) -> Bool {
        defer { observations += 1 }
        let improved: Bool
        if let best {
            improved = mode == .min ? value < best - minDelta : value > best + minDelta
        } else {
            improved = !value.isNaN
        }
        if improved {
            best = value
            bestIndex = observations
            wait = 0
        } else {
            wait += 1
        }
        return improved
    }
}
