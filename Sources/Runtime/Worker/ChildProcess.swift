// A child process with its stdout and stderr read line by line, spawned with posix_spawn in its own
// process group (so a stop reaches its own children too) and with default signal dispositions
// (the worker's ignored SIGTERM is not inherited). Leaves out what the lines mean (TrialRun).
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Synchronization

/// How to start a child: program, arguments, environment and working directory.
public struct ChildLaunch: Hashable, Sendable {
    /// The program: an absolute path, or a name looked up in `PATH`.
    public var executable: String
    /// Arguments after the program name.
    public var arguments: [String]
    /// The whole environment of the child.
    public var environment: [String: String]
    /// The directory the child starts in (nil: the parent's).
    public var workingDirectory: String?
    /// SIGKILL the child when the thread that spawned it dies (with its process: a SIGKILLed
    /// worker takes its trials along), through `setpriv --pdeathsig KILL` where it is installed.
    /// Spawn from a thread that lives as long as the child should.
    public var dieWithParent = false

    public init(executable: String, arguments: [String], environment: [String: String],
                workingDirectory: String? = nil, dieWithParent: Bool = false) {
        self.executable = executable; self.arguments = arguments
        self.environment = environment; self.workingDirectory = workingDirectory
        self.dieWithParent = dieWithParent
    }

    /// True when the program can be found (a path to an executable file, or a name in `PATH`).
    var programExists: Bool {
        let fm = FileManager.default
        if executable.contains("/") { return fm.isExecutableFile(atPath: executable) }
        let path = environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        return path.split(separator: ":").contains { fm.isExecutableFile(atPath: "\($0)/\(executable)") }
    }
}

/// How a child ended.
public enum ChildExit: Hashable, Sendable, CustomStringConvertible {
    /// It exited with this status.
    case exited(Int32)
    /// A signal ended it.
    case signaled(Int32)

    public var description: String {
        switch self {
        case .exited(let s): return "exit status \(s)"
        case .signaled(let s):
            let name = [SIGKILL: "SIGKILL", SIGTERM: "SIGTERM", SIGSEGV: "SIGSEGV", SIGABRT: "SIGABRT",
                        SIGBUS: "SIGBUS", SIGILL: "SIGILL", SIGINT: "SIGINT", SIGFPE: "SIGFPE"][s]
            return "killed by signal \(s)" + (name.map { " (\($0))" } ?? "")
        }
    }
}

/// One thing a child did: a line on one of its streams, or its end (always last).
public enum ChildEvent: Hashable, Sendable {
    case stdout(String)
    case stderr(String)
    case exit(ChildExit)
}

/// A running child process. Its events arrive in `events`; `.exit` comes after every line.
public final class ChildProcess: Sendable {
    /// The child's process id (also its process group id).
    public let pid: pid_t
    /// Lines as they are written, then the exit.
    public let events: AsyncStream<ChildEvent>

    private init(pid: pid_t, events: AsyncStream<ChildEvent>) {
        self.pid = pid; self.events = events
    }

    /// util-linux's `setpriv`, which sets the parent-death signal and execs the program.
    static let setpriv = "/usr/bin/setpriv"

    /// Starts a child. Throws if it cannot be spawned (program not found, not executable).
    public static func spawn(_ launch: ChildLaunch) throws -> ChildProcess {
        // pipe2 is not visible from Swift here: pipe + FD_CLOEXEC under a lock, so that no other
        // spawn in this process inherits these pipes between the two calls.
        try spawnLock.withLock { _ in try spawnLocked(launch) }
    }

