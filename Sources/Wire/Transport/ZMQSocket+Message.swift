// Sending and receiving Rung `Message`s on a socket: DEALER (worker, client), ROUTER
// (coordinator), PUB/SUB (live events). Protocol errors come back as values so a ROUTER can answer
// them with ERROR; transport errors are thrown. Leaves out retries and reconnect policy.

import CZeroMQ
import Foundation
import RungBasics

/// What a ROUTER received from one peer: the decoded message or why it did not decode.
public struct RoutedMessage: Sendable {
    /// The sender (reply with `send(_:to:)`).
    public var peer: PeerID
    /// The message, or the protocol error to answer with `Envelope.errorReply(for:frames:)`.
    public var result: Result<Message, WireError>
    /// The frames after the routing id, as received, when the message did not decode (what
    /// `replyError` answers); empty when it did, so a decoded message is not kept twice.
    public var frames: [Data]
    /// Bytes of the frames after the routing id.
    public var size: Int = 0
    /// The ZAP user id of the sender's connection (`CurveAuthenticator` makes it `roles:key`);
    /// nil on a plain connection.
    public var userID: String? = nil
}

extension ZMQSocket {
    /// Sends one message (DEALER, PUB without topic is never right: use `publish`).
    @discardableResult
    public func send(_ message: Message, wait: Bool = true) throws(WireError) -> Bool {
        try send(message, head: nil, wait: wait)
    }

    /// ROUTER: sends one message to `peer`.
    @discardableResult
    public func send(_ message: Message, to peer: PeerID, wait: Bool = true) throws(WireError) -> Bool {
        try send(message, head: peer.bytes, wait: wait)
    }

    /// PUB: publishes one message under `topic`.
    @discardableResult
    public func publish(_ message: Message, topic: String, wait: Bool = true) throws(WireError) -> Bool {
        try send(message, head: Data(topic.utf8), wait: wait)
    }

    /// Sends `[head] + Envelope.encode(message)` (the same frames, the same all-or-nothing and
    /// `wait` rules as `send(_ frames:)`), the message frame straight from the reused writer:
    /// no body `Data` copy and no frame array per message.
    private func send(_ message: Message, head: Data?, wait: Bool) throws(WireError) -> Bool {
        let h = try live("send")
        bodyWriter.pointee.bytes.removeAll(keepingCapacity: true)
        let chunk = Envelope.write(message, into: &bodyWriter.pointee)
        let count = (head == nil ? 0 : 1) + 1 + (chunk == nil ? 0 : 1)
        var index = 0
        /// True when the frame was queued, false when the first frame could not be (EAGAIN).
        func sent(_ errno: Int32) throws(WireError) -> Bool {
            defer { index += 1 }
            if errno == 0 { return true }
            // libzmq guarantees that later parts are queued once the first one is.
            if errno == EAGAIN && index == 0 { return false }
            throw WireError.zmq("zmq_send(\(kind), frame \(index) of \(count))", errno: errno)
        }
        if let head {
            guard try sent(head.withUnsafeBytes { Self.sendFrame(h, $0, more: true, wait: wait) }) else { return false }
        }
        guard try sent(bodyWriter.pointee.bytes.withUnsafeBytes {
            Self.sendFrame(h, $0, more: chunk != nil, wait: wait)
        }) else { return false }
        if let chunk {
            _ = try sent(chunk.withUnsafeBytes { Self.sendFrame(h, $0, more: false, wait: wait) })
        }
        return true
    }

