// The one error type of the Simulator module: bad benchmark names or files, settings out of range,
// and an engine that stops making progress. Each message says what was wrong, where, and what is
// accepted.

/// Everything the simulator can refuse or run into.
public struct SimulatorError: Error, Sendable, CustomStringConvertible, Equatable {
    /// What kind of problem it is.
    public enum Code: String, Sendable {
        /// A benchmark name that is not known.
        case unknownBenchmark
        /// A benchmark that cannot run on the study (missing parameters, wrong bounds).
        case benchmarkMismatch
        /// A recorded-curves file that cannot be read or parsed.
        case badRecording
        /// A simulation setting out of range.
        case badSetting
        /// The engine stopped asking for work while nothing was running.
        case stalled
    }

    /// The kind of problem.
    public var code: Code
    /// A message a person can act on.
    public var message: String

    /// Makes an error.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// The message.
    public var description: String { message }
}
