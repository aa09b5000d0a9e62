// `rung export --dir D | --connect E --format csv|jsonl [--out FILE]`: one row per trial per epoch, in the format
// `rung simulate --benchmark replay:FILE` reads back.
import ArgumentParser
import Foundation
import Store

struct ExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Export per-epoch metrics: one row per trial per epoch (CSV or JSON Lines).",
        discussion: """
            Columns: trial, attempt, epoch, seconds (time the epoch took), the metrics (sorted), then \
            param.<name> for each hyperparameter. An epoch run again by a later attempt (a resume from \
            an older checkpoint) appears once, from the latest attempt, unless --all-attempts. The \
            output replays with `rung simulate --benchmark replay:FILE` (name the file .csv or .jsonl). Offline with --dir runs/NAME, or live with --connect \
            tcp://HOST:5555 (same rows).
            """)

    @OptionGroup var source: StudySourceOptions

    @Option(help: "Output format: csv or jsonl.")
    var format: ExportFormat = .csv

    @Option(help: ArgumentHelp("Write to this file instead of standard output.", valueName: "file"))
    var out: String?

    @Flag(help: "Keep every attempt's row when an epoch was run more than once.")
    var allAttempts = false

    func run() async throws {
        try await StudySourceOptions.reporting {
            let rows = try await source.reader().exportRows(allAttempts: allAttempts)
            for (metric, column) in ExportFormat.renamedMetrics(rows) {
                FileHandle.standardError.write(Data("note: the metric '\(metric)' is written as column '\(column)'; '\(metric)' is a fixed column of the export (trial, attempt, epoch, seconds = the epoch's wall time)\n".utf8))
            }
            guard let out else {
                format.write(rows) { print($0, terminator: "") }
                return
            }
            let url = URL(fileURLWithPath: out)
            do {
                try Data(format.render(rows).utf8).write(to: url, options: .atomic)
            } catch {
                throw StoreError(.io, "cannot write \(url.path): \(error.localizedDescription)")
            }
            let trials = Set(rows.map(\.trial)).count
            FileHandle.standardError.write(Data("wrote \(rows.count) rows of \(trials) trials to \(url.path)\n".utf8))
        }
    }
}

extension ExportFormat: ExpressibleByArgument {}
