// Running a blocking loop (a socket thread) from async code without holding a cooperative thread,
// and turning SIGINT/SIGTERM into a callback. Leaves out everything else about process lifecycle.
import Dispatch
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Runs `body` on a new thread and waits for it without blocking the caller's executor.
public func runOnThread(_ body: @escaping @Sendable () throws -> Void) async throws {
    try await withCheckedThrowingContinuation { (c: CheckedContinuation<Void, any Error>) in
        Thread.detachNewThread {
            do { try body(); c.resume() } catch { c.resume(throwing: error) }
        }
    }
}

/// Calls `handler` on SIGINT and SIGTERM (instead of dying). Keep the returned sources alive.
public func onTerminationSignals(_ handler: @escaping @Sendable (Int32) -> Void) -> [any DispatchSourceSignal] {
    [SIGINT, SIGTERM].map { sig in
        signal(sig, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
        source.setEventHandler { handler(sig) }
        source.resume()
        return source
    }
}

/// The running executable's path (for re-invoking `rung` as a trial child).
public func currentExecutablePath() -> String {
    (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
}
