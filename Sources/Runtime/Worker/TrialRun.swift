// One attempt of a trial running in a child process on a worker: prepares its checkpoint directory
// in the cache, starts the child (external command or `rung run-trial`), turns its stdout metric
// lines into numbered reports and other lines into log lines, honours a stop (SIGTERM, then SIGKILL
// after a grace period) and tells how it ended. Leaves out the wire (the worker process does that).
import Foundation
import Search
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Where a worker keeps trial checkpoints: `<root>/trial-<id>/r-<resource>/` holds the checkpoint
/// at a resource; `<root>/trial-<id>/attempt-<n>/` is a running attempt's working copy.
public struct TrialCache: Hashable, Sendable {
    /// The cache's root directory.
    public var root: URL
    public init(root: URL) { self.root = root }

    /// The checkpoint directory of `trial` at `resource`.
    public func checkpoint(_ trial: TrialID, at resource: Double) -> URL {
        root.appendingPathComponent("trial-\(trial)/r-\(resourceLabel(resource))", isDirectory: true)
    }
    /// The working directory of an attempt.
    public func workspace(_ ref: AttemptRef) -> URL {
        root.appendingPathComponent("trial-\(ref.trial)/attempt-\(ref.attempt)", isDirectory: true)
    }
    /// True if the checkpoint of `trial` at `resource` is here.
    public func holds(_ trial: TrialID, at resource: Double) -> Bool {
        FileManager.default.fileExists(atPath: checkpoint(trial, at: resource).path)
    }
}

/// A resource as a short label: `3` for 3.0, `2.5` otherwise.
public func resourceLabel(_ r: Double) -> String {
    if abs(r) < 1e15, let whole = Int(exactly: r) { return String(whole) }
    return String(r)
}

/// Which stream a trial's log line came from.
public enum LineSource: String, Hashable, Codable, Sendable {
    case stdout, stderr
    /// Rung's own messages about the trial (started, paused, exit status).
    case rung
}

/// What a running attempt produces.
public enum TrialRunEvent: Hashable, Sendable {
    /// A metric line, numbered 1, 2, … within the attempt.
    case report(EpochReport)
    /// Any other line.
    case log(LineSource, String)
    /// The end (always last). For `.paused`, the checkpoint is at `TrialCache.checkpoint(_:at:)`.
    case ended(AttemptEnd)
}

/// The input the hidden `rung run-trial` command reads: one attempt of a built-in task.
public struct BuiltinTrialSpec: Hashable, Codable, Sendable {
    public var task: BuiltinTask
    public var trial: TrialID
    public var attempt: Int
    public var config: Configuration
    /// Epochs already done; the checkpoint in `checkpointDirectory` is at this epoch when > 0.
    public var fromEpoch: Int
    /// Last epoch to run.
    public var toEpoch: Int
    /// Where to read the checkpoint from and write it to.
    public var checkpointDirectory: String
    /// Whether to write a checkpoint at `toEpoch` (false when it completes the trial).
    public var saveCheckpoint: Bool
    public init(task: BuiltinTask, trial: TrialID, attempt: Int, config: Configuration, fromEpoch: Int, toEpoch: Int,
                checkpointDirectory: String, saveCheckpoint: Bool) {
        self.task = task; self.trial = trial; self.attempt = attempt; self.config = config
        self.fromEpoch = fromEpoch; self.toEpoch = toEpoch
        self.checkpointDirectory = checkpointDirectory; self.saveCheckpoint = saveCheckpoint
    }
}

/// One attempt running in a child process.
public final class TrialRun: Sendable {
    /// What it runs.
    public let order: WorkOrder
    /// Reports and log lines as they come, then the end.
    public let events: AsyncStream<TrialRunEvent>
    private let child: ChildProcess
    private let state = RunFlags()
    private let grace: Double

