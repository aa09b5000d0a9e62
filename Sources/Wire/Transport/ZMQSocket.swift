// A libzmq socket: bind/connect, multipart send and receive as [Data], options, poll.
// Not thread-safe and so not Sendable: one socket belongs to one thread or task at a time; it may
// be handed over (moved), never shared. Leaves out zero-copy sends and socket monitors.

import CZeroMQ
import Foundation
import RungBasics
import Search

/// One ZeroMQ socket. Every frame of a message is a `Data`; a message is `[Data]`.
///
/// **Thread rule.** libzmq sockets are not thread-safe. A `ZMQSocket` is deliberately not
/// `Sendable`: create it in the thread or task that uses it, or move it there (`sending`) and never
/// touch it from elsewhere. To talk to a socket from other tasks, give it one owning loop and pass
/// `Sendable` messages to that loop (an inproc PAIR socket or an `AsyncStream`).
public final class ZMQSocket {
    /// The socket types Rung uses and their libzmq counterparts.
    public enum Kind: Sendable, CaseIterable {
        case pair, pub, sub, req, rep, dealer, router, pull, push, xpub, xsub

        var raw: Int32 {
            switch self {
            case .pair: ZMQ_PAIR
            case .pub: ZMQ_PUB
            case .sub: ZMQ_SUB
            case .req: ZMQ_REQ
            case .rep: ZMQ_REP
            case .dealer: ZMQ_DEALER
            case .router: ZMQ_ROUTER
            case .pull: ZMQ_PULL
            case .push: ZMQ_PUSH
            case .xpub: ZMQ_XPUB
            case .xsub: ZMQ_XSUB
            }
        }
    }

    /// The context this socket came from (kept alive as long as the socket).
    public let context: ZMQContext
    /// The socket's type.
    public let kind: Kind
    var handle: UnsafeMutableRawPointer?
    /// The receive buffer, behind a pointer: a stored `zmq_msg_t` would cost a dynamic
    /// exclusivity check on every `zmq_msg_*` call.
    let message = UnsafeMutablePointer<zmq_msg_t>.allocate(capacity: 1)
    /// The frames of one routed message, each in its own libzmq buffer so that all can be read in
    /// place (`receiveRouted`): a routing id, the message frame, a chunk frame, and one more to
    /// see that a message has too many.
    let parts = UnsafeMutablePointer<zmq_msg_t>.allocate(capacity: ZMQSocket.partCount)
    /// How many frames `parts` holds.
    static let partCount = 4
    /// The message frame being sent (header line and JSON body), reused from message to message
    /// (no allocation per send), behind a pointer for the same reason as `message`.
    let bodyWriter: UnsafeMutablePointer<JSONWriter> = {
        let p = UnsafeMutablePointer<JSONWriter>.allocate(capacity: 1)
        p.initialize(to: JSONWriter())
        return p
    }()
    /// The metric names of the last plain REPORT this socket received, reused by the next one
    /// (`Envelope.plainReport(frame:limits:names:)`), behind a pointer for the same reason.
    let reportNames: UnsafeMutablePointer<MetricNameCache> = {
        let p = UnsafeMutablePointer<MetricNameCache>.allocate(capacity: 1)
        p.initialize(to: MetricNameCache())
        return p
    }()
    /// The ZAP user id of the connection the last received message came from (what the ZAP
    /// handler answered for its CURVE key, see `CurveAuthenticator`); nil on a plain connection.
    public internal(set) var lastUserID: String? {
        get { userID.pointee }
        set { userID.pointee = newValue }
    }
    /// `lastUserID`'s storage, behind a pointer: set on every receive, where a stored property
    /// would cost a dynamic exclusivity check.
    private let userID: UnsafeMutablePointer<String?> = {
        let p = UnsafeMutablePointer<String?>.allocate(capacity: 1)
        p.initialize(to: nil)
        return p
    }()

