// `rung worker-release NAME --connect tcp://HOST:5555`: lifts the quarantine a coordinator put on a
// worker whose machine failed attempts (unwritable or full cache, a child that could not start).
// The worker gets work again at once. Leaves out the quarantine itself (CoordinatorCore).
import ArgumentParser
import Foundation
import Runtime

struct WorkerReleaseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "worker-release",
        abstract: "Give a quarantined worker work again (after fixing its machine).",
        discussion: """
            A coordinator quarantines a worker that reports a machine fault (its cache is not writable \
            or has too little free space, or a trial's process could not be started), or on which \
            two trials failed that then succeeded on other workers (a missing library, a broken \
            GPU): it stays \
            connected but gets no new trials, and `rung status` shows why. Restarting the worker also \
            lifts it.
            """)

    @Argument(help: "The worker's name (as `rung status` lists it).")
    var name: String

    @Option(help: ArgumentHelp("The running coordinator's ROUTER endpoint.", valueName: "endpoint"))
    var connect = "tcp://127.0.0.1:5555"

    @Option(help: ArgumentHelp("Seconds to wait for the coordinator's reply.", valueName: "seconds"))
    var timeout: Double = 10

    func run() throws {
        let reader = try LiveStudyReader(endpoint: connect, timeout: timeout)
        let reply = try reader.releaseWorker(name)
        let left = reply.quarantined.isEmpty ? "no worker is quarantined now" : "still quarantined: " + reply.quarantined.joined(separator: ", ")
        if reply.released {
            print("worker \(name) released: it gets work again (\(left))")
        } else {
            print("worker \(name) was not quarantined (\(left))")
            throw ExitCode(1)
        }
    }
}
