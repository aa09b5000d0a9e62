// Sending and receiving Rung `Message`s on a socket: DEALER (worker, client), ROUTER
// (coordinator), PUB/SUB (live events). Protocol errors come back as values so a ROUTER can answer
// them with ERROR; transport errors are thrown. Leaves out retries and reconnect policy.

import Foundation

/// What a ROUTER received from one peer: the decoded message or why it did not decode.
public struct RoutedMessage: Sendable {
    /// The sender (reply with `send(_:to:)`).
    public var peer: PeerID
    /// The message, or the protocol error to answer with `Envelope.errorReply(for:frames:)`.
    public var result: Result<Message, WireError>
    /// The frames after the routing id, as received.
    public var frames: [Data]
    /// The ZAP user id of the sender's connection (`CurveAuthenticator` makes it `roles:key`);
    /// nil on a plain connection.
    public var userID: String? = nil
}

extension ZMQSocket {
    /// Sends one message (DEALER, PUB without topic is never right: use `publish`).
    @discardableResult
    public func send(_ message: Message, wait: Bool = true) throws(WireError) -> Bool {
        try send(Envelope.encode(message), wait: wait)
    }

    /// ROUTER: sends one message to `peer`.
    @discardableResult
    public func send(_ message: Message, to peer: PeerID, wait: Bool = true) throws(WireError) -> Bool {
        try send(Envelope.encode(message, to: peer), wait: wait)
    }

    /// PUB: publishes one message under `topic`.
    @discardableResult
    public func publish(_ message: Message, topic: String, wait: Bool = true) throws(WireError) -> Bool {
        try send(Envelope.encode(message, topic: topic), wait: wait)
    }

    /// DEALER: receives and decodes one message; throws protocol errors as well.
    /// Nil when none is queued (`wait: false`) or the receive timeout passed.
    public func receiveMessage(wait: Bool = true, limits: Envelope.Limits = .standard) throws(WireError) -> Message? {
        guard let frames = try receive(wait: wait) else { return nil }
        return try Envelope.decode(frames, limits: limits)
    }

    /// DEALER: waits up to `timeout` for one message and decodes it; nil when none came.
    public func receiveMessage(timeout: Duration, limits: Envelope.Limits = .standard) throws(WireError) -> Message? {
        guard let frames = try receive(timeout: timeout) else { return nil }
        return try Envelope.decode(frames, limits: limits)
    }

    /// ROUTER: receives one message with its sender; decode errors are in `result`, not thrown.
    public func receiveRouted(wait: Bool = true, limits: Envelope.Limits = .standard) throws(WireError) -> RoutedMessage? {
        guard let frames = try receive(wait: wait) else { return nil }
        var r = routed(frames, limits)
        r.userID = lastUserID
        return r
    }

    /// ROUTER: waits up to `timeout` for one message with its sender.
    public func receiveRouted(timeout: Duration, limits: Envelope.Limits = .standard) throws(WireError) -> RoutedMessage? {
        guard let frames = try receive(timeout: timeout) else { return nil }
        var r = routed(frames, limits)
        r.userID = lastUserID
        return r
    }

    /// ROUTER: answers a message that failed to decode with its ERROR reply.
    public func replyError(to received: RoutedMessage, _ error: WireError) throws(WireError) {
        try send(Envelope.errorReply(for: error, frames: received.frames), to: received.peer)
    }

    /// SUB: receives one published message with its topic; throws protocol errors as well.
    public func receivePublished(timeout: Duration, limits: Envelope.Limits = .standard)
        throws(WireError) -> (topic: String, message: Message)?
    {
        guard let frames = try receive(timeout: timeout) else { return nil }
        return try Envelope.decodePublished(frames, limits: limits)
    }

    private func routed(_ frames: [Data], _ limits: Envelope.Limits) -> RoutedMessage {
        guard let (peer, rest) = Envelope.splitRouted(frames) else {
            return RoutedMessage(peer: PeerID(Data()), result: .failure(
                WireError(.missingFrames, "a ROUTER message without routing id")), frames: [])
        }
        do throws(WireError) {
            return RoutedMessage(peer: peer, result: .success(try Envelope.decode(rest, limits: limits)), frames: rest)
        } catch {
            return RoutedMessage(peer: peer, result: .failure(error), frames: rest)
        }
    }
}
