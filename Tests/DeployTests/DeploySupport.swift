// Support for the deployment tests: the repository root, the `rung` binary built beside the tests,
// and running a script with a deadline while its output is collected.
import Foundation

/// The repository's root (two folders above this file's folder).
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

/// The `rung` executable of this build (the debug one the suite is built with).
func rungBinary() -> String? {
    let candidates = [
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("rung"),
        repositoryRoot.appendingPathComponent(".build/debug/rung"),
    ]
    return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) }?.path
}

/// True when running as root (network namespaces, chroot-like mounts, services).
let isRoot = getuid() == 0

/// The first of `names` found on PATH or in the usual system folders.
func which(_ name: String) -> String? {
    let path = (ProcessInfo.processInfo.environment["PATH"] ?? "") + ":/usr/sbin:/sbin:/usr/bin:/bin"
    return path.split(separator: ":").map { "\($0)/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
}

/// What a finished script left: exit status and combined output.
struct ScriptResult {
    let status: Int32
    let output: String
    /// The JSON object on the output's `RESULT {...}` line, if any.
    var result: [String: Any]? {
        guard let line = output.split(separator: "\n").last(where: { $0.hasPrefix("RESULT ") }) else { return nil }
        return try? JSONSerialization.jsonObject(with: Data(line.dropFirst(7).utf8)) as? [String: Any]
    }
}

/// Runs `arguments` (first is the program) from the repository root, output collected, killed
/// (SIGKILL to its process) after `timeout` seconds.
func runScript(_ arguments: [String], timeout: Double, environment: [String: String] = [:]) throws -> ScriptResult {
    let p = Process()
    // Through a shim that unblocks every signal and restores SIGTERM, SIGINT and SIGPIPE to their
    // defaults before exec: the test runner's threads block some, children inherit the mask, and
    // the scripts stop their daemons and processes with SIGTERM.
    let shim = "import os, signal, sys\n" +
        "signal.pthread_sigmask(signal.SIG_SETMASK, set())\n" +
        "for s in (signal.SIGTERM, signal.SIGINT, signal.SIGPIPE, signal.SIGHUP): signal.signal(s, signal.SIG_DFL)\n" +
        "os.execvp(sys.argv[1], sys.argv[1:])\n"
    p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    p.arguments = ["python3", "-c", shim] + arguments
    p.currentDirectoryURL = repositoryRoot
    p.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
    let out = Pipe()
    p.standardOutput = out
    p.standardError = out
    p.standardInput = FileHandle.nullDevice
    // The exit and the end of the output are awaited as events (a semaphore each), the timeout
    // the only timer.
    let exited = DispatchSemaphore(value: 0)
    p.terminationHandler = { _ in exited.signal() }
    try p.run()
    let collected = OutputBox()
    let reader = Thread {
        let data = out.fileHandleForReading.readDataToEndOfFile()
        collected.set(String(decoding: data, as: UTF8.self))
    }
    reader.start()
    if exited.wait(timeout: .now() + timeout) == .timedOut { kill(p.processIdentifier, SIGKILL) }
    p.waitUntilExit()
    collected.finished.wait()
    return ScriptResult(status: p.terminationStatus, output: collected.text)
}

/// The child's whole output, set once by the reader thread; `finished` is signalled then.
private final class OutputBox: @unchecked Sendable {
    private let lock = NSLock()
    private var value: String?
    let finished = DispatchSemaphore(value: 0)
    func set(_ s: String) { lock.lock(); value = s; lock.unlock(); finished.signal() }
    var text: String { lock.lock(); defer { lock.unlock() }; return value ?? "" }
}

/// Whether this process may make network namespaces and configure links in them (root with
/// CAP_SYS_ADMIN and CAP_NET_ADMIN, and `ip` and `unshare` installed): probed once by bringing up
/// the loopback of a throw-away namespace.
let canMakeNetworkNamespaces: Bool = {
    guard isRoot, let unshare = which("unshare"), let ip = which("ip") else { return false }
    let p = Process()
    p.executableURL = URL(fileURLWithPath: unshare)
    p.arguments = ["--net", ip, "link", "set", "lo", "up"]
    p.standardOutput = FileHandle.nullDevice
    p.standardError = FileHandle.nullDevice
    guard (try? p.run()) != nil else { return false }
    p.waitUntilExit()
    return p.terminationStatus == 0
}()
