// One epoch's numbers of one attempt, as a plain value: the vocabulary the worker (from a trial's
// metric line), the wire (REPORT), the coordinator (its journal's `.epoch` record, its live events)
// and the study store (`epoch_metrics` rows) share, with its field names and JSON keys defined once
// (`EpochReport.Field`). Leaves out reading a trial's printed line (Runtime's `MetricLine`), the
// wire's error wording (Wire's FastBodies) and the store's rung mark (Store's `TrialReport`).

/// The metrics of one attempt at one resource (epoch).
public struct EpochReport: Hashable, Sendable {
    /// The trial.
    public var trial: TrialID
    /// The attempt number (from ASSIGN), 1, 2, … within the trial.
    public var attempt: Int
    /// Sequence number within (trial, attempt), shared by REPORT, LOG, PAUSED, DONE, FAILED; from 1.
    /// Duplicates are detected on it.
    public var seq: Int
    /// Resource reached (epochs done, counted from the trial's start, not from the resume).
    public var resource: Double
    /// Metric name → value, e.g. `["val_loss": 0.41, "val_f1": 0.87]`, in the order reported.
    /// Non-finite values are kept (written as strings in JSON).
    public var metrics: MetricValues
    /// Whether `resource` is one of the assignment's `reportAt` milestones (a rung result), as the
    /// worker saw it. The coordinator decides milestones itself; this is for readers of the wire.
    public var atRung: Bool
    /// Seconds since 1970: the worker's wall time when measured, or (in the store) when received;
    /// nil when unknown.
    public var time: Double?

    /// Makes the value from its fields (the JSON members of the same names).
    public init(trial: TrialID, attempt: Int, seq: Int, resource: Double, metrics: MetricValues,
                atRung: Bool = false, time: Double? = nil) {
        self.trial = trial; self.attempt = attempt; self.seq = seq; self.resource = resource
        self.metrics = metrics; self.atRung = atRung; self.time = time
    }

    /// The resource as a whole epoch (0 when it is not one): the store's `epoch` column.
    public var epoch: Int { Int(exactly: resource.rounded()) ?? 0 }

    /// The fields and their JSON keys, in the order they are written.
    public enum Field: Int, CaseIterable, CodingKey, Sendable {
        /// One per stored property of `EpochReport`, named as it is.
        case trial, attempt, seq, resource, metrics, atRung, time

        /// The JSON key, the one spelling of each field's name.
        public var key: StaticString {
            switch self {
            case .trial: "trial"
            case .attempt: "attempt"
            case .seq: "seq"
            case .resource: "resource"
            case .metrics: "metrics"
            case .atRung: "atRung"
            case .time: "time"
            }
        }

        /// The JSON key as a string.
        public var stringValue: String { key.description }
        /// Fields have no integer keys.
        public var intValue: Int? { nil }
        /// The field named `stringValue`, if any.
        public init?(stringValue: String) {
            guard let f = Self.allCases.first(where: { $0.stringValue == stringValue }) else { return nil }
            self = f
        }
        /// Fields have no integer keys.
        public init?(intValue: Int) { nil }
    }
}

extension EpochReport: Codable {
    /// Reads the JSON object `JSONWriter.write(_:)` writes. `atRung` may be absent (journal
    /// records written before it was part of the record): false.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: Field.self)
        self.init(trial: try c.decode(TrialID.self, forKey: .trial), attempt: try c.decode(Int.self, forKey: .attempt),
                  seq: try c.decode(Int.self, forKey: .seq), resource: try c.decode(Double.self, forKey: .resource),
                  metrics: try c.decode(MetricValues.self, forKey: .metrics),
                  atRung: try c.decodeIfPresent(Bool.self, forKey: .atRung) ?? false,
                  time: try c.decodeIfPresent(Double.self, forKey: .time))
    }

    /// The same members as `JSONWriter.write(_:)`, in the same order.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Field.self)
        try c.encode(trial, forKey: .trial)
        try c.encode(attempt, forKey: .attempt)
        try c.encode(seq, forKey: .seq)
        try c.encode(resource, forKey: .resource)
        try c.encode(metrics, forKey: .metrics)
        try c.encode(atRung, forKey: .atRung)
        try c.encodeIfPresent(time, forKey: .time)
    }
}
