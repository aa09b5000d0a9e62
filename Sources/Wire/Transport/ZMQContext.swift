// A libzmq context: owns the I/O threads that every socket of a process shares.
// Thread-safe (libzmq guarantees it for contexts, unlike sockets). Leaves out socket monitors
// and the ZAP authentication handler (the coordinator runs that itself when CURVE is on).

import CZeroMQ

/// The libzmq context of a process: create one, make every socket from it, keep it alive while
/// they live (each socket holds a strong reference to it).
///
/// Thread-safety: a context may be shared by every thread and task; libzmq makes `zmq_socket`,
/// `zmq_ctx_*` safe to call concurrently. Sockets are NOT (see `ZMQSocket`).
public final class ZMQContext: @unchecked Sendable {
    // @unchecked Sendable: the only state is the libzmq context handle, which libzmq documents as
    // thread-safe; it is set once in init and released once in deinit.
    let handle: UnsafeMutableRawPointer

    /// Creates a context with `ioThreads` background I/O threads (one moves ~1 GB/s).
    public init(ioThreads: Int = 1) throws(WireError) {
        guard let h = zmq_ctx_new() else { throw WireError.zmq("zmq_ctx_new") }
        handle = h
        if zmq_ctx_set(h, ZMQ_IO_THREADS, Int32(ioThreads)) != 0 {
            let e = WireError.zmq("zmq_ctx_set(ZMQ_IO_THREADS, \(ioThreads))")
            zmq_ctx_term(h)
            throw e
        }
    }

    deinit {
        // Every socket holds a reference to its context, so all are closed by now; zmq_ctx_term
        // then only waits for each closed socket's linger period.
        while zmq_ctx_term(handle) != 0 && zmq_errno() == EINTR {}
    }

    /// libzmq's version as (major, minor, patch), e.g. (4, 3, 4).
    public static var libraryVersion: (major: Int, minor: Int, patch: Int) {
        var a: Int32 = 0, b: Int32 = 0, c: Int32 = 0
        zmq_version(&a, &b, &c)
        return (Int(a), Int(b), Int(c))
    }

    /// Whether libzmq was built with `capability` ("curve", "ipc", "draft", …).
    public static func has(_ capability: String) -> Bool { zmq_has(capability) == 1 }
}

extension WireError {
    /// The error of the libzmq call `call` that just failed, with `zmq_strerror`'s text.
    package static func zmq(_ call: String, errno e: Int32 = zmq_errno()) -> WireError {
        let text = String(cString: zmq_strerror(e))
        return WireError(.transport, "\(call) failed: \(text) (errno \(e))", errno: e)
    }
}
