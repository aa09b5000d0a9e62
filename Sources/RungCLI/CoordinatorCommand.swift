// `rung coordinator`: runs a study — binds the ROUTER and PUB sockets, drives the search engine,
// records everything in the study directory, and carries on a study when restarted with its --dir.
import ArgumentParser
import Dashboard
import Foundation
import Runtime
import Search
import Store

struct CoordinatorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "coordinator",
        abstract: "Run a study: hand trials to workers over ZeroMQ and record everything in the study directory.",
        discussion: """
            Workers connect with `rung worker --connect tcp://HOST:5555`. Restarted with the same --dir, the \
            coordinator carries on where the study was (the running trials of workers that do not come back \
            are queued again). It exits when the study is complete, after printing the leaderboard. \
            Only one coordinator runs a study directory at a time (a lock in --dir/coordinator.lock).

            Exit status:
              0  the study finished (at least one trial did not fail)
              2  could not start (bad study file or options, the directory is run by another \
            coordinator, the study directory is damaged)
              3  the study finished but every trial failed
              4  interrupted (SIGINT/SIGTERM) before the study finished; restart with the same --dir to carry on
              1  any other error while running
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

    @Flag(help: "Sync the store to disk on every batch (survives a machine crash; slower).")
    var fsync = false

    @Flag(help: "Print only the summary, not every scheduler decision.")
    var quiet = false

    @Option(help: "The most trial slots one worker may offer (a HELLO with more is refused).")
    var maxSlots = 64

    @OptionGroup(title: "CURVE (on for any non-loopback endpoint; PROTOCOL.md §9, README: Keys)")
    var keys: ServerKeyOptions

    @Option(name: .customLong("warm-start"), help: ArgumentHelp("A finished study's directory whose results seed the sampler (TPE models them with its own); used when the study begins.", valueName: "dir"))
    var warmStart: String?

    @Option(help: ArgumentHelp("Also serve the web dashboard and /metrics at HOST:PORT (as `rung dashboard`).",
                               valueName: "host:port"))
    var http: String?

    func validate() throws {
        guard maxSlots >= 1 else { throw ValidationError("--max-slots is \(maxSlots); it must be at least 1") }
        _ = try cliEndpoint(bind, flag: "--bind", quiet: true)
        _ = try cliEndpoint(publish, flag: "--publish", quiet: true)
        if let http, DashboardServer.parseListen(http) == nil {
            throw ValidationError("--http is '\(http)', but must be HOST:PORT such as 127.0.0.1:8080")
        }
    }

    func run() async throws {
        var options = CoordinatorOptions(studyFile: study.map { URL(fileURLWithPath: $0) },
                                          directory: dir.map { URL(fileURLWithPath: $0, isDirectory: true) })
        options.bind = try cliEndpoint(bind, flag: "--bind")
        options.publish = try cliEndpoint(publish, flag: "--publish")
        options.warmStart = warmStart.map { URL(fileURLWithPath: $0, isDirectory: true) }
        options.heartbeatInterval = heartbeat
        options.leaseTimeout = leaseTimeout
        options.exitWhenComplete = !keepRunning
        options.fsync = fsync
        options.maxSlots = maxSlots
        HangupSignal.install()
        let coordinator: CoordinatorProcess
        do {
            coordinator = try CoordinatorProcess(options: options)
        } catch {
            FileHandle.standardError.write(Data("rung coordinator: cannot start: \(error)\n".utf8))
            throw ExitCode(CoordinatorExit.couldNotStart)
        }
        // After the study is checked, so a study error is reported before a missing key.
        coordinator.useTransport(curve: try keys.setup(for: [bind, publish]), insecure: keys.insecure)
        if !quiet {
            // Called on the coordinator's own thread, between batches: reading its progress is safe.
            coordinator.onEvent = { line in print("[\(coordinator.progressText())] \(line)"); fflush(nil) }
        }
        if let summary = coordinator.warmStartSummary { print(summary) }
        let resumed = coordinator.restoredRecords > 0 ? " (carrying on: \(coordinator.restoredRecords) log records)" : ""
        print("rung coordinator: study '\(coordinator.study.name)' in \(coordinator.directory.root.path)\(resumed)")
        print("  workers: rung worker --connect \(options.bind.replacingOccurrences(of: "*", with: "HOST"))   events: \(options.publish)")
        if let curve = coordinator.curve {
            print("  CURVE on: public key \(curve.keyPair.publicKey), allow-list \(curve.allowList.path)")
        }
        fflush(nil)
        let dashboard = try http.map { try startDashboard($0, directory: coordinator.directory) }
        let signals = onTerminationSignals { _ in coordinator.requestStop() }
        try await runOnThread { try coordinator.run() }
        _ = signals
        dashboard?.cancel()
        _ = await dashboard?.result
        try printLeaderboard(coordinator.directory)
        guard coordinator.isComplete else {
            print("interrupted before the study finished; carry it on with: rung coordinator --dir \(coordinator.directory.root.path)")
            throw ExitCode(CoordinatorExit.interrupted)
        }
        let summary = try StudyStore.open(coordinator.directory, role: .reader).summary()
        let failed = summary.counts.filter { $0.state == .failed }.reduce(0) { $0 + $1.count }
        if summary.trialCount > 0, failed == summary.trialCount {
            print("every trial failed (\(failed) of \(summary.trialCount)); see `rung trials --dir \(coordinator.directory.root.path) --state failed` and the logs")
            throw ExitCode(CoordinatorExit.allTrialsFailed)
        }
    }
}

/// The exit statuses of `rung coordinator` (also in its --help and the README).
enum CoordinatorExit {
    static let couldNotStart: Int32 = 2
    static let allTrialsFailed: Int32 = 3
    static let interrupted: Int32 = 4
}

/// Serves the dashboard of the coordinator's own study directory until the returned task is
/// cancelled; a dashboard that cannot listen says so on standard error and the study goes on.
func startDashboard(_ listen: String, directory: StudyDirectory) throws -> Task<Void, Never> {
    let (host, port) = DashboardServer.parseListen(listen)!
    let server = DashboardServer(reader: try StudyStore.open(directory, role: .reader), host: host, port: port)
    return Task {
        do {
            try await server.run { address in print("  dashboard: \(address)   metrics: \(address)metrics"); fflush(nil) }
        } catch is CancellationError {
        } catch {
            FileHandle.standardError.write(Data("error: the dashboard at \(listen) stopped: \(error); the study goes on without it\n".utf8))
        }
    }
}

/// Prints the best trials of a study directory.
func printLeaderboard(_ directory: StudyDirectory, limit: Int = 5) throws {
    let store = try StudyStore.open(directory, role: .reader)
    let s = try store.summary()
    print("\nstudy '\(s.info.name)': \(s.trialCount) trials, \(s.rungResultCount) rung results, \(s.reportCount) epoch reports, \(s.lineCount) log lines")
    print("best by \(s.info.objective) (\(s.info.direction.rawValue)):")
    for (i, e) in try store.leaderboard(limit: limit).enumerated() {
        let trial = "trial \(e.trial.rawValue)".padding(toLength: 10, withPad: " ", startingAt: 0)
        print("  \(i + 1). \(trial) \(s.info.objective) \(Readable.metric(e.value)) at \(resourceLabel(e.resource))  \(StudyText.config(e.config))")
    }
    print("study directory: \(directory.root.path)  (logs: \(directory.logs.path))")
}