    /// Creates a socket of type `kind`, applies `options` in order.
    ///
    /// Linger defaults to 1000 ms (not libzmq's infinite), so closing a socket with unsent
    /// messages to a vanished peer never hangs the process; pass `.linger(...)` to change it.
    public init(_ context: ZMQContext, _ kind: Kind, options: [ZMQOption] = []) throws(WireError) {
        guard let h = zmq_socket(context.handle, kind.raw) else {
            message.deallocate()
            parts.deallocate()
            reportNames.deinitialize(count: 1)
            reportNames.deallocate()
            userID.deinitialize(count: 1)
            userID.deallocate()
            throw WireError.zmq("zmq_socket(\(kind))")
        }
        self.context = context
        self.kind = kind
        self.handle = h
        zmq_msg_init(message)
        for i in 0..<Self.partCount { zmq_msg_init(parts + i) }
        do {
            try set(.linger(milliseconds: 1000))
            for o in options { try set(o) }
        } catch {
            close()
            throw error
        }
    }

    deinit {
        close()
        bodyWriter.deinitialize(count: 1)
        bodyWriter.deallocate()
        reportNames.deinitialize(count: 1)
        reportNames.deallocate()
        userID.deinitialize(count: 1)
        userID.deallocate()
    }

    /// Closes the socket (idempotent). Unsent messages are kept for the linger period.
    public func close() {
        guard let h = handle else { return }
        zmq_msg_close(message)
        message.deallocate()
        for i in 0..<Self.partCount { zmq_msg_close(parts + i) }
        parts.deallocate()
        zmq_close(h)
        handle = nil
    }

    /// Starts publishing this socket's disconnect events on a PAIR socket bound at `endpoint`
    /// (an `inproc://` name) and returns that socket, connected: each receive is one event.
    /// Closing the returned socket before this one is fine.
    public func disconnectMonitor(_ endpoint: String) throws(WireError) -> ZMQSocket {
        guard zmq_socket_monitor(try live("zmq_socket_monitor"), endpoint, ZMQ_EVENT_DISCONNECTED) == 0 else {
            throw WireError.zmq("zmq_socket_monitor(\(endpoint))")
        }
        let pair = try ZMQSocket(context, .pair, options: [.linger(milliseconds: 0)])
        try pair.connect(endpoint)
        return pair
    }

    /// The libzmq handle, or a transport error naming `call` when the socket is closed (for the
    /// lab's raw-libzmq baseline, which calls libzmq directly beside the envelope).
    package func live(_ call: String) throws(WireError) -> UnsafeMutableRawPointer {
        guard let h = handle else { throw WireError(.transport, "\(call) on a closed \(kind) socket") }
        return h
    }

    /// Binds to `endpoint`, e.g. `tcp://*:5555`, `tcp://127.0.0.1:*` (a free port, read it from
    /// `lastEndpoint`), `ipc:///tmp/rung.sock`, `inproc://name`.
    public func bind(_ endpoint: String) throws(WireError) {
        let h = try live("bind")
        if zmq_bind(h, endpoint) != 0 { throw WireError.zmq("zmq_bind(\(kind), \"\(endpoint)\")") }
    }

    /// Connects to `endpoint`, e.g. `tcp://host:5555`. Returns at once; libzmq connects (and
    /// reconnects) in the background and queues outgoing messages meanwhile.
    public func connect(_ endpoint: String) throws(WireError) {
        let h = try live("connect")
        if zmq_connect(h, endpoint) != 0 { throw WireError.zmq("zmq_connect(\(kind), \"\(endpoint)\")") }
    }

    /// Stops listening on `endpoint` (as given to, or reported after, `bind`).
    public func unbind(_ endpoint: String) throws(WireError) {
        let h = try live("unbind")
        if zmq_unbind(h, endpoint) != 0 { throw WireError.zmq("zmq_unbind(\"\(endpoint)\")") }
    }

    /// Drops the connection to `endpoint`.
    public func disconnect(_ endpoint: String) throws(WireError) {
        let h = try live("disconnect")
        if zmq_disconnect(h, endpoint) != 0 { throw WireError.zmq("zmq_disconnect(\"\(endpoint)\")") }
    }

    // MARK: Send and receive

