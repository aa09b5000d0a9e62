// The attacks of issue 11 that are about who may say what, tried over real ZeroMQ sockets against
// a real coordinator and worker: a name hijack with a fake result, quick re-HELLOs, slot hoarding,
// log lines, per-class reports and checkpoints for an attempt the sender does not run. Each is
// refused with an ERROR, and the study ends with the results of an untouched control run.
import Foundation
import RungBasics
import RungTestKit
import Search
import Store
import Testing
import Wire
@testable import Runtime

/// A deterministic command study: `trials` random-search trials of 0 → 3 epochs (no scheduler, so a
/// trial's value depends only on its configuration), each epoch taking `sleep` seconds.
struct DeterministicStudy {
    let folder: StudyFolder
    let studyFile: URL
    var root: URL { folder.root }

    init(trials: Int, sleep: Double, name: String = #function) throws {
        folder = try StudyFolder("rung-attack", test: name, letters: 24)
        let script = try folder.write("""
        #!/bin/sh
        e=$RUNG_FROM_EPOCH
        while [ "$e" -lt "$RUNG_TO_EPOCH" ]; do
          e=$((e+1))
          sleep \(sleep)
          echo "{\\"epoch\\": $e, \\"acc\\": $(awk -v lr="$1" -v e="$e" 'BEGIN { print -lr * lr + e / 10 }')}"
        done
        echo "epoch $e" > "$RUNG_CHECKPOINT_DIR/state"
        """, to: "train.sh")
        studyFile = try folder.writeStudy(
            name: "attack-test", seed: 5, trials: trials,
            budget: "{resource: epochs, min_resource: 1, max_resource: 3, reduction_factor: 3}", scheduler: "none",
            space: ["lr: {type: uniform, low: -1, high: 1}"], command: ["/bin/sh", script.path, "{lr}"])
    }

    func directory(_ run: String) -> URL { root.appendingPathComponent(run, isDirectory: true) }
    func remove() { folder.remove() }
}

/// A coordinator on loopback in this process, and a real worker (its own socket thread) for it.
struct InProcessStudy {
    let coordinator: CoordinatorProcess
    let endpoints: LoopbackEndpoints
    let serving: Task<Void, any Error>

    init(_ study: DeterministicStudy, run: String, configure: (inout CoordinatorOptions) -> Void = { _ in }) throws {
        endpoints = try LoopbackEndpoints()
        var options = endpoints.coordinatorOptions(study: study.studyFile, directory: study.directory(run))
        options.lingerAfterComplete = 0.2
        configure(&options)
        let c = try CoordinatorProcess(options: options)
        c.log = { _ in }
        coordinator = c
        serving = Task { try await runOnThread { try c.run() } }
    }

    /// Starts a real worker named `name` (returns its serving task).
    func worker(_ name: String, study: DeterministicStudy, curve: CurveClientSetup? = nil, connect: String? = nil) -> Task<Void, any Error> {
        var options = WorkerOptions(connect: connect ?? endpoints.routerURL, slots: 1, name: name,
                                    cache: study.root.appendingPathComponent("cache-\(name)-\(UUID().uuidString.prefix(4))"),
                                    rungExecutable: "/bin/false")
        options.curve = curve
        options.stopGrace = 1
        let w = WorkerProcess(options: options)
        w.log = { _ in }
        return Task { try await runOnThread { try w.run() } }
    }

    /// Waits (up to `seconds`) for `run()` to return after the study completed: true if it did;
    /// false if it was still running at the deadline (then stopped).
    func finish(within seconds: Double) async throws -> Bool {
        let coordinator = self.coordinator
        let deadline = Task {
            try await Task.sleep(for: .seconds(seconds))
            coordinator.requestStop()
        }
        defer { deadline.cancel() }
        try await serving.value
        return coordinator.isComplete
    }

    /// Trial id → (config, state, value), for comparing runs.
    func results() throws -> [Int: String] {
        let store = try StudyStore.open(coordinator.directory, role: .reader)
        var out: [Int: String] = [:]
        for t in try store.trials() {
            out[t.id.rawValue] = "\(t.config.keys.sorted().map { "\($0)=\(t.config[$0]!)" }) \(t.state) \(t.value.map { String($0) } ?? "-")"
        }
        return out
    }
}

/// A peer over a DEALER socket that sends messages and waits for the ERROR (or a given reply) to each.
final class Peer {
    let context: ZMQContext
    let socket: ZMQSocket

    init(_ endpoint: String, options: [ZMQOption] = [], routingID: String? = nil) throws {
        context = try ZMQContext()
        // A failed handshake drops the connection for good: sends give up after a second then.
        socket = try ZMQSocket(context, .dealer, options: [.linger(milliseconds: 0), .sendTimeout(milliseconds: 1000)]
                               + (routingID.map { [.routingID(Data($0.utf8))] } ?? []) + options)
        try socket.connect(endpoint)
    }

    deinit { socket.close() }

    /// Sends `message` and returns the first reply that `wanted` accepts (others, like an ASSIGN
    /// to a hoarding attacker, are skipped), or nil when none comes within `seconds`.
    func ask(_ message: Message, within seconds: Double = 10, _ wanted: (Message) -> Bool = { _ in true }) throws -> Message? {
        try socket.send(message)
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if let m = try socket.receiveMessage(timeout: .milliseconds(50)), wanted(m) { return m }
        }
        return nil
    }

    /// Sends `message` and returns the ERROR reply's code (nil: no ERROR within `seconds`).
    func errorCode(_ message: Message, within seconds: Double = 10) throws -> ErrorReply? {
        guard case .error(let e)? = try ask(message, within: seconds, { if case .error = $0 { true } else { false } }) else { return nil }
        return e
    }
}

