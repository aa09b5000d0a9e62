// `rung logs --dir D [--trial ID | --all] [--follow] [--tail N]`: a trial's log lines across all its
// attempts and workers, or every trial interleaved with the scheduler's decisions. Offline
// --follow polls the database twice a second.
import ArgumentParser
import Foundation
import Search
import Store

struct LogsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "logs",
        abstract: "Print a trial's log lines (across retries and machines), or all trials with the scheduler's decisions.",
        discussion: """
            Each line: time, attempt, worker, stream, text. --trial also shows that trial's decisions \
            (started, paused, promoted, lost, …) unless --lines-only. --follow keeps printing new \
            entries until interrupted, or until the trial (or, with --all, the study) has finished.
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

    func validate() throws {
        guard (trial != nil) != all else { throw ValidationError("pass either --trial ID or --all") }
        if let tail, tail < 1 { throw ValidationError("--tail is \(tail), but must be ≥ 1") }
    }

    func run() async throws {
        try await StudySourceOptions.reporting {
            let reader = try source.reader()
            let id = trial.map { TrialID($0) }
            if let id, try await reader.trial(id) == nil {
                throw StoreError(.unknownEntity, "trial \(id.rawValue) is not in \(source.dir); `rung trials --dir \(source.dir)` lists them")
            }
            var query = LogQuery(trial: id, tail: tail, includeDecisions: !linesOnly)
            var page = try await reader.logs(query)
            query.tail = nil
            while true {
                // One write per page: fast for long histories, and a pipe sees new lines at once.
                let text = page.entries.map { StudyText.entry($0, showTrial: id == nil) + "\n" }.joined()
                if !text.isEmpty { FileHandle.standardOutput.write(Data(text.utf8)) }
                query.after = page.cursor
                if !page.entries.isEmpty { page = try await reader.logs(query); continue }
                guard follow, try await !finished(reader, id) else { return }
                try await Task.sleep(for: .milliseconds(500))
                page = try await reader.logs(query)
            }
        }
    }

    /// True when nothing more will be written: the trial is in a final state, or the study ended.
    private func finished(_ reader: any StudyReading, _ id: TrialID?) async throws -> Bool {
        if try await reader.studyInfo().state != .running { return true }
        guard let id else { return false }
        return try await reader.trial(id)?.state.isFinal ?? false
    }
}
