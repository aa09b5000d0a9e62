// The framing of every Rung message: [tag "RUNG1"] [type] [JSON body] [binary chunk, if the type
// has one]; a ROUTER sees the sender's routing id first, a SUB the topic first. Decoding is total:
// any frames yield a `Message` or a `WireError` naming the problem. Leaves out sockets.

import Foundation
import RungBasics
import Search

/// A ROUTER peer's routing id (the first frame of everything a ROUTER receives from it).
public struct PeerID: Hashable, Sendable, CustomStringConvertible {
    /// The routing id's bytes as libzmq gives them.
    public var bytes: Data
    /// Wraps routing id bytes.
    public init(_ bytes: Data) { self.bytes = bytes }
    /// The routing id in hex.
    public var description: String { bytes.map { String(format: "%02x", $0) }.joined() }
}

/// Encodes and decodes Rung's multipart messages.
public enum Envelope {
    /// The protocol version this build speaks.
    public static let version = 1
    /// The first frame of every message: "RUNG" followed by the version in decimal.
    public static let tag = "RUNG\(version)"

    /// Size limits applied while decoding.
    public struct Limits: Hashable, Sendable {
        /// Largest JSON body frame accepted, in bytes.
        public var maxBodyBytes: Int
        /// Largest binary (checkpoint chunk) frame accepted, in bytes.
        public var maxBinaryBytes: Int
        /// 1 MiB bodies, 4 MiB chunks (the socket's ZMQ_MAXMSGSIZE should be a little above both).
        public static let standard = Limits(maxBodyBytes: 1 << 20, maxBinaryBytes: 4 << 20)
        /// The ZMQ_MAXMSGSIZE to set on sockets decoding with these limits: frames above it never
        /// reach the decoder (libzmq drops the connection), frames between the limits get ERROR.
        public var socketMaxMessageSize: Int { 2 * max(maxBodyBytes, maxBinaryBytes) }
        /// Makes the value from its fields (the JSON fields of the same names).
        public init(maxBodyBytes: Int, maxBinaryBytes: Int) {
            self.maxBodyBytes = maxBodyBytes; self.maxBinaryBytes = maxBinaryBytes
        }
    }

    private static let tagData = Data(tag.utf8)
    private static let typeData: [MessageType: Data] =
        Dictionary(uniqueKeysWithValues: MessageType.allCases.map { ($0, Data($0.rawValue.utf8)) })

    // MARK: Encode

    /// The frames of `message`: tag, type, JSON body, and the binary frame if the type has one.
    public static func encode(_ message: Message) -> [Data] {
        var body = JSONWriter()
        let p = parts(message, body: &body)
        var frames = [p.tag, p.type, Data(body.bytes)]
        if let binary = p.binary { frames.append(binary) }
        return frames
    }

    /// The frames of `message` as `encode` makes them, with the body appended to `body`: what a
    /// socket sends straight from, without a `Data` copy, a frame array or a new buffer.
    static func parts(_ message: Message, body: inout JSONWriter) -> (tag: Data, type: Data, binary: Data?) {
        do {
            try message.encodeBody(into: &body)
        } catch {
            // Every body is plain structs of numbers, strings, arrays and dictionaries with
            // string keys, and non-finite numbers have a spelling: encoding cannot fail.
            preconditionFailure("encoding a \(message.type.rawValue) body failed: \(error)")
        }
        return (tagData, typeData[message.type]!, message.binary)
    }

    /// The frames a ROUTER sends to `peer`: its routing id, then `encode(message)`.
    public static func encode(_ message: Message, to peer: PeerID) -> [Data] {
        [peer.bytes] + encode(message)
    }

    /// The frames a PUB sends: the topic (see `Topic`), then `encode(message)`.
    public static func encode(_ message: Message, topic: String) -> [Data] {
        [Data(topic.utf8)] + encode(message)
    }

    // MARK: Decode

