// The framing of every Rung message: one frame, the header line `RUNG2 TYPE\n` then the JSON body,
// and a second frame with the raw chunk for the two checkpoint types; a ROUTER sees the sender's
// routing id first, a SUB the topic first. Decoding is total: any frames yield a `Message` or a
// `WireError` naming the problem. A RUNG1 (multipart) peer is refused in its own framing.
// Leaves out sockets.

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

/// Encodes and decodes Rung's messages: one frame `RUNG2 TYPE\n` + JSON body (PROTOCOL.md §2),
/// and a second frame with the raw chunk for CHECKPOINT_PUT / CHECKPOINT.
public enum Envelope {
    /// The protocol version this build speaks.
    public static let version = 2
    /// The tag that opens every message frame: "RUNG" followed by the version in decimal.
    public static let tag = "RUNG\(version)"
    /// The tag of the previous, multipart framing (`[RUNG1, TYPE, body(, chunk)]`): a peer that
    /// still speaks it is refused in its own framing (`refusal(for:frames:to:)`).
    public static let legacyTag = "RUNG1"
    /// The longest type name in a header.
    public static let maxTypeBytes = 32
    /// The longest header line, newline included: the tag, a space, a type of at most
    /// `maxTypeBytes`, the newline (39 bytes).
    public static let maxHeaderBytes = tag.utf8.count + 1 + maxTypeBytes + 1

    /// Size limits applied while decoding.
    public struct Limits: Hashable, Sendable {
        /// Largest JSON body accepted (the frame after its header line), in bytes.
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

    /// The message frame of a type named by its text, and a body: the header line
    /// `RUNG2 NAME\n`, then the body's bytes. What `encode` writes for a known type; for tests and
    /// tools that write frames by hand, any name.
    public static func frame(type name: String, body: some Sequence<UInt8>) -> Data {
        Data("\(tag) \(name)\n".utf8) + Data(body)
    }

    /// Each type's header line, `RUNG2 TYPE\n`.
    private static let headers: [MessageType: [UInt8]] =
        Dictionary(uniqueKeysWithValues: MessageType.allCases.map { ($0, Array(frame(type: $0.rawValue, body: [UInt8]()))) })
    /// The header of the commonest message, compared byte for byte on the receive fast path.
    private static let reportHeader = headers[.report]!
    /// `reportHeader` as a literal, compared on the receive path as two eight-byte words (no
    /// lazy global, no `memcmp` call); PlainReportTests checks that it is `reportHeader`.
    static var reportHeaderText: StaticString { "RUNG2 REPORT\n" }
    /// The header of the next commonest.
    private static let logHeader = headers[.log]!

    // MARK: Encode

    /// The frames of `message`: its message frame (header line, JSON body), and the chunk frame
    /// if the type has one.
    public static func encode(_ message: Message) -> [Data] {
        var frame = JSONWriter()
        let chunk = write(message, into: &frame)
        var frames = [Data(frame.bytes)]
        if let chunk { frames.append(chunk) }
        return frames
    }

