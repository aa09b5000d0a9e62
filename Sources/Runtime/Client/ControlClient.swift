// An operator's client for control requests (`rung pause`, `resume`, `stop-trial`, `enqueue`,
// `stop-study`): one DEALER, one request, one reply, a notice when the coordinator is slow and an
// error naming the endpoint when it does not answer. Leaves out the CLI (RungCLI/ControlCommands).
import Foundation
import Wire

/// Sends control requests to a running coordinator.
public final class ControlClient: @unchecked Sendable {
    // @unchecked: the socket is used by one caller at a time (`lock`).
    /// The coordinator's ROUTER endpoint.
    public let endpoint: String
    /// Seconds to wait for a reply.
    public let timeout: Double
    private let context: ZMQContext
    private let socket: ZMQSocket
    private let lock = NSLock()
    private let notice: @Sendable (String) -> Void

    /// Connects (lazily) to the coordinator at `endpoint`.
    /// A non-loopback endpoint needs `curve` (the coordinator's key pinned, an operator key) unless `insecure`.
    public init(endpoint: String, timeout: Double = 10, curve: CurveClientSetup? = nil, insecure: Bool = false,
                notice: @escaping @Sendable (String) -> Void = { FileHandle.standardError.write(Data("\($0)\n".utf8)) }) throws {
        self.endpoint = endpoint
        self.timeout = timeout
        self.notice = notice
        if curve == nil, !insecure, !Endpoint.isLoopback(endpoint) {
            throw RuntimeError(.invalidArgument, Endpoint.needsCurve([endpoint], missing: "no coordinator public key was given (--server-key FILE, --key FILE)"))
        }
        do {
            context = try ZMQContext()
            socket = try ZMQSocket(context, .dealer, options: [.linger(milliseconds: 1000), .reconnectInterval(milliseconds: 200),
                                                            .sendTimeout(milliseconds: Int(min(timeout, 600) * 1000))]
                                   + (curve?.socketOptions ?? []))
            try socket.connect(endpoint)
        } catch {
            throw RuntimeError(.invalidArgument, "cannot connect to \(endpoint): \(error); give an endpoint such as tcp://HOST:5555")
        }
    }

    deinit { socket.close() }

    /// Sends `request` and returns the coordinator's reply; an ERROR reply is thrown with its
    /// code and message.
    public func send(_ request: Message) throws -> Message {
        try lock.withLock {
            do { try socket.send(request) } catch {
                throw RuntimeError(.io, "cannot send to the coordinator at \(endpoint): \(error)")
            }
            let start = Date()
            var noticed = false
            while true {
                if let frames = try? socket.receive(timeout: .milliseconds(200)) {
                    let reply: Message
                    do { reply = try Envelope.decode(frames) } catch {
                        throw RuntimeError(.protocolViolation, "the coordinator at \(endpoint) sent a message that does not decode: \(error)")
                    }
                    if case .error(let e) = reply {
                        throw RuntimeError(.protocolViolation, "the coordinator at \(endpoint) refused \(request.type.rawValue): \(e.message) (\(e.code.rawValue))")
                    }
                    return reply
                }
                let waited = Date().timeIntervalSince(start)
                if waited >= timeout {
                    throw RuntimeError(.unreachable, "no reply from the coordinator at \(endpoint) within \(StudyTime.seconds(timeout)) s; is `rung coordinator` running there, with --bind on that port? (--timeout changes the wait)")
                }
                if waited >= 1, !noticed {
                    noticed = true
                    notice("waiting for the coordinator at \(endpoint) …")
                }
            }
        }
    }
}
