// Test support: a study in a fresh temporary directory — its trainer script, its study file (the
// skeleton every process test writes: random sampling over a space, a trainer command), the run
// directory and the workers' caches. For tests only: no product depends on this target.
// Leaves out the trainer scripts themselves: each test writes the one its checks need.
import Foundation

/// A fresh temporary directory holding one test's study.
public struct StudyFolder: Sendable {
    /// The directory; everything of the study lies below it.
    public let root: URL

    /// Creates `<tmp>/<prefix>-<letters of test>-<8 random characters>`; `letters` caps how many
    /// letters of the test's name go into it.
    public init(_ prefix: String, test: String, letters: Int = .max) throws {
        root = FileManager.default.temporaryDirectory
            .appendingPathComponent("\(prefix)-\(test.filter(\.isLetter).prefix(letters))-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
    }

    /// Writes `text` to `file` in the folder (mode 0755 when `executable`); its URL.
    @discardableResult
    public func write(_ text: String, to file: String, executable: Bool = false) throws -> URL {
        let url = root.appendingPathComponent(file)
        try text.write(to: url, atomically: true, encoding: .utf8)
        if executable { chmod(url.path, 0o755) }
        return url
    }

    /// Writes `study.yaml`: `trials` trials sampled at random from `space` (one YAML line a
    /// parameter) and run by `command`; `objective` and `budget` are YAML flow mappings. Its URL.
    public func writeStudy(name: String, seed: Int, trials: Int, objective: String = "{metric: acc, direction: maximize}",
                           budget: String, scheduler: String = "asha", space: [String], command: [String]) throws -> URL {
        let lines = ["name: \(name)", "seed: \(seed)", "trials: \(trials)", "objective: \(objective)", "budget: \(budget)",
                     "scheduler: \(scheduler)", "sampler: random", "space:"]
            + space.map { "  " + $0 }
            + ["task:", "  command: [" + command.map { "\"\($0)\"" }.joined(separator: ", ") + "]"]
        return try write(lines.joined(separator: "\n"), to: "study.yaml")
    }

    /// The run directory a coordinator keeps the study in (`run`).
    public var directory: URL { root.appendingPathComponent("run", isDirectory: true) }
    /// The cache directory of the worker `worker`.
    public func cache(_ worker: String) -> URL { root.appendingPathComponent("cache-\(worker)", isDirectory: true) }
    /// Deletes the folder and everything in it.
    public func remove() { try? FileManager.default.removeItem(at: root) }
}

/// A test's study kept in a `StudyFolder`: its root, run directory, caches and removal are the folder's.
public protocol InStudyFolder {
    /// Where the study lies.
    var folder: StudyFolder { get }
}

public extension InStudyFolder {
    /// The folder's directory.
    var root: URL { folder.root }
    /// The run directory a coordinator keeps the study in.
    var directory: URL { folder.directory }
    /// The cache directory of the worker `worker`.
    func cache(_ worker: String) -> URL { folder.cache(worker) }
    /// Deletes the folder and everything in it.
    func remove() { folder.remove() }
}
