// Whether this worker's machine can run attempts at all: its cache (where checkpoints and attempt
// workspaces live) exists or can be made, takes a write, and has free space. The worker checks at
// start and before each attempt; a failure is reported as the machine's fault (FAILED with
// `machine: true`), never as the trial's. Leaves out the trial itself.
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The checks a worker runs on its cache directory.
public enum MachineCheck {
    /// What is wrong with `cache` as a place to run attempts, or nil when it is usable: it must be a
    /// directory (made if missing) that takes a new file, with at least `minFreeBytes` free.
    public static func problem(cache: URL, minFreeBytes: Int64) -> String? {
        let path = cache.path
        do {
            try FileManager.default.createDirectory(at: cache, withIntermediateDirectories: true)
        } catch {
            return "the cache \(path) cannot be created: \(error.localizedDescription)"
        }
        let probe = cache.appendingPathComponent(".rung-probe-\(getpid())").path
        let fd = open(probe, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            return "the cache \(path) is not writable: \(String(cString: strerror(errno)))"
        }
        let byte: [UInt8] = [0x72]
        let wrote = write(fd, byte, 1)
        let writeErrno = errno
        close(fd)
        unlink(probe)
        guard wrote == 1 else {
            return "the cache \(path) takes no writes: \(String(cString: strerror(writeErrno)))"
        }
        var s = statvfs()
        if statvfs(path, &s) == 0 {
            let free = Int64(s.f_bavail) * Int64(s.f_frsize)
            if free < minFreeBytes {
                return "the cache \(path) has \(free / 1_048_576) MB free, below the \(minFreeBytes / 1_048_576) MB a worker needs (--min-free-mb)"
            }
        }
        return nil
    }
}