    /// Decodes the frames of one message (without routing id or topic). Total: any input yields
    /// a message or a `WireError` whose code and text name the problem.
    public static func decode(_ frames: [Data], limits: Limits = .standard) throws(WireError) -> Message {
        guard frames.count >= 3 else {
            throw WireError(.missingFrames,
                "got \(frames.count) frame(s); a message has 3: [\"\(tag)\", TYPE, JSON body] (+1 binary frame for CHECKPOINT_PUT/CHECKPOINT)")
        }
        try checkTag(frames[0])
        let type = try messageType(frames[1])
        let expected = type.carriesBinaryFrame ? 4 : 3
        guard frames.count == expected else {
            if frames.count < expected {
                throw WireError(.missingFrames,
                    "\(type.rawValue) needs \(expected) frames (the 4th holds the chunk's bytes); got \(frames.count)")
            }
            throw WireError(.unexpectedFrames,
                "\(type.rawValue) has \(expected) frames; got \(frames.count)")
        }
        let body = frames[2]
        guard body.count <= limits.maxBodyBytes else {
            throw WireError(.oversize,
                "\(type.rawValue) body is \(body.count) bytes; the limit is \(limits.maxBodyBytes)")
        }
        var binary: Data?
        if type.carriesBinaryFrame {
            guard frames[3].count <= limits.maxBinaryBytes else {
                throw WireError(.oversize,
                    "\(type.rawValue) chunk is \(frames[3].count) bytes; the limit is \(limits.maxBinaryBytes)")
            }
            binary = frames[3]
        }
        let message: Message
        do {
            message = try Message.decode(type, body: body.isEmpty ? Data("{}".utf8) : body, binary: binary)
        } catch let e as DecodingError {
            throw WireError(.malformedBody, "\(type.rawValue) body: \(describe(e))")
        } catch {
            throw WireError(.malformedBody, "\(type.rawValue) body: \(error)")
        }
        try validate(message)
        return message
    }

    /// `decode` of the commonest message, a plain REPORT, from its three frames read in place (a
    /// socket's receive buffers, valid during the call): the message `decode` returns for them, or
    /// nil when `decode` must read them (another type, a body the REPORT fast path does not take,
    /// and every refusal, which `decode` then words as ever). The same checks as `decode`, in
    /// its order: tag, type, body size, the body's fields, their ranges.
    static func plainReport(tag: UnsafeRawBufferPointer, type: UnsafeRawBufferPointer,
                            body: UnsafeRawBufferPointer, limits: Limits) -> Message? {
        guard same(tag, tagData), same(type, reportType), body.count <= limits.maxBodyBytes,
              body.count > 0, let base = body.baseAddress else { return nil }
        // The body's bytes wrapped, not copied: the `Data` does not outlive this call (the report
        // read from it holds its own strings).
        let data = Data(bytesNoCopy: UnsafeMutableRawPointer(mutating: base), count: body.count, deallocator: .none)
        guard let report = EpochReport.plain(data) else { return nil }
        let message = Message.report(report)
        do { try validate(message) } catch { return nil }
        return message
    }

    private static func same(_ bytes: UnsafeRawBufferPointer, _ data: Data) -> Bool {
        guard bytes.count == data.count, let b = bytes.baseAddress else { return false }
        return data.withUnsafeBytes { memcmp($0.baseAddress!, b, bytes.count) == 0 }
    }

    /// Splits what a ROUTER received into the sender's routing id and the message frames.
    /// Nil only for an empty frame list (which libzmq never delivers).
    public static func splitRouted(_ frames: [Data]) -> (peer: PeerID, frames: [Data])? {
        guard let first = frames.first else { return nil }
        return (PeerID(first), Array(frames.dropFirst()))
    }

    /// Decodes what a SUB received: the topic frame, then a message.
    public static func decodePublished(_ frames: [Data], limits: Limits = .standard)
        throws(WireError) -> (topic: String, message: Message)
    {
        guard let first = frames.first else {
            throw WireError(.missingFrames, "got no frames; a published message starts with its topic")
        }
        guard let topic = String(data: first, encoding: .utf8) else {
            throw WireError(.malformedBody, "the topic frame is not UTF-8: \(printable(first))")
        }
        return (topic, try decode(Array(frames.dropFirst()), limits: limits))
    }

