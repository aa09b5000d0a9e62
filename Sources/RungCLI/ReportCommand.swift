// `rung report --dir D | --connect E --out report.html`: one self-contained HTML file with the
// dashboard's figures (inline SVG and CSS, no script, no network), for a pull request or a paper.
import ArgumentParser
import Foundation
import StudyViews

struct ReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Write a study's figures into one self-contained HTML file.",
        discussion: """
            The file holds the optimisation history, intermediate values, rung ladder, parallel \
            coordinates, parameter importances, Pareto front, workers and the best five trials in full \
            (configuration, metrics, per-class report, confusion matrix, log tail); it loads nothing from anywhere.
            """)

    @OptionGroup var source: StudySourceOptions

    @Option(help: ArgumentHelp("The HTML file to write.", valueName: "file"))
    var out = "report.html"

    func run() async throws {
        try await StudySourceOptions.reporting {
            let html = try await StudyPage.report(from: try source.reader())
            let url = URL(fileURLWithPath: out)
            do {
                try Data(html.utf8).write(to: url, options: .atomic)
            } catch {
                FileHandle.standardError.write(Data("error: cannot write the report to \(url.path): \(error.localizedDescription)\n".utf8))
                throw ExitCode(1)
            }
            print("wrote \(url.path) (\(html.utf8.count / 1024) KiB)")
        }
    }
}