    /// Starts an attempt. `rungExecutable` is the program re-invoked for built-in tasks;
    /// `environment` is the child's base environment. The checkpoint the order resumes from must
    /// already be in `cache`. Throws if the child cannot start (the worker reports it as failed).
    public init(order: WorkOrder, task: TrialTask, cache: TrialCache, rungExecutable: String,
                environment: [String: String] = ProcessInfo.processInfo.environment,
                stopGrace: Double = 5, timeout: TaskTimeout = TaskTimeout(), dieWithParent: Bool = false) throws {
        self.order = order
        self.grace = stopGrace
        let a = order.assignment
        let fm = FileManager.default
        let workspace = cache.workspace(order.ref)
        try? fm.removeItem(at: workspace)
        try fm.createDirectory(at: workspace.deletingLastPathComponent(), withIntermediateDirectories: true)
        if a.fromResource > 0 {
            let source = cache.checkpoint(a.trial, at: a.fromResource)
            guard fm.fileExists(atPath: source.path) else {
                throw RuntimeError(.io, "the checkpoint of trial \(a.trial) at \(resourceLabel(a.fromResource)) is not in the cache (\(source.path))")
            }
            try fm.copyItem(at: source, to: workspace)
        } else {
            try fm.createDirectory(at: workspace, withIntermediateDirectories: true)
        }
        let configJSON = String(decoding: try JSONEncoder.sorted.encode(a.config), as: UTF8.self)
        var env = environment
        env[TrialEnvironment.checkpointDirectory] = workspace.path
        env[TrialEnvironment.trialID] = String(a.trial.rawValue)
        env[TrialEnvironment.attempt] = String(order.attempt)
        env[TrialEnvironment.fromEpoch] = resourceLabel(a.fromResource)
        env[TrialEnvironment.toEpoch] = resourceLabel(a.toResource)
        env[TrialEnvironment.config] = configJSON
        let launch: ChildLaunch
        switch task {
        case .command(let c):
            let extra = ["trial": String(a.trial.rawValue), "attempt": String(order.attempt),
                         "from_epoch": resourceLabel(a.fromResource), "to_epoch": resourceLabel(a.toResource),
                         "checkpoint_dir": workspace.path]
            let words = try c.arguments(config: a.config, extra: extra)
            env.merge(c.environment) { _, new in new }
            launch = ChildLaunch(executable: words[0], arguments: Array(words.dropFirst()), environment: env,
                                 workingDirectory: c.workingDirectory)
        case .builtin(let b):
            // ASSIGN's resources were checked finite and ≤ 1e12 by the decoder; checked here all the same.
            guard let fromEpoch = Int(exactly: a.fromResource.rounded()), let toEpoch = Int(exactly: a.toResource.rounded()) else {
                throw RuntimeError(.invalidArgument, "resources \(a.fromResource)…\(a.toResource) are not whole epochs a built-in task can run")
            }
            let spec = BuiltinTrialSpec(task: b, trial: a.trial, attempt: order.attempt, config: a.config,
                                        fromEpoch: fromEpoch, toEpoch: toEpoch,
                                        checkpointDirectory: workspace.path, saveCheckpoint: !order.isFinal)
            let specURL = workspace.deletingLastPathComponent().appendingPathComponent("attempt-\(order.attempt).json")
            try JSONEncoder.sorted.encode(spec).write(to: specURL)
            launch = ChildLaunch(executable: rungExecutable, arguments: ["run-trial", "--spec", specURL.path],
                                 environment: env)
        }
        var guarded = launch
        guarded.dieWithParent = dieWithParent
        child = try ChildProcess.spawn(guarded)
        let (stream, continuation) = AsyncStream<TrialRunEvent>.makeStream(bufferingPolicy: .unbounded)
        events = stream
        let source = child.events
        let state = self.state
        Task {
            var seq = 0
            var reached = a.fromResource
            var tail: [String] = []
            for await event in source {
                switch event {
                case .stdout(let line):
                    if let m = MetricLine(line) {
                        state.lock.withLock { $0.lastProgress = Date().timeIntervalSince1970 }
                        seq += 1
                        reached = max(reached, m.epoch)
                        continuation.yield(.report(EpochReport(trial: a.trial, attempt: order.attempt, seq: seq,
                                                               resource: m.epoch, metrics: m.metrics)))
                    } else {
                        continuation.yield(.log(.stdout, line))
                    }
                case .stderr(let line):
                    if !line.allSatisfy(\.isWhitespace) { tail.append(line) }
                    if tail.count > 3 { tail.removeFirst() }
                    continuation.yield(.log(.stderr, line))
                case .exit(let exit):
                    let (stopping, timedOut) = state.lock.withLock { s in s.exited = true; return (s.stopping, s.timedOut) }
                    let outcome = timedOut.map { AttemptEnd.failed(reason: $0) }
                        ?? TrialRun.outcome(exit: exit, stopping: stopping, reached: reached, order: order,
                                            stderrTail: tail, cache: cache)
                    continuation.yield(.log(.rung, "attempt \(order.attempt) ended: \(exit) → \(outcome)"))
                    continuation.yield(.ended(outcome))
                }
            }
            continuation.finish()
        }
        if timeout.epoch != nil || timeout.attempt != nil { watch(timeout) }
    }

