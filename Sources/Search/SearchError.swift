// The Search module's one error type: a code, a message a person can act on, and where it happened.
// Study-file errors carry the key path (`budget.reduction_factor`) and, when known, the line.
// Programmer errors inside the engine are not errors: they stop with `preconditionFailure`.

/// An error raised by the Search module (today only while reading and validating a study).
public struct SearchError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What kind of problem this is.
    public enum Code: String, Sendable, Equatable {
        /// The text is not well-formed YAML.
        case malformedYAML
        /// The YAML is well-formed but a key or value is not accepted.
        case invalidStudy
        /// The study file could not be read.
        case unreadable
    }

    /// What kind of problem this is.
    public var code: Code
    /// What was wrong and what is accepted, e.g. "`budget.reduction_factor` is 1; it must be an integer ≥ 2".
    public var message: String
    /// The key path the problem is at (`budget.reduction_factor`), if any.
    public var keyPath: String?
    /// The file (or other source name) the text came from.
    public var source: String
    /// The 1-based line in `source`, if known.
    public var line: Int?
    /// The underlying cause (e.g. the YAML parser's own message), if any.
    public var cause: String?

    /// Makes an error; `message` should say what was wrong and what is accepted.
    public init(_ code: Code, _ message: String, keyPath: String? = nil, source: String = "study.yaml",
                line: Int? = nil, cause: String? = nil) {
        self.code = code; self.message = message; self.keyPath = keyPath
        self.source = source; self.line = line; self.cause = cause
    }

    /// `source:line: message (cause)`.
    public var description: String {
        var s = source
        if let line { s += ":\(line)" }
        s += ": " + message
        if let cause { s += " (\(cause))" }
        return s
    }
}
