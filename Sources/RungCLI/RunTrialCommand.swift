// `rung run-trial` (hidden): one attempt of a built-in task, run by a worker in a child process.
// Prints one JSON metric line per epoch on stdout; errors go to stderr with exit status 1.
import ArgumentParser
import Foundation
import Runtime

struct RunTrialCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run-trial",
        abstract: "Run one attempt of a built-in trial (used by `rung worker`).",
        shouldDisplay: false)

    @Option(help: "The attempt's spec (JSON, written by the worker).")
    var spec: String

    func run() throws {
        do {
            let data = try Data(contentsOf: URL(fileURLWithPath: spec))
            let s = try JSONDecoder().decode(BuiltinTrialSpec.self, from: data)
            try BuiltinTrial.run(s) { line in
                print(line)
                fflush(nil)
            }
        } catch {
            FileHandle.standardError.write(Data("rung run-trial: \(error)\n".utf8))
            throw ExitCode(1)
        }
    }
}
