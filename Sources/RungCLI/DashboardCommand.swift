// `rung dashboard --dir D | --connect E [--listen HOST:PORT]`: the live web dashboard of a study
// (Dashboard module: Hummingbird, Server-Sent Events, Prometheus `/metrics`).
import ArgumentParser
import Dashboard
import Foundation
import Runtime
import Store

struct DashboardCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dashboard",
        abstract: "Serve a live web dashboard of a study (history, curves, rung ladder, importances, workers, /metrics).",
        discussion: """
            Open the printed address in a browser. The page updates itself (Server-Sent Events at /events) \
            while the study changes; /trial/ID shows one trial, /report the self-contained report, and \
            /metrics Prometheus metrics. --dir reads the study directory (safe while the coordinator runs); \
            --connect asks a running coordinator. `rung coordinator --http` serves the same page itself.
            """)

    @OptionGroup var source: StudySourceOptions

    @Option(help: ArgumentHelp("Address to serve on (HOST:PORT; port 0 picks a free one).", valueName: "host:port"))
    var listen = "127.0.0.1:8080"

    @Option(help: ArgumentHelp("Seconds between reads of the study.", valueName: "seconds"))
    var interval = 1.0

    func validate() throws {
        guard DashboardServer.parseListen(listen) != nil else {
            throw ValidationError("--listen is '\(listen)', but must be HOST:PORT such as 127.0.0.1:8080")
        }
        guard interval > 0 else { throw ValidationError("--interval is \(interval), but must be > 0") }
    }

    func run() async throws {
        let (host, port) = DashboardServer.parseListen(listen)!
        try await StudySourceOptions.reporting {
            let server = DashboardServer(reader: try source.reader(), host: host, port: port, interval: interval)
            try await serveUntilSignal(server, label: "rung dashboard: \(source.place)")
        }
    }
}

/// Runs `server` until SIGINT or SIGTERM, printing its address once it listens.
func serveUntilSignal(_ server: DashboardServer, label: String) async throws {
    let task = Task {
        try await server.run { address in
            print("\(label) at \(address)")
            fflush(nil)
        }
    }
    let signals = onTerminationSignals { _ in task.cancel() }
    defer { signals.cancel() }
    do {
        try await task.value
    } catch is CancellationError {
    } catch let error as StoreError {
        throw error  // the study could not be read: reported as by every study client
    } catch let error as RuntimeError {
        throw error
    } catch {
        FileHandle.standardError.write(Data("error: cannot serve the dashboard on \(server.host):\(server.port): \(error); choose another --listen\n".utf8))
        throw ExitCode(1)
    }
}
