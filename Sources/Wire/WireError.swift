// The Wire module's one error type: transport failures (libzmq calls) and protocol violations
// (frames that do not decode). Its `code` doubles as the ERROR reply's `code` on the wire, so a
// peer learns exactly what was wrong. Leaves out what the coordinator does about it.

/// What went wrong in Wire: a failed libzmq call or a message that does not follow PROTOCOL.md.
public struct WireError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The kind of failure. The raw value is the `code` string of an ERROR reply (PROTOCOL.md §7).
    public enum Code: String, Codable, Sendable, CaseIterable {
        // Transport (local only; never sent to a peer).
        /// A libzmq call failed; `errno` holds the system error number.
        case transport = "TRANSPORT"
        // Framing and decoding (the coordinator answers these with an ERROR reply).
        /// No frame at all, or no chunk frame where the type needs one.
        case missingFrames = "MISSING_FRAMES"
        /// A frame after the message frame where the type carries none, or after its chunk frame.
        case unexpectedFrames = "UNEXPECTED_FRAMES"
        /// The message frame does not start with a Rung protocol tag (`RUNG<version>`).
        case notRung = "NOT_RUNG"
        /// A Rung protocol tag whose version this side does not speak (a RUNG1 peer's tag frame too).
        case unsupportedVersion = "UNSUPPORTED_VERSION"
        /// The tag is this side's, but the header line is not `RUNG2 TYPE\n` within its length limit.
        case malformedHeader = "MALFORMED_HEADER"
        /// The header's type names no known message type.
        case unknownType = "UNKNOWN_TYPE"
        /// The JSON body is not valid JSON or lacks a required field or has a wrong type.
        case malformedBody = "MALFORMED_BODY"
        /// A frame is larger than the limit for its place in the message.
        case oversize = "OVERSIZE"
        // Conversation (raised by the coordinator or a worker; defined here so both sides agree).
        /// A valid message that the receiver does not accept in its role or state (e.g. REPORT before HELLO).
        case unexpectedMessage = "UNEXPECTED_MESSAGE"
        /// A message other than HELLO from a peer the coordinator does not know (it restarted, or
        /// presumed the worker lost): send HELLO again, then resend from the refused `seq`.
        case unknownPeer = "UNKNOWN_PEER"
        /// A message about an attempt that the coordinator has superseded (lease expired, requeued).
        case staleAttempt = "STALE_ATTEMPT"
        /// A message names a trial the study does not have.
        case unknownTrial = "UNKNOWN_TRIAL"
        /// A checkpoint that is not stored, or whose chunks do not add up (size or SHA-256).
        case badCheckpoint = "BAD_CHECKPOINT"
        /// The sender's key does not hold the role the message needs (PROTOCOL.md §9).
        case forbidden = "FORBIDDEN"
        /// A message about an attempt from a connection that does not hold that attempt's lease.
        case notLeaseHolder = "NOT_LEASE_HOLDER"
        /// A HELLO under the name of a worker that is still connected.
        case nameInUse = "NAME_IN_USE"
        /// A value above a limit the coordinator sets (e.g. HELLO `slots` above --max-slots).
        case limitExceeded = "LIMIT_EXCEEDED"
        /// The receiver failed for a reason of its own; the message may be sent again later.
        case `internal` = "INTERNAL"
    }

    /// The kind of failure.
    public var code: Code
    /// What was wrong, where, and what is accepted — meant for a person.
    public var message: String
    /// The system error number of a failed libzmq call, else nil.
    public var errno: Int32?

    /// Makes an error of kind `code` with a message a person can act on.
    public init(_ code: Code, _ message: String, errno: Int32? = nil) {
        self.code = code; self.message = message; self.errno = errno
    }

    /// The code and the message, e.g. "MALFORMED_BODY: REPORT body: missing field `seq`".
    public var description: String { "\(code.rawValue): \(message)" }
}
