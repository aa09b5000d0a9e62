// A ZAP handler (ZeroMQ RFC 27) that admits CURVE clients by an allow-list of public keys, so a
// coordinator talks only to workers and clients whose keys it was given. Each allowed key maps to
// the ZAP user id the handler answers (the coordinator puts the key's roles there; every message
// of that connection then carries it, `ZMQSocket.lastUserID`). Runs on its own thread with its own
// REP socket on inproc://zeromq.zap.01. Leaves out PLAIN/NULL mechanisms (denied) and key files
// (Runtime's KeyFiles reads them).

import CZeroMQ
import Foundation

/// Admits CURVE peers whose Z85 public key is on an allow-list. Start it before binding a socket
/// with `.curveServer(...)`; one per context. Call `stop()` when done: the handler thread keeps
/// the authenticator (and its context) alive until then.
public final class CurveAuthenticator: @unchecked Sendable {
    // @unchecked Sendable: `allowed`, `denied` and `running` are read and written under `lock`;
    // the REP socket lives only on the handler thread.
    private let lock = NSLock()
    /// Allowed Z85 public key → the ZAP user id answered for it.
    private var allowed: [String: String]
    private var deniedKeys: [String] = []
    private var running = true
    private let finished = DispatchSemaphore(value: 0)

    /// Starts the handler thread on `context` with the allowed client public keys (Z85); each
    /// key's ZAP user id is the key itself.
    public convenience init(_ context: ZMQContext, allowing publicKeys: Set<String>) throws(WireError) {
        try self.init(context, users: Dictionary(uniqueKeysWithValues: publicKeys.map { ($0, $0) }))
    }

    /// Starts the handler thread on `context` admitting the Z85 public keys of `users`, each with
    /// its ZAP user id (e.g. `worker:KEY`; at most 255 bytes).
    public init(_ context: ZMQContext, users: [String: String]) throws(WireError) {
        allowed = users
        let ready = DispatchSemaphore(value: 0)
        let failure = LockedText()
        let thread = Thread { [self] in
            defer { finished.signal() }
            do {
                let rep = try ZMQSocket(context, .rep, options: [.linger(milliseconds: 0)])
                try rep.bind("inproc://zeromq.zap.01")
                ready.signal()
                while isRunning {
                    guard let request = try rep.receive(timeout: .milliseconds(100)) else { continue }
                    try rep.send(reply(to: request))
                }
            } catch {
                failure.set("\(error)")
                ready.signal()
            }
        }
        thread.start()
        ready.wait()
        if let f = failure.get() { throw WireError(.transport, "ZAP handler: \(f)") }
    }

    /// Stops the handler thread and waits for it (idempotent).
    public func stop() {
        lock.lock()
        let wasRunning = running
        running = false
        lock.unlock()
        if wasRunning { finished.wait() }
    }

    /// Replaces the allow-list (takes effect for the next handshake); user id = key.
    public func allow(_ publicKeys: Set<String>) {
        allow(users: Dictionary(uniqueKeysWithValues: publicKeys.map { ($0, $0) }))
    }

    /// Replaces the allow-list with keys and their user ids (takes effect for the next handshake;
    /// connections already made keep the user id they got).
    public func allow(users: [String: String]) {
        lock.lock(); allowed = users; lock.unlock()
    }

    /// Z85 public keys refused so far, oldest first (for logs).
    public var denied: [String] {
        lock.lock(); defer { lock.unlock() }
        return deniedKeys
    }

    private var isRunning: Bool {
        lock.lock(); defer { lock.unlock() }
        return running
    }

    /// The ZAP reply: [version, request id, status code, status text, user id, metadata].
    private func reply(to r: [Data]) -> [Data] {
        let version = r.first ?? Data("1.0".utf8)
        let requestID = r.count > 1 ? r[1] : Data()
        func answer(_ code: String, _ text: String, user: String = "") -> [Data] {
            [version, requestID, Data(code.utf8), Data(text.utf8), Data(user.utf8), Data()]
        }
        // Request: version, request id, domain, address, routing id, mechanism, credentials…
        guard r.count >= 7, r[0] == Data("1.0".utf8), r[5] == Data("CURVE".utf8), r[6].count == 32 else {
            return answer("400", "only CURVE with a 32-byte client key is accepted")
        }
        let key = Self.z85(r[6])
        lock.lock()
        let user = allowed[key]
        if user == nil {
            deniedKeys.append(key)
            if deniedKeys.count > 1000 { deniedKeys.removeFirst(deniedKeys.count - 1000) }
        }
        lock.unlock()
        guard let user else { return answer("400", "client key \(key) is not on the allow-list") }
        return answer("200", "OK", user: user)
    }

    /// Z85 text of 32 key bytes (40 characters).
    public static func z85(_ key: Data) -> String {
        var text = [CChar](repeating: 0, count: 41)
        _ = key.withUnsafeBytes { zmq_z85_encode(&text, $0.bindMemory(to: UInt8.self).baseAddress, 32) }
        return String(decoding: text.prefix(40).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

/// A failure text handed between threads.
package final class LockedText: @unchecked Sendable {
    // @unchecked Sendable: every access holds `lock`.
    private let lock = NSLock()
    private var text: String?
    package init() {}
    package func set(_ s: String) { lock.lock(); text = s; lock.unlock() }
    package func get() -> String? { lock.lock(); defer { lock.unlock() }; return text }
}
