// Operator control of a running study over its ROUTER: `rung pause`, `resume`, `stop-trial ID`,
// `enqueue --config k=v …` and `stop-study [--drain]`, each one request and one reply (PROTOCOL.md
// §4.5). With CURVE roles on, only an operator's key may send them. Leaves out the coordinator's
// side (Runtime's CoordinatorProcess+Control).
import ArgumentParser
import Foundation
import Runtime
import Search
import Wire

/// `--connect` and `--timeout`, shared by the control commands.
struct ControlOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The running coordinator's ROUTER endpoint.", valueName: "endpoint"))
    var connect: String

    @Option(help: ArgumentHelp("Seconds to wait for the coordinator's reply.", valueName: "seconds"))
    var timeout: Double = 10

    @OptionGroup(title: "CURVE (on for a non-loopback coordinator; the key must be in its allow/operators/; README: Keys)")
    var keys: ClientKeyOptions

    /// The CURVE setup for --connect (default key: client.key).
    func curve() throws -> CurveClientSetup? { try keys.setup(for: connect, defaultKey: "client.key") }

    func validate() throws {
        guard timeout > 0 else { throw ValidationError("--timeout is \(timeout), but must be > 0") }
        _ = try cliEndpoint(connect, flag: "--connect", quiet: true)
    }

    /// Sends one request and returns the reply (errors as one line on stderr, exit status 1).
    func send(_ request: Message) async throws -> Message {
        try await StudySourceOptions.reporting {
            let client = try ControlClient(endpoint: try cliEndpoint(connect, flag: "--connect"), timeout: timeout,
                                           curve: curve(), insecure: keys.insecure)
            return try client.send(request)
        }
    }

    /// Prints a CONTROL_REPLY's message.
    func print(_ reply: Message) {
        if case .controlReply(let r) = reply { Swift.print(r.message) } else { Swift.print("the coordinator answered \(reply.type.rawValue)") }
    }
}

/// An endpoint typed on the command line, completed (`localhost:5555` → `tcp://localhost:5555`,
/// saying so on standard error) or refused with a hint.
func cliEndpoint(_ text: String, flag: String, quiet: Bool = false) throws -> String {
    do {
        let (endpoint, note) = try EndpointText.normalize(text, flag: flag)
        if let note, !quiet { FileHandle.standardError.write(Data("note: \(note)\n".utf8)) }
        return endpoint
    } catch {
        throw ValidationError(error.message)
    }
}

struct PauseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pause",
        abstract: "Pause a running study: assign no new work; running attempts go on to their next rung and pause or complete there.",
        discussion: "`rung resume` goes on. The coordinator remembers a pause across a restart.")
    @OptionGroup var control: ControlOptions
    @Option(help: "Why, for the study's log.") var reason: String?
    func run() async throws { control.print(try await control.send(.pause(PauseRequest(reason: reason)))) }
}

struct ResumeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "resume", abstract: "Resume a paused study: assignments go on.")
    @OptionGroup var control: ControlOptions
    func run() async throws { control.print(try await control.send(.resume(ResumeRequest()))) }
}

struct StopTrialCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stop-trial",
        abstract: "Stop one trial of a running study (running, queued or paused); it never runs again.")
    @Argument(help: "The trial's id (as `rung trials` lists it).") var trial: Int
    @OptionGroup var control: ControlOptions
    func validate() throws { guard trial >= 0 else { throw ValidationError("the trial id is \(trial); ids are 0, 1, 2, …") } }
    func run() async throws { control.print(try await control.send(.stopTrial(StopTrialRequest(trial: TrialID(trial))))) }
}

struct EnqueueCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "enqueue",
        abstract: "Evaluate a given configuration next in a running study (like Optuna's enqueue_trial).",
        discussion: """
            Every parameter of the search space that applies must be given (fixed ones may be left \
            out); values are checked against the study's search space: \
            `rung enqueue --connect tcp://HOST:5555 --config lr=0.001 layers=2 optimizer=adam`. \
            The enqueued configuration counts toward the study's trial budget.
            """)
    @OptionGroup var control: ControlOptions
    @Option(parsing: .upToNextOption, help: ArgumentHelp("The configuration as name=value pairs.", valueName: "name=value"))
    var config: [String] = []

    func validate() throws {
        guard !config.isEmpty else { throw ValidationError("give the configuration: --config name=value [name=value …]") }
    }

    func run() async throws {
        let endpoint = try cliEndpoint(control.connect, flag: "--connect")
        let parsed: Configuration = try await StudySourceOptions.reporting {
            let info = try await LiveStudyReader(endpoint: endpoint, timeout: control.timeout, curve: control.curve(), insecure: control.keys.insecure).studyInfo()
            let study = try Study.parse(yaml: info.yaml, source: "the study '\(info.name)'")
            do {
                return try study.space.configuration(from: config)
            } catch let error as SearchError {
                FileHandle.standardError.write(Data("error: --config: \(error.message)\n".utf8))
                throw ExitCode(1)
            }
        }
        control.print(try await control.send(.enqueue(EnqueueRequest(config: parsed))))
    }
}

struct StopStudyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stop-study",
        abstract: "End a running study: stop every trial now, or with --drain let the running attempts finish first.",
        discussion: "With --drain nothing new starts; the study ends once the running attempts have paused or completed.")
    @OptionGroup var control: ControlOptions
    @Flag(help: "Finish the running attempts, start nothing new, then end.") var drain = false
    @Option(help: "Why, for the study's log.") var reason = "asked by `rung stop-study`"
    func run() async throws {
        let reply = try await control.send(.stopStudy(StopStudyRequest(reason: reason, drain: drain)))
        guard case .stopStudyReply(let r) = reply else { control.print(reply); return }
        if !r.stopping { print("the study had already finished") }
        else { print(drain ? "draining: nothing new starts; the study ends when its running attempts have finished" : "stopping: every trial is stopped and the study ends") }
    }
}
