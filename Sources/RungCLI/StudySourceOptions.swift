// Where the study clients (status, trials, best, logs, export) read a study from: a study directory
// (`--dir`, the SQLite store read directly) or a running coordinator (`--connect`, live over its
// ROUTER). Both give a `StudyReading`, so the commands and renderers are the same in both modes.
// Leaves out the rendering (StudyText.swift) and live following (LogsCommand, Runtime's LiveLogFollower).
import ArgumentParser
import Foundation
import Runtime
import Store

/// The `--dir` / `--connect` options shared by the study clients (exactly one of them).
struct StudySourceOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Study directory written by the coordinator (holds study.sqlite); offline, safe while it runs.",
                                            valueName: "dir"))
    var dir: String?

    @Option(name: .long, help: ArgumentHelp("A running coordinator's ROUTER endpoint, from any machine (live).",
                                            valueName: "endpoint"))
    var connect: String?

    @Option(help: ArgumentHelp("With --connect: seconds to wait for the coordinator's reply before giving up.",
                               valueName: "seconds"))
    var timeout: Double = 10

    @OptionGroup(title: "CURVE, with --connect (on for a non-loopback coordinator; README: Keys)")
    var keys: ClientKeyOptions

    func validate() throws {
        switch (dir, connect) {
        case (nil, nil): throw ValidationError("say where the study is: --dir runs/NAME (offline) or --connect tcp://HOST:5555 (a running coordinator)")
        case (.some, .some): throw ValidationError("--dir and --connect exclude each other: give one")
        default: break
        }
        guard timeout > 0 else { throw ValidationError("--timeout is \(timeout), but must be > 0") }
        if let connect { _ = try cliEndpoint(connect, flag: "--connect", quiet: true) }
    }

    /// Where the study is read from, for messages: the directory or the endpoint.
    var place: String { connect.map { "the coordinator at \($0)" } ?? dir ?? "?" }

    /// The option to name the same source again in a hint (`--dir D` or `--connect E`).
    var flag: String { connect.map { "--connect \($0)" } ?? "--dir \(dir ?? "?")" }

    /// The live reader when `--connect` was given.
    func liveReader() throws -> LiveStudyReader? {
        guard let connect else { return nil }
        return try LiveStudyReader(endpoint: try cliEndpoint(connect, flag: "--connect"), timeout: timeout,
                                   curve: keys.setup(for: connect, defaultKey: "client.key"), insecure: keys.insecure)
    }

    /// Opens the study read-only (a `StoreError` names the directory if it is not one), or
    /// connects to the coordinator (replies are awaited on each read).
    func reader() throws -> any StudyReading {
        if let live = try liveReader() { return live }
        return try StudyStore.open(StudyDirectory(path: dir ?? ""), role: .reader)
    }

    /// Runs `body` and turns a `StoreError` or `RuntimeError` into a one-line message on standard
    /// error and exit status 1, instead of a stack of details.
    static func reporting<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as StoreError {
            FileHandle.standardError.write(Data("error: \(error.description)\n".utf8))
            throw ExitCode(1)
        } catch let error as RuntimeError {
            FileHandle.standardError.write(Data("error: \(error.description)\n".utf8))
            throw ExitCode(1)
        }
    }
}
