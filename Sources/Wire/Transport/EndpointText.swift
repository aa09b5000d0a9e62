// Endpoints as people type them: `localhost:5555` (no scheme) is taken as `tcp://localhost:5555`
// and the caller says so; anything else libzmq would refuse with a bare errno is refused here with
// a hint. Every `--connect`, `--bind` and `--publish` goes through it. Leaves out DNS (libzmq's).

/// Checks and completes an endpoint given on the command line.
public enum EndpointText {
    /// Schemes Rung's sockets take.
    public static let schemes = ["tcp", "ipc", "inproc"]

    /// The endpoint to use and, when it was completed, a note for a person ("taking localhost:5555
    /// as tcp://localhost:5555"). `flag` names the option in messages (`--connect`).
    public static func normalize(_ text: String, flag: String) throws(WireError) -> (endpoint: String, note: String?) {
        let t = text.trimmingSpaces
        if let range = t.range(of: "://") {
            let scheme = String(t[..<range.lowerBound])
            guard schemes.contains(scheme) else {
                throw WireError(.transport, "\(flag) \(text): the scheme '\(scheme)' is not one ZeroMQ speaks here; use \(schemes.map { "\($0)://" }.joined(separator: ", ")), e.g. tcp://HOST:5555")
            }
            if scheme == "tcp" { try checkHostPort(String(t[range.upperBound...]), text: text, flag: flag) }
            return (t, nil)
        }
        try checkHostPort(t, text: text, flag: flag)
        let endpoint = "tcp://" + t
        return (endpoint, "\(flag) \(text): no scheme given, taking it as \(endpoint)")
    }

    private static func checkHostPort(_ hp: String, text: String, flag: String) throws(WireError) {
        guard let colon = hp.lastIndex(of: ":") else {
            throw WireError(.transport, "\(flag) \(text): give HOST:PORT, e.g. tcp://127.0.0.1:5555 (a port alone is not an address)")
        }
        let host = hp[..<colon], port = hp[hp.index(after: colon)...]
        guard !host.isEmpty else {
            throw WireError(.transport, "\(flag) \(text): the host is missing; give tcp://HOST:\(port) (tcp://*:\(port) to bind on every interface)")
        }
        guard port == "*" || (Int(port).map { (1...65535).contains($0) } ?? false) else {
            throw WireError(.transport, "\(flag) \(text): '\(port)' is not a port (1–65535); e.g. tcp://\(host):5555")
        }
    }
}

extension String {
    fileprivate var trimmingSpaces: String {
        var s = Substring(self)
        while s.first == " " { s.removeFirst() }
        while s.last == " " { s.removeLast() }
        return String(s)
    }
}