    /// Appends `message`'s frame (header line, then JSON body) to `frame`, and returns its chunk
    /// frame if the type has one: what a socket sends straight from, without a `Data` copy, a
    /// frame array or a new buffer.
    package static func write(_ message: Message, into frame: inout JSONWriter) -> Data? {
        switch message {
        // The hot types without hashing the type's name; a REPORT without a second look at the
        // message (each look copies its payload).
        case .report(let r):
            frame.bytes.append(contentsOf: reportHeader)
            frame.write(r)
            return nil
        case .log: frame.bytes.append(contentsOf: logHeader)
        default: frame.bytes.append(contentsOf: headers[message.type]!)
        }
        do {
            try message.encodeBody(into: &frame)
        } catch {
            // Every body is plain structs of numbers, strings, arrays and dictionaries with
            // string keys, and non-finite numbers have a spelling: encoding cannot fail.
            preconditionFailure("encoding a \(message.type.rawValue) body failed: \(error)")
        }
        return message.binary
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
    /// a message or a `WireError` whose code and text name the problem. Checks in this order:
    /// a frame at all, the header line (tag, version, shape, type), the number of frames, the
    /// body's and the chunk's sizes, the body's JSON and fields, their ranges.
    public static func decode(_ frames: [Data], limits: Limits = .standard) throws(WireError) -> Message {
        guard let first = frames.first else {
            throw WireError(.missingFrames,
                "got no frames; a message is one frame, \"\(tag) TYPE\\n\" followed by the JSON body (+1 chunk frame for CHECKPOINT_PUT/CHECKPOINT)")
        }
        let (type, bodyStart) = try first.withUnsafeBytes { header($0) }.get()
        let expected = type.carriesBinaryFrame ? 2 : 1
        guard frames.count == expected else {
            if frames.count < expected {
                throw WireError(.missingFrames,
                    "\(type.rawValue) needs \(expected) frames (the 2nd holds the chunk's bytes); got \(frames.count)")
            }
            throw WireError(.unexpectedFrames,
                "\(type.rawValue) is \(expected) frame\(expected == 1 ? "" : "s"); got \(frames.count)")
        }
        let bodyCount = first.count - bodyStart
        guard bodyCount <= limits.maxBodyBytes else {
            throw WireError(.oversize,
                "\(type.rawValue) body is \(bodyCount) bytes; the limit is \(limits.maxBodyBytes)")
        }
        var binary: Data?
        if type.carriesBinaryFrame {
            guard frames[1].count <= limits.maxBinaryBytes else {
                throw WireError(.oversize,
                    "\(type.rawValue) chunk is \(frames[1].count) bytes; the limit is \(limits.maxBinaryBytes)")
            }
            binary = frames[1]
        }
        // The body as a slice of the frame, not a copy (every reader goes through its bytes).
        let body = bodyCount == 0 ? Data("{}".utf8) : first[(first.startIndex + bodyStart)...]
        let message: Message
        do {
            message = try Message.decode(type, body: body, binary: binary)
        } catch let e as DecodingError {
            throw WireError(.malformedBody, "\(type.rawValue) body: \(describe(e))")
        } catch {
            throw WireError(.malformedBody, "\(type.rawValue) body: \(error)")
        }
        try validate(message)
        return message
    }

    /// `decode` of the commonest message, a plain REPORT, from its one frame read in place (a
    /// socket's receive buffer, valid during the call): the message `decode` returns for it, or
    /// nil when `decode` must read it (another type, a body the REPORT fast path does not take,
    /// and every refusal, which `decode` then words as ever). The same checks as `decode`, in
    /// its order: header, body size, the body's fields, their ranges.
    package static func plainReport(frame: UnsafeRawBufferPointer, limits: Limits) -> Message? {
        var names = MetricNameCache.none
        return plainReport(frame: frame, limits: limits, names: &names)
    }

    /// `plainReport`, reusing the metric names kept in `names` from the REPORTs read before
    /// (`EpochReport.plain(_:names:)`): what a ROUTER does, one cache per socket.
    package static func plainReport(frame: UnsafeRawBufferPointer, limits: Limits, names: inout MetricNameCache) -> Message? {
        let header = reportHeaderText
        let h = header.utf8CodeUnitCount, text = UnsafeRawPointer(header.utf8Start)
        guard frame.count > h, frame.count - h <= limits.maxBodyBytes, let base = frame.baseAddress,
              base.loadUnaligned(as: UInt64.self) == text.loadUnaligned(as: UInt64.self),
              base.loadUnaligned(fromByteOffset: h - 8, as: UInt64.self) == text.loadUnaligned(fromByteOffset: h - 8, as: UInt64.self)
        else { return nil }
        // The body read in place, not wrapped in a `Data` (which would allocate its storage); the
        // report read from it holds its own strings.
        guard let report = EpochReport.plain(UnsafeRawBufferPointer(start: base + h, count: frame.count - h), names: &names)
        else { return nil }
        let message = Message.report(report)
        do { try validate(message) } catch { return nil }
        return message
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

    /// The ERROR reply to frames that failed with `error`: names the offending type if its
    /// header (or, from a RUNG1 peer, its type frame) had a readable one.
    public static func errorReply(for error: WireError, frames: [Data]) -> Message {
        .error(ErrorReply(error, regarding: typeText(frames)))
    }

    /// What a ROUTER sends `peer` for `frames` that failed with `error`: `errorReply` in this
    /// protocol's framing, except to a peer that speaks RUNG1 (its first frame is exactly
    /// `RUNG1`), which gets it in RUNG1's framing, `[RUNG1, ERROR, body]`, so that it can read why
    /// it is refused. The coordinator sends these frames and carries on.
    public static func refusal(for error: WireError, frames: [Data], to peer: PeerID) -> [Data] {
        let reply = errorReply(for: error, frames: frames)
        guard frames.first.map({ $0.elementsEqual(legacyTag.utf8) }) == true else {
            return encode(reply, to: peer)
        }
        var body = JSONWriter()
        do { try reply.encodeBody(into: &body) } catch {
            preconditionFailure("encoding an ERROR body failed: \(error)")
        }
        return [peer.bytes, Data(legacyTag.utf8), Data(MessageType.error.rawValue.utf8), Data(body.bytes)]
    }

    // MARK: Helpers

    /// Reads the header line at the start of `frame`: the message type and where the body starts
    /// (just after the newline), or the refusal naming what is wrong.
    static func header(_ frame: UnsafeRawBufferPointer) -> Result<(MessageType, Int), WireError> {
        let rung = Array("RUNG".utf8)
        let shape = "a Rung message is one frame starting with the line \"\(tag) TYPE\\n\" (at most \(maxHeaderBytes) bytes with the newline), then the JSON body"
        guard frame.count >= 4, frame.prefix(4).elementsEqual(rung) else {
            return .failure(WireError(.notRung, "message frame is \(printable(frame)); \(shape)"))
        }
        // "RUNG", the version's digits, then a space (this framing) or the frame's end (RUNG1's
        // tag frame).
        var i = 4
        while i < frame.count, i < 10, (0x30...0x39).contains(frame[i]) { i += 1 }
        let digits = i - 4
        guard digits > 0, i == frame.count || frame[i] == 0x20 || frame[i] == 0x0A else {
            return .failure(WireError(.notRung, "message frame is \(printable(frame)); \(shape)"))
        }
        let version = String(decoding: frame[4..<i], as: UTF8.self)
        guard version == String(Self.version) else {
            return .failure(WireError(.unsupportedVersion,
                "peer speaks protocol RUNG\(version); this side speaks \(tag) only"))
        }
        guard i < frame.count, frame[i] == 0x20 else {
            return .failure(WireError(.malformedHeader,
                "the header \(printable(frame)) has no type after \"\(tag)\"; \(shape)"))
        }
        let typeStart = i + 1
        let end = min(frame.count, typeStart + maxTypeBytes + 1)
        guard let newline = frame[typeStart..<end].firstIndex(of: 0x0A) else {
            return .failure(WireError(.malformedHeader,
                "no newline in the first \(maxHeaderBytes) bytes of \(printable(frame)); \(shape)"))
        }
        let name = UnsafeRawBufferPointer(rebasing: frame[typeStart..<newline])
        if let t = messageType(name) { return .success((t, newline + 1)) }
        return .failure(WireError(.unknownType,
            "type \(printable(name)) is no message type; known: \(MessageType.allCases.map(\.rawValue).joined(separator: ", "))"))
    }

    /// The type a refused message names, as text: its header's type (RUNG1: its type frame),
    /// when it is at most `maxTypeBytes` of UTF-8.
    private static func typeText(_ frames: [Data]) -> String? {
        guard let first = frames.first else { return nil }
        var name: Data?
        if first.elementsEqual(legacyTag.utf8) {
            name = frames.count >= 2 ? frames[1] : nil
        } else if first.starts(with: "RUNG".utf8), let space = first.prefix(maxHeaderBytes).firstIndex(of: 0x20),
                  let newline = first[space...].prefix(maxTypeBytes + 2).firstIndex(of: 0x0A) {
            name = Data(first[(space + 1)..<newline])
        }
        guard let name, !name.isEmpty, name.count <= maxTypeBytes else { return nil }
        return String(data: name, encoding: .utf8)
    }

    private static let typesByName: [String: MessageType] =
        Dictionary(uniqueKeysWithValues: MessageType.allCases.map { ($0.rawValue, $0) })

    private static let reportName = Array(MessageType.report.rawValue.utf8)
    private static let logName = Array(MessageType.log.rawValue.utf8)

    private static func messageType(_ name: UnsafeRawBufferPointer) -> MessageType? {
        guard name.count <= maxTypeBytes, let base = name.baseAddress else { return nil }
        // The hot types by a byte comparison, before hashing a String for the others.
        func named(_ bytes: [UInt8]) -> Bool { bytes.count == name.count && memcmp(bytes, base, bytes.count) == 0 }
        if named(reportName) { return .report }
        if named(logName) { return .log }
        return typesByName[String(decoding: name, as: UTF8.self)]
    }

    /// Checks that JSON cannot express: every number within `WireBounds` (Validation.swift).
    private static func validate(_ message: Message) throws(WireError) {
        try message.validate()
    }

    /// Up to 24 bytes of `data` as text with non-printable bytes escaped, and its length.
    static func printable(_ data: Data) -> String {
        data.withUnsafeBytes { printable($0) }
    }

    /// Up to 24 bytes as text with non-printable bytes escaped, and the length.
    static func printable(_ data: UnsafeRawBufferPointer) -> String {
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
