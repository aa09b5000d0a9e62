// A coordinator and workers as child processes of one `rung` on loopback: what `rung demo` and the
// integration tests start. Leaves out the study itself (the caller writes it).
import Foundation
import Synchronization
import Search
#if canImport(Glibc)
import Glibc
#endif

/// A free TCP port on 127.0.0.1, chosen at random below the kernel's ephemeral range
/// (`ip_local_port_range`): a port the kernel hands out is also the source port of outgoing
/// connections, so another process's connection could take it between this check and the bind.
/// Falls back to the kernel's choice when the range leaves no room below it.
public func freeLoopbackPort() throws -> Int {
    let range = (try? String(contentsOfFile: "/proc/sys/net/ipv4/ip_local_port_range", encoding: .utf8))?
        .split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" }).compactMap { Int($0) }
    let low = range?.first ?? 32768
    if low > 12_000 {
        for _ in 0..<200 {
            let port = Int.random(in: 10_000..<low)
            // Never the same port twice in one process (tests start clusters side by side).
            guard handedOutPorts.withLock({ $0.insert(port).inserted }) else { continue }
            if try bindLoopback(port: port) != nil { return port }
        }
    }
    guard let port = try bindLoopback(port: 0) else { throw RuntimeError(.io, "cannot bind a socket on 127.0.0.1 to find a free port") }
    return port
}

/// Ports `freeLoopbackPort` has returned in this process.
private let handedOutPorts = Mutex<Set<Int>>([])

/// Binds a TCP socket on 127.0.0.1 at `port` (0: the kernel chooses) and closes it; the port, or
/// nil if it was taken.
private func bindLoopback(port: Int) throws -> Int? {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw RuntimeError(.io, "cannot open a socket to find a free port") }
    defer { close(fd) }
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_addr.s_addr = inet_addr("127.0.0.1")
    addr.sin_port = UInt16(port).bigEndian
    var len = socklen_t(MemoryLayout<sockaddr_in>.size)
    let ok = withUnsafeMutablePointer(to: &addr) { p in
        p.withMemoryRebound(to: sockaddr.self, capacity: 1) { sa in
            bind(fd, sa, len) == 0 && getsockname(fd, sa, &len) == 0
        }
    }
    return ok ? Int(UInt16(bigEndian: addr.sin_port)) : nil
}

/// Endpoints of a coordinator on loopback.
public struct LoopbackEndpoints: Sendable {
    /// ROUTER port.
    public var router: Int
    /// PUB port.
    public var publish: Int
    /// Two free ports.
    public init() throws {
        router = try freeLoopbackPort()
        var p = try freeLoopbackPort()
        while p == router { p = try freeLoopbackPort() }
        publish = p
    }
    /// `tcp://127.0.0.1:<router>`.
    public var routerURL: String { "tcp://127.0.0.1:\(router)" }
    /// `tcp://127.0.0.1:<publish>`.
    public var publishURL: String { "tcp://127.0.0.1:\(publish)" }
}

/// Launches of `rung coordinator` and `rung worker` on loopback.
public struct LocalCluster: Sendable {
    /// The `rung` executable.
    public var rung: String
    /// The coordinator's endpoints.
    public var endpoints: LoopbackEndpoints

    public init(rung: String, endpoints: LoopbackEndpoints) { self.rung = rung; self.endpoints = endpoints }

    /// `rung coordinator` for a study file (or only `--dir` to carry on) and a directory.
    public func coordinator(study: URL?, directory: URL, extra: [String] = []) -> ChildLaunch {
        var args = ["coordinator", "--dir", directory.path, "--bind", endpoints.routerURL, "--publish", endpoints.publishURL]
        if let study { args += ["--study", study.path] }
        return ChildLaunch(executable: rung, arguments: args + extra, environment: ParentWatch.childEnvironment())
    }

    /// `rung worker` named `name` with its own cache.
    public func worker(name: String, cache: URL, slots: Int = 1, extra: [String] = []) -> ChildLaunch {
        ChildLaunch(executable: rung, arguments: ["worker", "--connect", endpoints.routerURL, "--name", name,
                                                 "--slots", String(slots), "--cache", cache.path] + extra,
                    environment: ParentWatch.childEnvironment())
    }
}
