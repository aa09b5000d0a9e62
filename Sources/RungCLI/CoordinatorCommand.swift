// `rung coordinator`: runs a study — binds the ROUTER and PUB sockets, drives the search engine,
// records everything in the study directory, and carries on a study when restarted with its --dir.
import ArgumentParser
import Foundation
import Runtime
import Store

struct CoordinatorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "coordinator",
        abstract: "Run a study: hand trials to workers over ZeroMQ and record everything in the study directory.",
        discussion: """
            Workers connect with `rung worker --connect tcp://HOST:5555`. Restarted with the same --dir, the \
            coordinator carries on where the study was (the running trials of workers that do not come back \
            are queued again). It exits when the study is complete, after printing the leaderboard.
            """)

    @Option(help: "The study file (YAML). Optional when --dir already holds a study.")
    var study: String?

    @Option(help: "ROUTER endpoint for workers and clients.")
    var bind = "tcp://*:5555"

    @Option(help: "PUB endpoint for live events and log lines.")
    var publish = "tcp://*:5556"

    @Option(help: "Study directory (default: runs/<study name>).")
    var dir: String?

    @Option(help: "Seconds between worker heartbeats.")
    var heartbeat = 1.0

    @Option(help: "Seconds of worker silence after which its trials are queued again.")
    var leaseTimeout = 30.0

    @Flag(help: "Keep serving after the study is complete (for clients).")
    var keepRunning = false

    @Flag(help: "Sync the journal to disk on every batch (survives a machine crash; slower).")
    var fsync = false

    @Flag(help: "Print only the summary, not every scheduler decision.")
    var quiet = false

    @Option(help: "The most trial slots one worker may offer (a HELLO with more is refused).")
    var maxSlots = 64

    @OptionGroup(title: "CURVE (on for any non-loopback endpoint; PROTOCOL.md §9, README: Keys)")
    var keys: ServerKeyOptions

    func validate() throws {
        guard maxSlots >= 1 else { throw ValidationError("--max-slots is \(maxSlots); it must be at least 1") }
    }

    func run() async throws {
        var options = CoordinatorOptions(studyFile: study.map { URL(fileURLWithPath: $0) },
                                          directory: dir.map { URL(fileURLWithPath: $0, isDirectory: true) })
        options.bind = bind
        options.publish = publish
        options.heartbeatInterval = heartbeat
        options.leaseTimeout = leaseTimeout
        options.exitWhenComplete = !keepRunning
        options.fsync = fsync
        options.maxSlots = maxSlots
        options.curve = try keys.setup(for: [bind, publish])
        options.insecure = keys.insecure
        HangupSignal.install()
        let coordinator = try CoordinatorProcess(options: options)
        if !quiet { coordinator.onEvent = { print($0); fflush(nil) } }
        let resumed = coordinator.restoredRecords > 0 ? " (carrying on: \(coordinator.restoredRecords) journal records)" : ""
        print("rung coordinator: study '\(coordinator.study.name)' in \(coordinator.directory.root.path)\(resumed)")
        print("  workers: rung worker --connect \(bind.replacingOccurrences(of: "*", with: "HOST"))   events: \(publish)")
        if let curve = options.curve {
            print("  CURVE on: public key \(curve.keyPair.publicKey), allow-list \(curve.allowList.path)")
        }
        fflush(nil)
        let signals = onTerminationSignals { _ in coordinator.requestStop() }
        try await runOnThread { try coordinator.run() }
        _ = signals
        try printLeaderboard(coordinator.directory)
    }
}

/// Prints the best trials of a study directory.
func printLeaderboard(_ directory: StudyDirectory, limit: Int = 5) throws {
    let store = try StudyStore.open(directory, role: .reader)
    let s = try store.summary()
    print("\nstudy '\(s.info.name)': \(s.trialCount) trials, \(s.rungResultCount) rung results, \(s.reportCount) epoch reports, \(s.lineCount) log lines")
    print("best by \(s.info.objective) (\(s.info.direction.rawValue)):")
    for (i, e) in try store.leaderboard(limit: limit).enumerated() {
        let config = e.config.keys.sorted().map { "\($0)=\(e.config[$0]!)" }.joined(separator: " ")
        print(String(format: "  %d. trial %-4d %@ %.4f at %@  %@", i + 1, e.trial.rawValue, s.info.objective, e.value,
                     resourceLabel(e.resource), config))
    }
    print("study directory: \(directory.root.path)  (logs: \(directory.logs.path))")
}
