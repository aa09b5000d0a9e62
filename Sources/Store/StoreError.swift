// The Store module's one error type: a code, a message a person can act on, and the cause.
// Leaves out retry policy: callers decide whether an error is fatal.

/// Everything the study store throws.
public struct StoreError: Error, CustomStringConvertible, Sendable {
    /// What kind of failure this is.
    public enum Code: String, Sendable {
        /// The directory is missing or holds no `study.sqlite`.
        case notAStudyDirectory
        /// `create` was asked for a directory that already holds a study.
        case studyExists
        /// SQLite refused a statement or the file is damaged.
        case database
        /// A file in the study directory could not be read or written.
        case io
        /// A stored JSON value could not be decoded (damaged row or newer format).
        case corruptRecord
        /// The caller named a trial, attempt or checkpoint the store does not know.
        case unknownEntity
        /// A checkpoint upload did not match its announced size or sha256.
        case checksumMismatch
        /// An argument was out of its accepted range.
        case invalidArgument
    }

    /// The kind of failure.
    public var code: Code
    /// What went wrong, where, and what is accepted.
    public var message: String
    /// The underlying error, if any.
    public var cause: (any Error & Sendable)?

    /// Makes an error from its parts.
    public init(_ code: Code, _ message: String, cause: (any Error & Sendable)? = nil) {
        self.code = code
        self.message = message
        self.cause = cause
    }

    /// One line: the message and its cause.
    public var description: String {
        if let cause { return "\(message) (\(cause))" }
        return message
    }
}
