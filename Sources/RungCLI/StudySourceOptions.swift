// Where the offline CLI clients (status, trials, best, logs, export) read a study from. Today a
// study directory (`--dir`); a live `--connect` mode adds a second `StudyReading` here, and the
// commands and renderers stay as they are. Leaves out the rendering (StudyText.swift).
import ArgumentParser
import Foundation
import Store

/// The `--dir` option shared by the study clients.
struct StudySourceOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Study directory written by the coordinator (holds study.sqlite).",
                                            valueName: "dir"))
    var dir: String

    /// Opens the study read-only; throws a `StoreError` naming the directory if it is not one.
    func reader() throws -> any StudyReading {
        try StudyStore.open(StudyDirectory(path: dir), role: .reader)
    }

    /// Runs `body` and turns a `StoreError` into a one-line message on standard error and exit
    /// status 1, instead of a stack of details.
    static func reporting<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as StoreError {
            FileHandle.standardError.write(Data("error: \(error.description)\n".utf8))
            throw ExitCode(1)
        }
    }
}