    /// The ERROR reply to frames that failed with `error`: names the offending type frame if it
    /// had one. The coordinator sends it with `encode(_:to:)` and carries on.
    public static func errorReply(for error: WireError, frames: [Data]) -> Message {
        var regarding: String?
        if frames.count >= 2, frames[1].count <= 32 {
            regarding = String(data: frames[1], encoding: .utf8)
        }
        return .error(ErrorReply(error, regarding: regarding))
    }

    // MARK: Helpers

    private static func checkTag(_ frame: Data) throws(WireError) {
        if frame == tagData { return }
        let prefix = Data("RUNG".utf8)
        if frame.count > 4, frame.count <= 10, frame.starts(with: prefix) {
            let digits = frame.dropFirst(4)
            if digits.allSatisfy({ (0x30...0x39).contains($0) }) {
                throw WireError(.unsupportedVersion,
                    "peer speaks protocol \(String(decoding: frame, as: UTF8.self)); this side speaks \(tag) only")
            }
        }
        throw WireError(.notRung,
            "first frame is \(printable(frame)); a Rung message starts with the frame \"\(tag)\"")
    }

    private static let typesByName: [String: MessageType] =
        Dictionary(uniqueKeysWithValues: MessageType.allCases.map { ($0.rawValue, $0) })

    private static let reportType = Data(MessageType.report.rawValue.utf8)
    private static let logType = Data(MessageType.log.rawValue.utf8)

    private static func messageType(_ frame: Data) throws(WireError) -> MessageType {
        // The hot types by a byte comparison, before hashing a String for the others.
        if frame == reportType { return .report }
        if frame == logType { return .log }
        if frame.count <= 32, let t = typesByName[String(decoding: frame, as: UTF8.self)] {
            return t
        }
        throw WireError(.unknownType,
            "type frame \(printable(frame)) is no message type; known: \(MessageType.allCases.map(\.rawValue).joined(separator: ", "))")
    }

    /// Checks that JSON cannot express: every number within `WireBounds` (Validation.swift).
    private static func validate(_ message: Message) throws(WireError) {
        try message.validate()
    }

    /// Up to 24 bytes of `data` as text with non-printable bytes escaped, and its length.
    static func printable(_ data: Data) -> String {
        var s = "\""
        for byte in data.prefix(24) {
            if byte >= 0x20 && byte < 0x7f && byte != 0x22 && byte != 0x5c {
                s.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                s += String(format: "\\x%02x", byte)
            }
        }
        s += data.count > 24 ? "…\" (\(data.count) bytes)" : "\""
        return s
    }

    private static func describe(_ error: DecodingError) -> String {
        func path(_ p: [any CodingKey]) -> String {
            p.isEmpty ? "the body" : "`" + p.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }
                .joined(separator: ".").replacingOccurrences(of: ".[", with: "[") + "`"
        }
        switch error {
        case .keyNotFound(let key, let c):
            let at = c.codingPath.isEmpty ? "" : " in \(path(c.codingPath))"
            return "missing field `\(key.stringValue)`\(at)"
        case .typeMismatch(let type, let c):
            return "\(path(c.codingPath)) has the wrong type: expected \(jsonName(type))"
        case .valueNotFound(let type, let c):
            return "\(path(c.codingPath)) is null: expected \(jsonName(type))"
        case .dataCorrupted(let c):
            if c.codingPath.isEmpty { return "not valid JSON (\(c.debugDescription))" }
            return "\(path(c.codingPath)) is invalid: \(c.debugDescription)"
        @unknown default:
            return "\(error)"
        }
    }

    private static func jsonName(_ type: Any.Type) -> String {
        switch type {
        case is Int.Type: "an integer"
        case is Double.Type: "a number"
        case is String.Type: "a string"
        case is Bool.Type: "true or false"
        default: "\(type)".hasPrefix("Dictionary") ? "an object" : "\(type)".hasPrefix("Array") ? "an array" : "\(type)"
        }
    }
}
