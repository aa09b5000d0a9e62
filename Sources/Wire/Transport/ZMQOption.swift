// Socket options Rung sets (ZMQ_LINGER, high-water marks, ZMQ_MAXMSGSIZE, ZMTP heartbeats,
// routing id, subscriptions, CURVE, …) and the few it reads back (last endpoint, routing id).
// Leaves out options Rung never needs (multicast, TCP accept filters, socks proxies).

import CZeroMQ
import Foundation

/// One socket option with its value, applied by `ZMQSocket.set(_:)`. Times are milliseconds as
/// libzmq takes them; -1 means "infinite"/"none" where libzmq allows it.
public enum ZMQOption: Sendable, Hashable {
    /// How long unsent messages are kept after `close()` (0: drop at once, -1: forever).
    case linger(milliseconds: Int)
    /// Outgoing queue limit in messages per peer (0: none). Past it, sends block or fail
    /// (DEALER, ROUTER with `routerMandatory`) or drop (PUB, plain ROUTER).
    case sendHighWaterMark(Int)
    /// Incoming queue limit in messages per peer (0: none).
    case receiveHighWaterMark(Int)
    /// Largest inbound frame in bytes (-1: none); a peer sending a larger one is disconnected.
    case maxMessageSize(Int)
    /// Send a ZMTP PING after this much silence on a connection (0: off).
    case heartbeatInterval(milliseconds: Int)
    /// Drop the connection when no traffic follows a PING for this long.
    case heartbeatTimeout(milliseconds: Int)
    /// Ask the peer to drop the connection after this much silence from us (rounded to 100 ms).
    case heartbeatTTL(milliseconds: Int)
    /// This socket's identity as a ROUTER peer sees it (1–255 bytes, not starting with 0x00).
    case routingID(Data)
    /// SUB: receive messages whose first frame starts with this prefix (empty: everything).
    case subscribe(Data)
    /// SUB: undo one `subscribe` of the same prefix.
    case unsubscribe(Data)
    /// ROUTER: fail with EHOSTUNREACH on an unknown routing id instead of dropping silently,
    /// and block or fail with EAGAIN at the high-water mark instead of dropping.
    case routerMandatory(Bool)
    /// Wait before reconnecting a dropped connection.
    case reconnectInterval(milliseconds: Int)
    /// Upper bound of the exponential reconnect back-off (0: no back-off).
    case reconnectIntervalMax(milliseconds: Int)
    /// Blocking sends give up after this long (-1: never).
    case sendTimeout(milliseconds: Int)
    /// Blocking receives give up after this long (-1: never).
    case receiveTimeout(milliseconds: Int)
    /// Queue messages only to completed connections (no queueing for a peer not yet connected).
    case immediate(Bool)
    /// Limit for the ZMTP handshake (also the CURVE handshake) on a new connection.
    case handshakeInterval(milliseconds: Int)
    /// CURVE server: this socket's Z85 secret key (40 characters); clients need its public key.
    case curveServer(secretKey: String)
    /// CURVE client: the server's Z85 public key and this client's Z85 key pair.
    case curveClient(serverKey: String, publicKey: String, secretKey: String)
    /// ZAP domain for authenticating peers (needed for an allow-list of client keys).
    case zapDomain(String)
}

extension ZMQSocket {
    /// Applies one option. Throws with libzmq's text for a value it refuses.
    public func set(_ option: ZMQOption) throws(WireError) {
        switch option {
        case .linger(let v): try setInt32(ZMQ_LINGER, v, "ZMQ_LINGER")
        case .sendHighWaterMark(let v): try setInt32(ZMQ_SNDHWM, v, "ZMQ_SNDHWM")
        case .receiveHighWaterMark(let v): try setInt32(ZMQ_RCVHWM, v, "ZMQ_RCVHWM")
        case .maxMessageSize(let v):
            var x = Int64(v)
            try setRaw(ZMQ_MAXMSGSIZE, &x, MemoryLayout<Int64>.size, "ZMQ_MAXMSGSIZE=\(v)")
        case .heartbeatInterval(let v): try setInt32(ZMQ_HEARTBEAT_IVL, v, "ZMQ_HEARTBEAT_IVL")
        case .heartbeatTimeout(let v): try setInt32(ZMQ_HEARTBEAT_TIMEOUT, v, "ZMQ_HEARTBEAT_TIMEOUT")
        case .heartbeatTTL(let v): try setInt32(ZMQ_HEARTBEAT_TTL, v, "ZMQ_HEARTBEAT_TTL")
        case .routingID(let d): try setBytes(ZMQ_ROUTING_ID, d, "ZMQ_ROUTING_ID")
        case .subscribe(let d): try setBytes(ZMQ_SUBSCRIBE, d, "ZMQ_SUBSCRIBE")
        case .unsubscribe(let d): try setBytes(ZMQ_UNSUBSCRIBE, d, "ZMQ_UNSUBSCRIBE")
        case .routerMandatory(let b): try setInt32(ZMQ_ROUTER_MANDATORY, b ? 1 : 0, "ZMQ_ROUTER_MANDATORY")
        case .reconnectInterval(let v): try setInt32(ZMQ_RECONNECT_IVL, v, "ZMQ_RECONNECT_IVL")
        case .reconnectIntervalMax(let v): try setInt32(ZMQ_RECONNECT_IVL_MAX, v, "ZMQ_RECONNECT_IVL_MAX")
        case .sendTimeout(let v): try setInt32(ZMQ_SNDTIMEO, v, "ZMQ_SNDTIMEO")
        case .receiveTimeout(let v): try setInt32(ZMQ_RCVTIMEO, v, "ZMQ_RCVTIMEO")
        case .immediate(let b): try setInt32(ZMQ_IMMEDIATE, b ? 1 : 0, "ZMQ_IMMEDIATE")
        case .handshakeInterval(let v): try setInt32(ZMQ_HANDSHAKE_IVL, v, "ZMQ_HANDSHAKE_IVL")
        case .curveServer(let secret):
            try setInt32(ZMQ_CURVE_SERVER, 1, "ZMQ_CURVE_SERVER")
            try setKey(ZMQ_CURVE_SECRETKEY, secret, "ZMQ_CURVE_SECRETKEY")
        case .curveClient(let server, let pub, let secret):
            try setKey(ZMQ_CURVE_SERVERKEY, server, "ZMQ_CURVE_SERVERKEY")
            try setKey(ZMQ_CURVE_PUBLICKEY, pub, "ZMQ_CURVE_PUBLICKEY")
            try setKey(ZMQ_CURVE_SECRETKEY, secret, "ZMQ_CURVE_SECRETKEY")
        case .zapDomain(let s): try setBytes(ZMQ_ZAP_DOMAIN, Data(s.utf8), "ZMQ_ZAP_DOMAIN")
        }
    }