    /// Enforces `timeout` on a thread of its own (not the shared task pool, which busy or blocking
    /// work elsewhere could hold up): past a limit, the child gets SIGTERM, then SIGKILL after the
    /// grace period, and the attempt ends `.failed` with the reason.
    private func watch(_ timeout: TaskTimeout) {
        let state = self.state, child = self.child, grace = self.grace
        let started = Date().timeIntervalSince1970
        state.lock.withLock { $0.lastProgress = started }
        Thread.detachNewThread {
            while true {
                usleep(50_000)
                let now = Date().timeIntervalSince1970
                let (reason, over) = state.lock.withLock { s -> (String?, Bool) in
                    if s.exited || s.stopping || s.timedOut != nil { return (nil, true) }
                    if let limit = timeout.attempt, now - started > limit {
                        s.timedOut = "timed out: the attempt ran longer than \(resourceLabel(limit)) s (task.timeout.attempt)"
                    } else if let limit = timeout.epoch, now - s.lastProgress > limit {
                        s.timedOut = "timed out: no metric line for \(resourceLabel(limit)) s (task.timeout.epoch)"
                    }
                    return (s.timedOut, false)
                }
                if over { return }
                guard reason != nil else { continue }
                child.signal(SIGTERM)
                let deadline = Date().addingTimeInterval(grace)
                while Date() < deadline, !state.lock.withLock({ $0.exited }) { usleep(20_000) }
                if !state.lock.withLock({ $0.exited }) { child.signal(SIGKILL) }
                return
            }
        }
    }

    /// Stops the attempt: SIGTERM to its process group now, SIGKILL if it still runs after the
    /// grace period. Its end is then `.stopped`.
    public func stop() {
        let already = state.lock.withLock { s -> Bool in
            defer { s.stopping = true }
            return s.stopping || s.exited
        }
        guard !already else { return }
        child.signal(SIGTERM)
        // The SIGKILL is timed on a thread of its own, as in `watch`: a task on the shared pool
        // can be held up past the grace period by busy or blocking work elsewhere.
        let grace = self.grace, child = self.child, state = self.state
        Thread.detachNewThread {
            let deadline = Date().addingTimeInterval(grace)
            while Date() < deadline, !state.lock.withLock({ $0.exited }) { usleep(20_000) }
            if !state.lock.withLock({ $0.exited }) { child.signal(SIGKILL) }
        }
    }

    /// True once the child has exited.
    public var hasExited: Bool { state.lock.withLock { $0.exited } }

    /// SIGKILLs the child's process group now.
    public func kill() { child.signal(SIGKILL) }

    /// How an attempt ended, from its exit and what it reported; moves a paused checkpoint into place.
    static func outcome(exit: ChildExit, stopping: Bool, reached: Double, order: WorkOrder, stderrTail: [String],
                        cache: TrialCache) -> AttemptEnd {
        if stopping { return .stopped }
        let a = order.assignment
        // The last stderr line is where a Python exception says what went wrong (`ValueError: …`):
        // it comes first, so that a shortened reason still shows it; the lines before it follow.
        let last = stderrTail.last.map { $0.trimmingCharacters(in: .whitespaces) }
        let before = stderrTail.dropLast().map { $0.trimmingCharacters(in: .whitespaces) }
        let tail = before.isEmpty ? "" : "; stderr before it: " + before.joined(separator: " | ")
        func reason(_ what: String) -> String { last.map { "\($0) (\(what)\(tail))" } ?? what }
        switch exit {
        case .signaled(let s):
            let hint = s == SIGKILL ? " (out of memory, or killed from outside)" : ""
            return .failed(reason: reason("\(exit)\(hint)"))
        case .exited(let status) where status != 0:
            return .failed(reason: reason("\(exit)"))
        case .exited:
            guard reached >= a.toResource - 1e-9 else {
                let stderr = stderrTail.isEmpty ? "" : "; last stderr: " + stderrTail.joined(separator: " | ")
                return .failed(reason: "exited normally after epoch \(resourceLabel(reached)) without reaching epoch \(resourceLabel(a.toResource))\(stderr)")
            }
            if order.isFinal { return .completed }
            let fm = FileManager.default
            let target = cache.checkpoint(a.trial, at: a.toResource)
            do {
                try? fm.removeItem(at: target)
                try fm.moveItem(at: cache.workspace(order.ref), to: target)
            } catch {
                return .failed(reason: "cannot keep the checkpoint at \(target.path): \(error)")
            }
            return .paused(resource: a.toResource)
        }
    }
}

/// Whether a stop was asked for and whether the child has exited, shared by the run and its tasks.
final class RunFlags: Sendable {
    struct State {
        var stopping = false
        var exited = false
        /// Why the attempt was stopped for running too long, once it was.
        var timedOut: String?
        /// When the last metric line came (or the attempt started).
        var lastProgress = 0.0
    }
    let lock = Mutex(State())
}

extension JSONEncoder {
    /// An encoder with sorted keys (stable files and messages).
    static var sorted: JSONEncoder {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        return e
    }
}
