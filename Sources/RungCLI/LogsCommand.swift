// `rung logs --dir D | --connect E [--trial ID | --all] [--follow] [--tail N]`: a trial's log lines
// across all its attempts and workers, or every trial interleaved with the scheduler's decisions.
// Offline --follow polls the database twice a second; live --follow subscribes to the coordinator's
// PUB first, then prints the history, then each entry as it is committed (LiveLogFollower).
import ArgumentParser
import Foundation
import Runtime
import Search
import Store
import Synchronization

struct LogsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "logs",
        abstract: "Print a trial's log lines (across retries and machines), or all trials with the scheduler's decisions.",
        discussion: """
            Each line: time, attempt, worker, stream, text. --trial also shows that trial's decisions \
            (started, paused, promoted, lost, …) unless --lines-only. --follow prints the history, then \
            keeps printing new entries as they arrive, until interrupted (Ctrl-C), or until the trial \
            (or, with --all, the study) has finished, which a last line says. Offline with --dir \
            runs/NAME, or live with --connect tcp://HOST:5555 from any machine (then --follow listens \
            on the coordinator's publish endpoint: its PUB port on the same host, or --publish).
            """)

    @OptionGroup var source: StudySourceOptions

    @Option(help: ArgumentHelp("Trial whose log to print.", valueName: "id"))
    var trial: Int?

    @Flag(help: "All trials interleaved with the scheduler's decisions.")
    var all = false

    @Flag(help: "Keep printing new entries as they arrive.")
    var follow = false

    @Option(help: ArgumentHelp("Start with only the last N entries.", valueName: "n"))
    var tail: Int?

    @Flag(help: "Log lines only, without decisions.")
    var linesOnly = false

    @Flag(help: "Also show the metric lines the trial printed (epoch, objective and other metrics).")
    var metrics = false

    @Option(help: ArgumentHelp("With --connect --follow: the coordinator's PUB endpoint, if not its PUB port on the --connect host.",
                               valueName: "endpoint"))
    var publish: String?

    func validate() throws {
        guard (trial != nil) != all else { throw ValidationError("pass either --trial ID or --all") }
        if let tail, tail < 1 { throw ValidationError("--tail is \(tail), but must be ≥ 1") }
        if publish != nil, source.connect == nil || !follow { throw ValidationError("--publish goes with --connect and --follow") }
        if let publish { _ = try cliEndpoint(publish, flag: "--publish", quiet: true) }
    }

    func run() async throws {
        // Ctrl-C (or SIGTERM) ends --follow cleanly: after the entry being printed, exit status 0.
        let stop = Mutex(false)
        let signals: TerminationWatch? = follow ? onTerminationSignals { _ in stop.withLock { $0 = true } } : nil
        defer { signals?.cancel() }
        try await StudySourceOptions.reporting {
            let live = try source.liveReader()
            let reader: any StudyReading = try live ?? source.reader()
            let id = trial.map { TrialID($0) }
            if let id, try await reader.trial(id) == nil {
                // A trial the study has not sampled yet: following waits for it while the study runs.
                guard follow, try await reader.studyInfo().state == .running else {
                    throw StoreError(.unknownEntity, "trial \(id.rawValue) is not in \(source.place); `rung trials \(source.flag)` lists them")
                }
                FileHandle.standardError.write(Data("trial \(id.rawValue) has not started yet; waiting for it (Ctrl-C to stop)\n".utf8))
            }
            // Live: subscribe before reading the history, so nothing committed meanwhile is missed.
            var follower: LiveLogFollower?
            if follow, let live {
                follower = try LiveLogFollower(reader: live, study: try await live.studyInfo().name, trial: id, publish: try publish.map { try cliEndpoint($0, flag: "--publish") })
            }
            var query = LogQuery(trial: id, tail: tail, includeDecisions: !linesOnly)
            var page = try await reader.logs(query)
            query.tail = nil
            while true {
                write(page.entries, showTrial: id == nil)
                query.after = page.cursor
                if !page.entries.isEmpty { page = try await reader.logs(query); continue }
                if let follower {
                    let ending = try await follower.follow(query, emit: { write($0, showTrial: id == nil) },
                                                           interrupted: { stop.withLock { $0 } })
                    switch ending {
                    case .trialEnded(let t, let state):
                        FileHandle.standardOutput.write(Data("-- trial \(t.rawValue) is \(state.rawValue): nothing more will be written\n".utf8))
                    case .studyEnded(let name, let state):
                        FileHandle.standardOutput.write(Data("-- study \(name) is \(state.rawValue): nothing more will be written\n".utf8))
                    case .interrupted: break
                    }
                    return
                }
                guard follow, !stop.withLock({ $0 }), try await !finished(reader, id) else { return }
                try await Task.sleep(for: .milliseconds(500))
                page = try await reader.logs(query)
            }
        }
    }

    /// Entries as text, one write per page: fast for long histories, and a pipe sees new lines at once.
    private func write(_ entries: [JournalEntry], showTrial: Bool) {
        let text = entries.filter { metrics || $0.stream != .metrics }.map { StudyText.entry($0, showTrial: showTrial) + "\n" }.joined()
        if !text.isEmpty { FileHandle.standardOutput.write(Data(text.utf8)) }
    }

    /// True when nothing more will be written: the trial is in a final state, or the study ended.
    private func finished(_ reader: any StudyReading, _ id: TrialID?) async throws -> Bool {
        if try await reader.studyInfo().state != .running { return true }
        guard let id else { return false }
        return try await reader.trial(id)?.state.isFinal ?? false
    }
}