    /// The endpoint last bound or connected, with the real port after binding `tcp://…:*`.
    public var lastEndpoint: String {
        get throws(WireError) {
            let h = try live("lastEndpoint")
            var buffer = [CChar](repeating: 0, count: 1024)
            var size = buffer.count
            if zmq_getsockopt(h, ZMQ_LAST_ENDPOINT, &buffer, &size) != 0 {
                throw WireError.zmq("zmq_getsockopt(ZMQ_LAST_ENDPOINT)")
            }
            return String(decoding: buffer.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) },
                          as: UTF8.self)
        }
    }

    /// This socket's routing id (empty unless set).
    public var routingID: Data {
        get throws(WireError) {
            let h = try live("routingID")
            var buffer = [UInt8](repeating: 0, count: 256)
            var size = buffer.count
            if zmq_getsockopt(h, ZMQ_ROUTING_ID, &buffer, &size) != 0 {
                throw WireError.zmq("zmq_getsockopt(ZMQ_ROUTING_ID)")
            }
            return Data(buffer.prefix(size))
        }
    }

    /// The file descriptor that becomes readable when the socket's events may have changed
    /// (edge-triggered: read `pendingEvents` after it fires, and drain before waiting again).
    /// For driving a socket from an event loop instead of `poll`.
    public var fileDescriptor: Int32 {
        get throws(WireError) {
            let h = try live("fileDescriptor")
            var fd: Int32 = -1
            var size = MemoryLayout<Int32>.size
            if zmq_getsockopt(h, ZMQ_FD, &fd, &size) != 0 { throw WireError.zmq("zmq_getsockopt(ZMQ_FD)") }
            return fd
        }
    }

    /// Whether a message can be received (`.readable`) or sent (`.writable`) now without blocking.
    public var pendingEvents: ZMQPollEvents {
        get throws(WireError) {
            let h = try live("pendingEvents")
            var events: Int32 = 0
            var size = MemoryLayout<Int32>.size
            if zmq_getsockopt(h, ZMQ_EVENTS, &events, &size) != 0 { throw WireError.zmq("zmq_getsockopt(ZMQ_EVENTS)") }
            return ZMQPollEvents(rawValue: Int16(truncatingIfNeeded: events))
        }
    }

    /// Applies several options in order.
    public func set(_ options: [ZMQOption]) throws(WireError) {
        for o in options { try set(o) }
    }

    private func setInt32(_ name: Int32, _ value: Int, _ label: String) throws(WireError) {
        guard let v = Int32(exactly: value) else {
            throw WireError(.transport, "\(label)=\(value) does not fit a 32-bit int")
        }
        var x = v
        try setRaw(name, &x, MemoryLayout<Int32>.size, "\(label)=\(value)")
    }

    private func setBytes(_ name: Int32, _ data: Data, _ label: String) throws(WireError) {
        let h = try live(label)
        let rc = data.withUnsafeBytes { zmq_setsockopt(h, name, $0.baseAddress, $0.count) }
        if rc != 0 { throw WireError.zmq("zmq_setsockopt(\(label), \(data.count) bytes)") }
    }

    private func setKey(_ name: Int32, _ z85: String, _ label: String) throws(WireError) {
        guard z85.utf8.count == 40 else {
            throw WireError(.transport, "\(label) must be a 40-character Z85 key; got \(z85.utf8.count) characters")
        }
        // A 40-byte value is read as Z85 text by libzmq (32 bytes would be the raw key).
        try setBytes(name, Data(z85.utf8), label)
    }

    private func setRaw(_ name: Int32, _ value: UnsafeRawPointer, _ size: Int, _ label: String) throws(WireError) {
        let h = try live(label)
        if zmq_setsockopt(h, name, value, size) != 0 { throw WireError.zmq("zmq_setsockopt(\(label))") }
    }
}
