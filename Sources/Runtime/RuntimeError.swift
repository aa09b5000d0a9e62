// The Runtime module's one error type: what went wrong in the coordinator or worker process,
// with a message a person can act on. Trial failures are not errors (they are data: `failed`).

/// An error raised by the coordinator or worker processes.
public struct RuntimeError: Error, CustomStringConvertible, Sendable {
    /// What kind of failure this is.
    public enum Code: String, Sendable {
        /// A command line or study setting is not acceptable.
        case invalidArgument = "invalid_argument"
        /// A child process could not be started.
        case spawnFailed = "spawn_failed"
        /// A file or directory could not be read or written.
        case io = "io"
        /// A message from a peer broke the protocol.
        case protocolViolation = "protocol"
        /// A coordinator did not answer in time.
        case unreachable = "unreachable"
        /// The study directory is held by another coordinator.
        case studyBusy = "study_busy"
        /// The study directory's records are missing or do not agree.
        case damaged = "damaged"
    }

    /// The kind of failure.
    public var code: Code
    /// What went wrong, where, and what is accepted.
    public var message: String
    /// The underlying error, if any.
    public var cause: (any Error & Sendable)?

    /// Makes an error with a code, an actionable message and an optional cause.
    public init(_ code: Code, _ message: String, cause: (any Error & Sendable)? = nil) {
        self.code = code; self.message = message; self.cause = cause
    }

    public var description: String {
        if let cause { return "\(message) (\(cause))" }
        return message
    }
}