@Suite(.serialized) struct AttackTests {
    @Test func hijackHoardingAndForeignAttemptMessagesDoNoHarm() async throws {
        let study = try DeterministicStudy(trials: 4, sleep: 0.25)
        defer { study.remove() }

        // The control run: one worker, nobody else.
        let control = try InProcessStudy(study, run: "control")
        let controlWorker = control.worker("w1", study: study)
        #expect(try await control.finish(within: 60))
        _ = try? await controlWorker.value
        let expected = try control.results()
        #expect(expected.count == 4)

        // The attacked run.
        let attacked = try InProcessStudy(study, run: "attacked") { $0.maxSlots = 8 }
        let realWorker = attacked.worker("w1", study: study)
        let attacker = try Peer(attacked.endpoints.routerURL)
        // Wait until w1 runs an attempt (STATUS names it).
        var running: TrialAttempt?
        let deadline = Date().addingTimeInterval(30)
        while running == nil, Date() < deadline {
            if case .statusReply(let s)? = try attacker.ask(.status(StatusRequest()), { if case .statusReply = $0 { true } else { false } }) {
                running = s.workers.first { $0.name == "w1" }?.running.first
            }
        }
        guard let victim = running else {
            Issue.record("w1 never ran an attempt")
            return
        }
        let t = victim.trial, n = victim.attempt

        // Hoarding: slots 1e9 is refused (out of the protocol's range), and so is 9 here, above
        // this coordinator's --max-slots 8, with the limit named.
        let huge = try attacker.errorCode(.hello(Hello(name: "hog", host: "x", pid: 1, slots: 1_000_000_000)))
        #expect(huge?.code == .malformedBody || huge?.code == .limitExceeded)
        let hoard = try attacker.errorCode(.hello(Hello(name: "hog", host: "x", pid: 1, slots: 9)))
        #expect(hoard?.code == .limitExceeded)
        #expect(hoard?.message.contains("at most 8") == true)

        // Hijack: HELLO under w1's name claiming its attempt, several times in a row.
        for _ in 0..<4 {
            let e = try attacker.errorCode(.hello(Hello(name: "w1", host: "x", pid: 1, slots: 1, running: [victim])))
            #expect(e?.code == .nameInUse)
            #expect(e?.message.contains("'w1'") == true)
        }
        // Reports and ends for w1's attempt from a connection that never said HELLO: unknown peer.
        #expect(try attacker.errorCode(.report(Report(trial: t, attempt: n, seq: 99, resource: 3, metrics: ["acc": 999], atRung: true)))?.code == .unknownPeer)

        // A worker of its own ("evil") sending messages about w1's attempt: each refused.
        let evil = try Peer(attacked.endpoints.routerURL)
        #expect(try evil.ask(.hello(Hello(name: "evil", host: "x", pid: 2, slots: 1)), { if case .welcome = $0 { true } else { false } }) != nil)
        let report = ClassReport(split: "test", classNames: ["a", "b"], accuracy: 0.999, precision: [1, 1], recall: [1, 1],
                                 f1: [1, 1], support: [1, 1], confusion: [[1, 0], [0, 1]])
        let foreign: [Message] = [
            .report(Report(trial: t, attempt: n, seq: 99, resource: 3, metrics: ["acc": 999], atRung: true)),
            .log(LogLines(trial: t, attempt: n, seq: 99, stream: .stdout, lines: ["forged line"])),
            .paused(Paused(trial: t, attempt: n, seq: 99, resource: 1, checkpoint: "t\(t.rawValue)-a\(n)-r1", report: report)),
            .done(Done(trial: t, attempt: n, seq: 99, resource: 3, report: report)),
            .failed(Failed(trial: t, attempt: n, seq: 99, error: "forged failure")),
            .checkpointPut(CheckpointChunk(checkpoint: "t\(t.rawValue)-a\(n)-r1", trial: t, attempt: n, resource: 1, index: 0, count: 1,
                                           size: 4, sha256: SHA256.hex(Data("evil".utf8)), bytes: Data("evil".utf8))),
            .checkpointGet(CheckpointRequest(checkpoint: "t\(t.rawValue)-a\(n)-r1")),
            .log(LogLines(trial: TrialID(t.rawValue + 100), attempt: 1, seq: 1, stream: .stdout, lines: ["forged line"])),
        ]
        for m in foreign {
            let e = try evil.errorCode(m)
            #expect(e?.code == .notLeaseHolder, "\(m.type.rawValue): \(String(describing: e))")
        }
        _ = try evil.socket.send(.bye(Bye(reason: "done attacking")))

        #expect(try await attacked.finish(within: 60))
        _ = try? await realWorker.value
        #expect(try attacked.results() == expected)
        let store = try StudyStore.open(attacked.coordinator.directory, role: .reader)
        let lines = try store.logs(LogQuery(limit: 5000)).entries.map(\.text)
        #expect(!lines.contains { $0.contains("forged") })
        #expect(try store.trials().allSatisfy { $0.state == .completed && ($0.value ?? 0) < 10 })
        #expect(try store.checkpoint(trial: t, attempt: n) == nil)
        #expect(try store.classReport(t) == nil)
    }
}