    /// Sends the frames of one message (atomically: all or none reach the peer).
    ///
    /// With `wait: false`, returns false instead of blocking when the message cannot be queued
    /// now (high-water mark reached, no peer yet). With `wait: true` it blocks (up to the send
    /// timeout, then returns false). A ROUTER with `routerMandatory` throws `EHOSTUNREACH`
    /// for an unknown routing id.
    @discardableResult
    public func send(_ frames: [Data], wait: Bool = true) throws(WireError) -> Bool {
        let h = try live("send")
        precondition(!frames.isEmpty, "a ZeroMQ message has at least one frame; got []")
        let last = frames.count - 1
        for (i, frame) in frames.enumerated() {
            var flags: Int32 = i < last ? ZMQ_SNDMORE : 0
            if !wait { flags |= ZMQ_DONTWAIT }
            while true {
                let rc = frame.withUnsafeBytes { zmq_send(h, $0.baseAddress, $0.count, flags) }
                if rc >= 0 { break }
                let e = zmq_errno()
                if e == EINTR { continue }
                // libzmq guarantees that later parts are queued once the first one is.
                if e == EAGAIN && i == 0 { return false }
                throw WireError.zmq("zmq_send(\(kind), frame \(i) of \(frames.count))", errno: e)
            }
        }
        return true
    }

    /// Receives the frames of one message. With `wait: false`, returns nil at once when none is
    /// queued; with `wait: true`, blocks (up to the receive timeout, then returns nil).
    public func receive(wait: Bool = true) throws(WireError) -> [Data]? {
        let h = try live("receive")
        var frames: [Data] = []
        frames.reserveCapacity(3)  // a routing id, a Rung message's frame and chunk: one allocation
        let flags: Int32 = wait ? 0 : ZMQ_DONTWAIT
        while true {
            let rc = zmq_msg_recv(message, h, flags)
            if rc < 0 {
                let e = zmq_errno()
                if e == EINTR { continue }
                // Later parts of a message are always there once the first one arrived.
                if e == EAGAIN && frames.isEmpty { return nil }
                throw WireError.zmq("zmq_msg_recv(\(kind))", errno: e)
            }
            let size = zmq_msg_size(message)
            if size == 0 {
                frames.append(Data())
            } else {
                frames.append(Data(bytes: zmq_msg_data(message), count: size))
            }
            if zmq_msg_more(message) == 0 {
                // The last frame came from the peer (a ROUTER's first frame is its own routing id,
                // which carries no connection metadata).
                lastUserID = zmq_msg_gets(message, "User-Id").map { String(cString: $0) }
                return frames
            }
        }
    }

    /// Waits up to `timeout` for a message and receives it; nil when none came in time.
    public func receive(timeout: Duration) throws(WireError) -> [Data]? {
        if let frames = try receive(wait: false) { return frames }
        let ready = try ZMQSocket.poll([(self, .readable)], timeout: timeout)
        guard ready[0].contains(.readable) else { return nil }
        return try receive(wait: false)
    }

    // MARK: Poll

    /// Waits until one of `items` is ready for its events, or `timeout` passes (nil: forever).
    /// Returns each item's ready events, in order (empty where not ready, all empty on timeout
    /// or when a signal interrupted the wait).
    public static func poll(
        _ items: [(socket: ZMQSocket, events: ZMQPollEvents)], timeout: Duration?
    ) throws(WireError) -> [ZMQPollEvents] {
        var raw: [zmq_pollitem_t] = []
        raw.reserveCapacity(items.count)
        for item in items {
            let h = try item.socket.live("poll")
            raw.append(zmq_pollitem_t(socket: h, fd: 0, events: item.events.rawValue, revents: 0))
        }
        let ms: Int
        if let timeout {
            let (s, atto) = timeout.components
            ms = max(0, Int(s) * 1000 + Int((atto + 999_999_999_999_999) / 1_000_000_000_000_000))
        } else {
            ms = -1
        }
        let rc = zmq_poll(&raw, Int32(raw.count), ms)
        if rc < 0 {
            let e = zmq_errno()
            if e == EINTR { return Array(repeating: [], count: items.count) }
            throw WireError.zmq("zmq_poll(\(items.count) sockets)", errno: e)
        }
        return raw.map { ZMQPollEvents(rawValue: $0.revents) }
    }
}

/// Readiness conditions for `ZMQSocket.poll`.
public struct ZMQPollEvents: OptionSet, Sendable, Hashable {
    /// The number.
    public let rawValue: Int16
    /// Wraps a number.
    public init(rawValue: Int16) { self.rawValue = rawValue }
    /// At least one message can be received without blocking.
    public static let readable = ZMQPollEvents(rawValue: Int16(ZMQ_POLLIN))
    /// At least one message can be sent without blocking.
    public static let writable = ZMQPollEvents(rawValue: Int16(ZMQ_POLLOUT))
}
