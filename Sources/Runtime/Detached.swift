// Running a blocking loop (a socket thread) from async code without holding a cooperative thread,
// and turning SIGINT/SIGTERM into a callback (a sigaction handler and a watcher thread). Leaves out everything else about process lifecycle.
import Dispatch
import Foundation
import Synchronization
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

/// The last termination signal received and not yet handled (0: none). Written by the signal
/// handler, which may only do async-signal-safe work: an atomic store is.
private let pendingTerminationSignal = Atomic<Int32>(0)

/// Keeps the termination watcher running; `cancel()` ends it.
public final class TerminationWatch: Sendable {
    let cancelled = Atomic<Bool>(false)
    /// Stops watching (the handlers stay installed and only record).
    public func cancel() { cancelled.store(true, ordering: .relaxed) }
}

/// Calls `handler` on SIGINT and SIGTERM (instead of dying), from a watcher thread, once per
/// signal. A plain `sigaction` handler records the signal and the watcher polls it every 50 ms;
/// this works whichever thread the kernel picks to deliver it to (Dispatch signal sources did not
/// on Linux when the signal arrived before any other event). Keep the returned watch alive.
@discardableResult
public func onTerminationSignals(_ handler: @escaping @Sendable (Int32) -> Void) -> TerminationWatch {
    for sig in [SIGINT, SIGTERM] {
        var action = sigaction()
        action.__sigaction_handler.sa_handler = { s in pendingTerminationSignal.store(s, ordering: .relaxed) }
        sigemptyset(&action.sa_mask)
        action.sa_flags = SA_RESTART
        sigaction(sig, &action, nil)
    }
    let watch = TerminationWatch()
    Thread.detachNewThread {
        while !watch.cancelled.load(ordering: .relaxed) {
            let s = pendingTerminationSignal.exchange(0, ordering: .relaxed)
            if s != 0 { handler(s) }
            usleep(50_000)
        }
    }
    return watch
}

/// The running executable's path (for re-invoking `rung` as a trial child).
public func currentExecutablePath() -> String {
    (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
}
