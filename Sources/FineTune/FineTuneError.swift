// The one error type of the FineTune module: a code to branch on, a message a person can act on
// (what was wrong, where, what is accepted) and the underlying cause when there is one.
// Programmer errors (shape mismatches in code) are not thrown; they stop with a precondition.
import Foundation

/// An error raised by FineTune while reading data, computing metrics or reading checkpoints.
public struct FineTuneError: Error, CustomStringConvertible, Sendable {
    /// What kind of problem this is, for callers that branch on it.
    public enum Code: String, Sendable, Codable {
        /// A file could not be read (missing, unreadable, not UTF-8).
        case unreadableFile
        /// A file could not be written.
        case unwritableFile
        /// A file holds no data (no header, or a header and no rows).
        case emptyFile
        /// The CSV text is malformed (an unterminated quote, a stray quote).
        case malformedCSV
        /// A row has a different number of fields than the header.
        case raggedRow
        /// A column named by the caller does not exist.
        case unknownColumn
        /// A value does not fit its column's kind (text in a numeric column).
        case invalidValue
        /// The target column has a missing value.
        case missingTarget
        /// A stratified split or k-fold cannot be made (too few examples of a class).
        case cannotStratify
        /// Options passed by the caller are out of range.
        case invalidOptions
        /// Inputs to a metric are inconsistent (lengths, class indices).
        case invalidMetricInput
        /// A safetensors file is corrupt or uses something this reader does not support.
        case invalidSafeTensors
        /// An IDX (MNIST-format) file is corrupt, truncated or of an unexpected kind.
        case invalidIDX
        /// A gzip stream is corrupt or uses something this reader does not support.
        case invalidGzip
        /// A PyTorch checkpoint is corrupt, or holds something other than tensors.
        case invalidCheckpoint
        /// An image file is not PNG or JPEG, is truncated or corrupt, or uses an unsupported variant.
        case invalidImage
    }

    /// What kind of problem this is.
    public let code: Code
    /// A message naming what was wrong, where, and what is accepted.
    public let message: String
    /// The underlying error, if another layer raised one first.
    public let underlying: (any Error & Sendable)?

    /// Creates an error with a code, a message and an optional underlying cause.
    public init(_ code: Code, _ message: String, underlying: (any Error & Sendable)? = nil) {
        self.code = code
        self.message = message
        self.underlying = underlying
    }

    /// The message, followed by the underlying error when there is one.
    public var description: String {
        if let underlying { return "\(message) (\(underlying))" }
        return message
    }
}
