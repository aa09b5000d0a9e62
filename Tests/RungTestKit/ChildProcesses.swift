// Test support shared by the process tests of DashboardTests and RuntimeTests: where the `rung`
// executable is, and child processes whose output can be awaited with a deadline.
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
    public func line(within seconds: Double, _ match: (String) -> Bool) async -> String? {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if let l = lines.first(where: match) { return l }
            if exit != nil { return lines.first(where: match) }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return nil
    }

    /// Waits for the exit up to `seconds`; SIGKILLs the process if it is still running then.
    public func waitExit(within seconds: Double) async -> ChildExit? {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if let e = exit { return e }
            try? await Task.sleep(for: .milliseconds(20))
        }
        process.signal(SIGKILL)
        return nil
    }
}