    private static func spawnLocked(_ launch: ChildLaunch) throws -> ChildProcess {
        var outPipe: [Int32] = [0, 0], errPipe: [Int32] = [0, 0]
        guard pipe(&outPipe) == 0, pipe(&errPipe) == 0 else {
            throw RuntimeError(.spawnFailed, "cannot create pipes for \(launch.executable): \(String(cString: strerror(errno)))")
        }
        for fd in outPipe + errPipe { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, outPipe[1], 1)
        posix_spawn_file_actions_adddup2(&actions, errPipe[1], 2)
        var attr = posix_spawnattr_t()
        posix_spawnattr_init(&attr)
        defer { posix_spawnattr_destroy(&attr) }
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for s in [SIGTERM, SIGINT, SIGPIPE, SIGHUP, SIGQUIT] { sigaddset(&defaults, s) }
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigdefault(&attr, &defaults)
        posix_spawnattr_setsigmask(&attr, &empty)
        posix_spawnattr_setpgroup(&attr, 0)
        posix_spawnattr_setflags(&attr, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))

        // A working directory goes through `env -C` (posix_spawn_file_actions_addchdir_np is not
        // visible from Swift here).
        var words = [launch.executable] + launch.arguments
        if let dir = launch.workingDirectory { words = ["/usr/bin/env", "-C", dir] + words }
        // Only a program that exists is wrapped, so a missing one still fails to spawn here.
        if launch.dieWithParent, FileManager.default.isExecutableFile(atPath: Self.setpriv), launch.programExists {
            words = [Self.setpriv, "--pdeathsig", "KILL", "--"] + words
        }
        let argv = words.map { strdup($0) } + [nil]
        let envp = launch.environment.sorted { $0.key < $1.key }.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { for p in argv + envp { free(p) } }
        var pid: pid_t = 0
        let rc = words[0].contains("/")
            ? posix_spawn(&pid, words[0], &actions, &attr, argv, envp)
            : posix_spawnp(&pid, words[0], &actions, &attr, argv, envp)
        close(outPipe[1]); close(errPipe[1])
        guard rc == 0 else {
            close(outPipe[0]); close(errPipe[0])
            throw RuntimeError(.spawnFailed, "cannot start '\(launch.executable)': \(String(cString: strerror(rc)))")
        }

        let (stream, continuation) = AsyncStream<ChildEvent>.makeStream(bufferingPolicy: .unbounded)
        let readers = DispatchGroup()
        for (fd, isOut) in [(outPipe[0], true), (errPipe[0], false)] {
            readers.enter()
            Thread.detachNewThread {
                readLines(fd) { continuation.yield(isOut ? .stdout($0) : .stderr($0)) }
                close(fd)
                readers.leave()
            }
        }
        let childPid = pid
        Thread.detachNewThread {
            var status: Int32 = 0
            while waitpid(childPid, &status, 0) < 0 && errno == EINTR {}
            // Grandchildren may hold the pipes open; do not wait for them forever.
            _ = readers.wait(timeout: .now() + 2)
            let exit: ChildExit = (status & 0x7f) == 0 ? .exited((status >> 8) & 0xff) : .signaled(status & 0x7f)
            continuation.yield(.exit(exit))
            continuation.finish()
        }
        return ChildProcess(pid: childPid, events: stream)
    }

    /// Sends a signal to the child's whole process group.
    public func signal(_ sig: Int32) {
        _ = kill(-pid, sig)
    }
}

private let spawnLock = Mutex<Void>(())

/// Reads `fd` to its end, calling `line` for each line (without its newline; a last line without a
/// newline is delivered too). Invalid UTF-8 is repaired rather than dropped.
private func readLines(_ fd: Int32, _ line: (String) -> Void) {
    var pending: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 65_536)
    while true {
        let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if n < 0 && errno == EINTR { continue }
        if n <= 0 { break }
        pending.append(contentsOf: buffer[0..<n])
        var start = 0
        while let nl = pending[start...].firstIndex(of: 10) {
            var end = nl
            if end > start, pending[end - 1] == 13 { end -= 1 }
            line(String(decoding: pending[start..<end], as: UTF8.self))
            start = nl + 1
        }
        pending.removeFirst(start)
    }
    if !pending.isEmpty { line(String(decoding: pending, as: UTF8.self)) }
}
