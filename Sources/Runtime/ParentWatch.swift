// Processes started by `rung demo` (and tests) end with their parent: the parent puts its pid in
// RUNG_PARENT_PID, and the coordinator and worker loops stop when their parent is gone, so a
// killed demo leaves no workers behind. Leaves out process groups across machines.
import Foundation

/// Whether the process that started this one (per RUNG_PARENT_PID) is gone.
public enum ParentWatch {
    /// The environment variable a launcher sets to its own pid.
    public static let variable = "RUNG_PARENT_PID"

    static let expected: pid_t? = ProcessInfo.processInfo.environment[variable].flatMap { pid_t($0) }

    /// True when RUNG_PARENT_PID is set and this process's parent is no longer that process.
    public static var parentGone: Bool {
        guard let expected else { return false }
        return getppid() != expected
    }

    /// The environment for a child that should end with this process.
    public static func childEnvironment(_ base: [String: String] = ProcessInfo.processInfo.environment) -> [String: String] {
        var env = base
        env[variable] = String(getpid())
        return env
    }
}
