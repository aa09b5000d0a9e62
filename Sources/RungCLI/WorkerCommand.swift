// `rung worker`: connects to a coordinator and runs the trials it hands out, each in a child process.
import ArgumentParser
import Foundation
import Runtime

struct WorkerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "worker",
        abstract: "Run trials for a coordinator, each in a child process.",
        discussion: """
            The worker streams each trial's metrics and log lines, keeps checkpoints in --cache and uploads \
            them to the coordinator at every pause. It reconnects when the coordinator restarts. On SIGTERM \
            or Ctrl-C it stops its trials and leaves; the coordinator queues them again.
            """)

    @Option(help: "The coordinator's ROUTER endpoint.")
    var connect = "tcp://127.0.0.1:5555"

    @Option(help: "Trials to run at once.")
    var slots = 1

    @Option(help: "Worker name, unique per study (default: host-pid).")
    var name: String?

    @Option(help: "Checkpoint cache directory (default: a folder in the temporary directory).")
    var cache: String?

    @Option(help: "Seconds between SIGTERM and SIGKILL when a trial is stopped.")
    var stopGrace = 5.0

    @OptionGroup(title: "CURVE (on for a non-loopback coordinator; README: Keys)")
    var keys: ClientKeyOptions

    @Option(help: "Free megabytes the cache needs before each attempt; below it (or with a cache that takes no writes) attempts are reported as a machine fault and the coordinator quarantines this worker.")
    var minFreeMb = 64

    @Option(help: ArgumentHelp("Seconds between 'waiting for …' lines while the coordinator does not answer.", valueName: "seconds"))
    var noticeEvery = 10.0

    func validate() throws {
        guard slots >= 1 else { throw ValidationError("--slots is \(slots); it must be at least 1") }
        guard minFreeMb >= 0 else { throw ValidationError("--min-free-mb is \(minFreeMb); it must be 0 or more") }
        guard noticeEvery > 0 else { throw ValidationError("--notice-every is \(noticeEvery); it must be > 0") }
        _ = try cliEndpoint(connect, flag: "--connect", quiet: true)
    }

    func run() async throws {
        let name = self.name ?? "\(ProcessInfo.processInfo.hostName)-\(getpid())"
        let cacheURL = cache.map { URL(fileURLWithPath: $0, isDirectory: true) }
            ?? FileManager.default.temporaryDirectory.appendingPathComponent("rung-worker-\(name)", isDirectory: true)
        let connect = try cliEndpoint(self.connect, flag: "--connect")
        var options = WorkerOptions(connect: connect, slots: slots, name: name, cache: cacheURL,
                                    rungExecutable: currentExecutablePath())
        options.stopGrace = stopGrace
        options.curve = try keys.setup(for: connect, defaultKey: "worker.key")
        options.insecure = keys.insecure
        options.minFreeBytes = Int64(minFreeMb) << 20
        options.noticeInterval = noticeEvery
        let worker = WorkerProcess(options: options)
        FileHandle.standardError.write(Data("rung worker \(name): \(slots) slot(s), coordinator \(connect), cache \(cacheURL.path)\n".utf8))
        let signals = onTerminationSignals { _ in worker.requestStop() }
        try await StudySourceOptions.reporting { try await runOnThread { try worker.run() } }
        _ = signals
    }
}
