// The study directory's owner: an exclusive `flock` on `<study dir>/coordinator.lock`, held for the
// coordinator's life, with the holder (pid, host, endpoints, start time) written into the file so a
// second coordinator can say who has the study. The kernel drops the lock when its holder dies, so
// a lock left by a killed coordinator is simply taken over. Leaves out everything else in the directory.
import Foundation
import Store
#if canImport(Glibc)
import Glibc
#endif

/// An exclusive lock on a study directory, released by `release()`, by deinit, or by the death of the process.
public final class StudyLock: @unchecked Sendable {
    // @unchecked: `fd` changes only in `release()`, which the owner calls once, from one thread.
    /// The lock file.
    public let url: URL
    private var fd: Int32

    /// Who holds a lock, as written in the lock file.
    public struct Holder: Codable, Equatable, Sendable {
        public var pid: Int32
        public var host: String
        public var bind: String
        public var publish: String
        public var started: Double
        public init(pid: Int32, host: String, bind: String, publish: String, started: Double) {
            self.pid = pid; self.host = host; self.bind = bind; self.publish = publish; self.started = started
        }
        /// This process, serving at `bind` and `publish`.
        public static func current(bind: String, publish: String) -> Holder {
            Holder(pid: getpid(), host: hostName(), bind: bind, publish: publish,
                   started: Date().timeIntervalSince1970)
        }
    }

    /// The lock file of a study directory.
    public static func file(in root: URL) -> URL { root.appendingPathComponent("coordinator.lock") }

    /// Takes the lock of the study directory `root` (created if missing) for `holder`, or throws a
    /// `.studyBusy` error that names the coordinator holding it.
    public init(root: URL, holder: Holder) throws {
        do {
            try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        } catch {
            throw RuntimeError(.io, "cannot create the study directory \(root.path): \(error.localizedDescription)")
        }
        url = Self.file(in: root)
        fd = open(url.path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw RuntimeError(.io, "cannot open the lock file \(url.path): \(String(cString: strerror(errno)))")
        }
        while flock(fd, LOCK_EX | LOCK_NB) != 0 {
            if errno == EINTR { continue }
            let reason = errno
            let text = (try? String(contentsOf: url, encoding: .utf8)) ?? ""
            close(fd)
            guard reason == EWOULDBLOCK else {
                throw RuntimeError(.io, "cannot lock \(url.path): \(String(cString: strerror(reason)))")
            }
            let who: String
            if let h = try? JSONDecoder().decode(Holder.self, from: Data(text.utf8)) {
                who = "coordinator pid \(h.pid) on host \(h.host), serving \(h.bind) (events \(h.publish)), since \(TimeText.iso(h.started))"
            } else {
                who = "another process (the lock file says nothing readable yet)"
            }
            throw RuntimeError(.studyBusy,
                               "\(root.path) is already run by \(who); stop that coordinator first, or choose another --dir")
        }
        // Ours: say who we are (the previous holder's text, if any, was left by a dead process).
        var data = try JSONEncoder.sorted.encode(holder)
        data.append(10)
        _ = ftruncate(fd, 0)
        let written = data.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
        guard written == data.count else {
            close(fd)
            throw RuntimeError(.io, "cannot write the lock file \(url.path): \(String(cString: strerror(errno)))")
        }
    }

    /// Reads the holder written in the lock file of `root`, if any (whether or not it is still held).
    public static func holder(of root: URL) -> Holder? {
        guard let data = try? Data(contentsOf: file(in: root)) else { return nil }
        return try? JSONDecoder().decode(Holder.self, from: data)
    }

    /// Releases the lock (the file stays; its text is stale until the next holder rewrites it).
    public func release() {
        guard fd >= 0 else { return }
        close(fd)
        fd = -1
    }

    deinit { release() }
}

/// This machine's host name.
func hostName() -> String {
    var buffer = [CChar](repeating: 0, count: 256)
    guard gethostname(&buffer, buffer.count) == 0 else { return "unknown" }
    return String(cString: buffer)
}
