// Test support shared by the process tests of DashboardTests and RuntimeTests: where the `rung`
// executable is, and child processes whose output can be awaited with a deadline (woken by each
// line or the exit, not by polling).
// For tests only: no product depends on this target. Leaves out what a test checks in the output.
import Foundation
import Synchronization
import Runtime

/// The `rung` executable built beside the test bundle (or in `.build/debug` of the package); nil
/// when it has not been built.
public func rungBinary() -> String? {
    let candidates = [
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("rung"),
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent(".build/debug/rung"),
    ]
    return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) }?.path
}

/// A child process whose stdout and stderr lines are collected as they arrive.
public final class Watched: Sendable {
    /// The running child, for signals.
    public let process: ChildProcess
    private let box = Box()

    final class Box: Sendable {
        let lock = Mutex<(lines: [String], stderr: [String], exit: ChildExit?)>(([], [], nil))
        /// Waiters to wake when a line arrives, the child exits or their deadline passes; each is
        /// resumed once, by whichever comes first (the one that removes it from the table).
        let waiters = Mutex<(next: Int, table: [Int: CheckedContinuation<Void, Never>])>((0, [:]))

        /// Wakes every waiter (they look at the output again).
        func wakeAll() {
            let woken = waiters.withLock { w in defer { w.table.removeAll() }; return Array(w.table.values) }
            for c in woken { c.resume() }
        }

        /// Returns once something arrives after `seen` output events, or at `deadline`.
        func waitForChange(after seen: Int, until deadline: ContinuousClock.Instant) async {
            await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
                let id: Int? = waiters.withLock { w in
                    // Something arrived since the caller looked: do not sleep at all.
                    if lock.withLock({ $0.lines.count + $0.stderr.count + ($0.exit == nil ? 0 : 1) }) != seen { return nil }
                    w.next += 1
                    w.table[w.next] = c
                    return w.next
                }
                guard let id else { c.resume(); return }
                Task.detached { [self] in
                    try? await Task.sleep(until: deadline, clock: .continuous)
                    if let c = waiters.withLock({ $0.table.removeValue(forKey: id) }) { c.resume() }
                }
            }
        }

        /// Output events so far (lines on both streams, and the exit).
        var seen: Int { lock.withLock { $0.lines.count + $0.stderr.count + ($0.exit == nil ? 0 : 1) } }
    }

    /// Spawns `launch` and starts collecting its output.
    public init(_ launch: ChildLaunch) throws {
        process = try ChildProcess.spawn(launch)
        let events = process.events
        let box = self.box
        Task.detached {
            for await e in events {
                box.lock.withLock { s in
                    switch e {
                    case .stdout(let l): s.lines.append(l)
                    case .stderr(let l): s.stderr.append(l)
                    case .exit(let x): s.exit = x
                    }
                }
                box.wakeAll()
            }
        }
    }

    /// The stdout lines so far.
    public var lines: [String] { box.lock.withLock { $0.lines } }
    /// The stderr lines so far.
    public var stderr: [String] { box.lock.withLock { $0.stderr } }
    /// How it ended, once it has.
    public var exit: ChildExit? { box.lock.withLock { $0.exit } }

    /// Waits until a stdout line satisfies `match` (returns it) or `seconds` pass (nil).
    /// Woken by each output event, not by polling.
    public func line(within seconds: Double, _ match: (String) -> Bool) async -> String? {
        await first(within: seconds) { $0.lines.first(where: match) }
    }

    /// `line(within:_:)` for a stderr line.
    public func stderrLine(within seconds: Double, _ match: (String) -> Bool) async -> String? {
        await first(within: seconds) { $0.stderr.first(where: match) }
    }

    /// Waits until `found` finds something in the output, the child exits or `seconds` pass.
    private func first(within seconds: Double, _ found: (Watched) -> String?) async -> String? {
        let deadline = ContinuousClock.now + .seconds(seconds)
        while true {
            let seen = box.seen
            if let l = found(self) { return l }
            if exit != nil || ContinuousClock.now >= deadline { return nil }
            await box.waitForChange(after: seen, until: deadline)
        }
    }

    /// Waits for the exit up to `seconds`; SIGKILLs the process if it is still running then.
    public func waitExit(within seconds: Double) async -> ChildExit? {
        let deadline = ContinuousClock.now + .seconds(seconds)
        while true {
            let seen = box.seen
            if let e = exit { return e }
            if ContinuousClock.now >= deadline { break }
            await box.waitForChange(after: seen, until: deadline)
        }
        process.signal(SIGKILL)
        return nil
    }
}