    /// One `zmq_send` (retried after EINTR); 0 or the errno it failed with.
    private static func sendFrame(_ h: UnsafeMutableRawPointer, _ bytes: UnsafeRawBufferPointer, more: Bool, wait: Bool) -> Int32 {
        var flags: Int32 = more ? ZMQ_SNDMORE : 0
        if !wait { flags |= ZMQ_DONTWAIT }
        while true {
            if zmq_send(h, bytes.baseAddress, bytes.count, flags) >= 0 { return 0 }
            let e = zmq_errno()
            if e != EINTR { return e }
        }
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
    ///
    /// The frames are read in place from libzmq's buffers: a plain REPORT (the commonest message)
    /// is decoded from its frame without a `Data` or a frame array (`Envelope.plainReport`);
    /// every other message, and every refusal, goes through `Envelope.decode` as received.
    public func receiveRouted(wait: Bool = true, limits: Envelope.Limits = .standard) throws(WireError) -> RoutedMessage? {
        let h = try live("receive")
        let flags: Int32 = wait ? 0 : ZMQ_DONTWAIT
        var n = 0
        var more = true
        while more && n < Self.partCount {
            if zmq_msg_recv(parts + n, h, flags) < 0 {
                let e = zmq_errno()
                if e == EINTR { continue }
                // Later parts of a message are always there once the first one arrived.
                if e == EAGAIN && n == 0 { return nil }
                throw WireError.zmq("zmq_msg_recv(\(kind))", errno: e)
            }
            more = zmq_msg_more(parts + n) != 0
            n += 1
        }
        func bytes(_ i: Int) -> UnsafeRawBufferPointer {
            UnsafeRawBufferPointer(start: zmq_msg_data(parts + i), count: zmq_msg_size(parts + i))
        }
        let size = (1..<max(n, 1)).reduce(0) { $0 + zmq_msg_size(parts + $1) }
        // The user id from the last frame, which came from the peer (a ROUTER's first frame is
        // its own routing id, which carries no connection metadata).
        if !more, n == 2, let m = Envelope.plainReport(frame: bytes(1), limits: limits, names: &reportNames.pointee) {
            // Made once, where it is returned: no copies of the message on the way out.
            let userID = zmq_msg_gets(parts + 1, "User-Id").map { String(cString: $0) }
            lastUserID = userID
            return RoutedMessage(peer: PeerID(Data(bytes(0))), result: .success(m), frames: [], size: size, userID: userID)
        }
        var frames = (0..<n).map { Data(bytes($0)) }
        if more {
            // More frames than a Rung message has: received whole, for `decode` to refuse.
            try frames.append(contentsOf: receiveRest(h, flags))
            var r = routed(&frames, limits)
            r.size = frames.reduce(0) { $0 + $1.count }
            r.userID = zmq_msg_gets(message, "User-Id").map { String(cString: $0) }
            lastUserID = r.userID
            return r
        }
        var r = routed(&frames, limits)
        r.size = size
        r.userID = zmq_msg_gets(parts + (n - 1), "User-Id").map { String(cString: $0) }
        lastUserID = r.userID
        return r
    }

    /// The remaining frames of a message whose first frames are received.
    private func receiveRest(_ h: UnsafeMutableRawPointer, _ flags: Int32) throws(WireError) -> [Data] {
        var frames: [Data] = []
        while true {
            if zmq_msg_recv(message, h, flags) < 0 {
                let e = zmq_errno()
                if e == EINTR { continue }
                throw WireError.zmq("zmq_msg_recv(\(kind))", errno: e)
            }
            frames.append(Data(UnsafeRawBufferPointer(start: zmq_msg_data(message), count: zmq_msg_size(message))))
            if zmq_msg_more(message) == 0 { return frames }
        }
    }

    /// ROUTER: waits up to `timeout` for one message with its sender.
    public func receiveRouted(timeout: Duration, limits: Envelope.Limits = .standard) throws(WireError) -> RoutedMessage? {
        if let r = try receiveRouted(wait: false, limits: limits) { return r }
        let ready = try ZMQSocket.poll([(self, .readable)], timeout: timeout)
        guard ready[0].contains(.readable) else { return nil }
        return try receiveRouted(wait: false, limits: limits)
    }

    /// ROUTER: answers a message that failed to decode with its ERROR reply
    /// (`Envelope.refusal`: in RUNG1's framing to a peer that speaks RUNG1).
    public func replyError(to received: RoutedMessage, _ error: WireError) throws(WireError) {
        try send(Envelope.refusal(for: error, frames: received.frames, to: received.peer))
    }

    /// SUB: receives one published message with its topic; throws protocol errors as well.
    public func receivePublished(timeout: Duration, limits: Envelope.Limits = .standard)
        throws(WireError) -> (topic: String, message: Message)?
    {
        guard let frames = try receive(timeout: timeout) else { return nil }
        return try Envelope.decodePublished(frames, limits: limits)
    }

    /// `Envelope.splitRouted` and `Envelope.decode`, taking the routing id off `frames` in place
    /// (no second frame array).
    private func routed(_ frames: inout [Data], _ limits: Envelope.Limits) -> RoutedMessage {
        guard !frames.isEmpty else {
            return RoutedMessage(peer: PeerID(Data()), result: .failure(
                WireError(.missingFrames, "a ROUTER message without routing id")), frames: [])
        }
        let peer = PeerID(frames.removeFirst())
        let rest = frames
        do throws(WireError) {
            return RoutedMessage(peer: peer, result: .success(try Envelope.decode(rest, limits: limits)), frames: [])
        } catch {
            return RoutedMessage(peer: peer, result: .failure(error), frames: rest)
        }
    }
}
