// `rung bench-coordinator`: REPORT ingestion over real ZeroMQ with durability on. A coordinator
// (in this process, its own thread) and K workers (DEALER sockets on their own threads) on loopback;
// each worker says HELLO, takes its ASSIGN and sends its share of REPORTs, then a STATUS whose reply
// marks that every REPORT before it was logged and committed to SQLite. Prints messages/s.
import ArgumentParser
import Foundation
import Runtime
import Search
import Store
import Wire

struct BenchCoordinatorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-coordinator",
        abstract: "Measure REPORT ingestion of a coordinator over ZeroMQ with its log and store (one SQLite transaction per batch) on.")

    @Option(help: "REPORT messages in total.")
    var reports = 200_000

    @Option(help: "Worker connections sending them.")
    var workers = 4

    @Flag(help: "Sync the store on every batch as well (machine-crash durability).")
    var fsync = false

    @Option(help: "Instead: run this many no-op trials (ASSIGN → REPORT × epochs → DONE, no child process) and print trials/s.")
    var noopTrials: Int?

    @Option(help: "With --noop-trials: epochs per trial, each one REPORT (as a trial printing one metric line per epoch); above 1 the study stops trials early with asha-stopping (η = 3).")
    var epochs = 1

    @Flag(help: "CURVE on every connection (fresh keys, workers on the allow-list), as across machines.")
    var curve = false

    /// With --curve: the coordinator's setup and the workers' socket options (fresh keys in `root`).
    func security(_ root: URL) throws -> (CurveServerSetup?, [ZMQOption]) {
        guard curve else { return (nil, []) }
        let keys = root.appendingPathComponent("keys", isDirectory: true)
        let server = try KeyFiles.generate(name: "coordinator", in: keys)
        let workers = keys.appendingPathComponent("allow/workers", isDirectory: true)
        let worker = try KeyFiles.generate(name: "bench", in: workers)
        let client = CurveClientSetup(serverKey: server.publicKey, keyPair: worker)
        return (CurveServerSetup(keyPair: server, allowList: keys.appendingPathComponent("allow")), client.socketOptions)
    }

    /// " with CURVE" or "".
    var curveLabel: String { curve ? ", CURVE" : "" }

    func validate() throws {
        guard epochs >= 1 else { throw ValidationError("--epochs is \(epochs), but must be ≥ 1") }
    }

    func run() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("rung-bench-coordinator-\(getpid())")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: root) }
        let studyFile = root.appendingPathComponent("study.yaml")
        if let n = noopTrials {
            try await noop(trials: n, root: root, studyFile: studyFile)
            return
        }
        try """
        name: bench
        trials: \(workers)
        objective: {metric: acc, direction: maximize}
        budget: {resource: epochs, min_resource: 1, max_resource: 9, reduction_factor: 3}
        space: {lr: {type: loguniform, low: 1e-4, high: 1e-1}}
        task: {command: ["/bin/true"]}
        """.write(to: studyFile, atomically: true, encoding: .utf8)
        let endpoints = try LoopbackEndpoints()
        var options = CoordinatorOptions(studyFile: studyFile, directory: root.appendingPathComponent("run"))
        options.bind = endpoints.routerURL
        options.publish = endpoints.publishURL
        options.exitWhenComplete = false
        options.fsync = fsync
        options.leaseTimeout = 600
        let (server, clientOptions) = try security(root)
        options.curve = server
        let coordinator = try CoordinatorProcess(options: options)
        let serving = Task { try await runOnThread { try coordinator.run() } }
        let perWorker = reports / workers
        let started = Date()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for w in 0..<workers {
                group.addTask {
                    try await runOnThread { try Self.sendReports(to: endpoints.routerURL, name: "bench-\(w)", count: perWorker, options: clientOptions) }
                }
            }
            try await group.waitForAll()
        }
        let seconds = Date().timeIntervalSince(started)
        coordinator.requestStop()
        try await serving.value
        let store = try StudyStore.open(coordinator.directory, role: .reader)
        let stored = try store.summary().reportCount
        print(String(format: "REPORT ingestion: %d messages from %d workers in %.2f s = %.0f messages/s (log + rows in SQLite WAL%@, one transaction per batch%@); %d epoch rows stored",
                     perWorker * workers, workers, seconds, Double(perWorker * workers) / seconds,
                     fsync ? " fsync" : "", curveLabel, stored))
        guard stored == perWorker * workers else {
            throw ValidationError("expected \(perWorker * workers) stored reports, found \(stored)")
        }
    }

    /// No-op trials: a one-rung study (every trial runs 0 → 1) whose workers answer each ASSIGN at
    /// once with its REPORT and DONE. Measures the coordinator's whole per-trial path: engine
    /// decision, journal, SQLite, sockets.
    /// With `epochs` above 1, every trial reports each epoch and the study judges the rung results
    /// with `asha-stopping` (rungs at 1, 3, 9, … up to `epochs`); each worker reports the trial's id
    /// negated, so every trial is the best so far and none is stopped: all make their reports.
    func noop(trials: Int, root: URL, studyFile: URL) async throws {
        try """
        name: noop
        trials: \(trials)
        objective: {metric: value, direction: minimize}
        budget: {resource: epochs, min_resource: 1, max_resource: \(epochs), reduction_factor: 3}
        scheduler: \(epochs > 1 ? "asha-stopping" : "none")
        space: {x: {type: uniform, low: -5, high: 5}}
        task: {command: ["/bin/true"]}
        """.write(to: studyFile, atomically: true, encoding: .utf8)
        let endpoints = try LoopbackEndpoints()
        var options = CoordinatorOptions(studyFile: studyFile, directory: root.appendingPathComponent("run"))
        options.bind = endpoints.routerURL
        options.publish = endpoints.publishURL
        options.fsync = fsync
        options.leaseTimeout = 600
        options.lingerAfterComplete = 0  // the clock stops when the study is complete
        let (server, clientOptions) = try security(root)
        options.curve = server
        let coordinator = try CoordinatorProcess(options: options)
        let started = Date()
        let epochs = self.epochs
        let serving = Task { try await runOnThread { try coordinator.run() } }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for w in 0..<workers {
                group.addTask { try await runOnThread { try Self.answerAssignments(endpoints.routerURL, name: "noop-\(w)", epochs: epochs, options: clientOptions) } }
            }
            try await group.waitForAll()
        }
        try await serving.value
        let seconds = Date().timeIntervalSince(started)
        let store = try StudyStore.open(coordinator.directory, role: .reader)
        let all = try store.trials()
        let done = all.filter { $0.state == .completed }.count
        let stopped = all.filter { $0.state == .stopped }.count
        let reports = try store.summary().reportCount
        // A trial whose rung result came in behind better ones of later trials (workers run in
        // parallel) can lose its first rung: it is stopped there, and counted, as Optuna counts a pruned trial.
        print(String(format: "no-op trials: %d ended (%d completed, %d stopped early) with %d workers in %.2f s = %.1f trials/s, %d reports stored (%d epochs per trial; log + rows in SQLite WAL%@%@)",
                     done + stopped, done, stopped, workers, seconds, Double(done + stopped) / seconds, reports, epochs,
                     fsync ? " fsync" : "", curveLabel))
    }

    /// A worker that completes every assignment at once, until SHUTDOWN: one REPORT per epoch (a
    /// rung result where the ASSIGN says so), then DONE.
    static func answerAssignments(_ endpoint: String, name: String, epochs: Int, options: [ZMQOption]) throws {
        let context = try ZMQContext()
        let socket = try ZMQSocket(context, .dealer, options: [.linger(milliseconds: 1000), .routingID(Data(name.utf8))] + options)
        defer { socket.close() }
        try socket.connect(endpoint)
        try socket.send(.hello(Hello(name: name, host: "bench", pid: Int(getpid()), slots: 1)))
        while true {
            guard let m = try socket.receiveMessage(timeout: .seconds(30)) else {
                throw ValidationError("\(name): nothing from the coordinator for 30 s")
            }
            switch m {
            case .assign(let a) where epochs == 1:
                let x = a.config["x"]?.numeric ?? 0
                try socket.send(.report(Report(trial: a.trial, attempt: a.attempt, seq: 1, resource: a.toResource,
                                               metrics: ["value": x * x], atRung: true)))
                try socket.send(.done(Done(trial: a.trial, attempt: a.attempt, seq: 2, resource: a.toResource)))
            case .assign(let a):
                var seq = 0
                for epoch in Int(a.fromResource) + 1...Int(a.toResource) {
                    seq += 1
                    let r = Double(epoch)
                    try socket.send(.report(Report(trial: a.trial, attempt: a.attempt, seq: seq, resource: r,
                                                   metrics: ["value": -Double(a.trial.rawValue)],
                                                   atRung: a.reportAt.contains(r))))
                }
                try socket.send(.done(Done(trial: a.trial, attempt: a.attempt, seq: seq + 1, resource: a.toResource)))
            case .shutdown:
                return
            default:
                break
            }
        }
    }

    /// One worker: HELLO, wait for its ASSIGN, send `count` REPORTs, then STATUS and wait for the reply.
    static func sendReports(to endpoint: String, name: String, count: Int, options: [ZMQOption]) throws {
        let context = try ZMQContext()
        let socket = try ZMQSocket(context, .dealer, options: [.linger(milliseconds: 1000), .sendHighWaterMark(0),
                                                               .routingID(Data(name.utf8))] + options)
        defer { socket.close() }
        try socket.connect(endpoint)
        try socket.send(.hello(Hello(name: name, host: "bench", pid: Int(getpid()), slots: 1)))
        var assign: Assign?
        while assign == nil {
            guard let m = try socket.receiveMessage(timeout: .seconds(10)) else {
                throw ValidationError("\(name): no ASSIGN within 10 s")
            }
            if case .assign(let a) = m { assign = a }
        }
        let a = assign!
        for i in 1...count {
            // Between the assignment's start and its first milestone: journaled and stored, no engine event.
            let resource = a.fromResource + 0.5 * Double(i) / Double(count + 1)
            try socket.send(.report(Report(trial: a.trial, attempt: a.attempt, seq: i, resource: resource,
                                           metrics: ["acc": 0.5, "loss": 0.7], atRung: false)))
        }
        try socket.send(.status(StatusRequest()))
        while true {
            guard let m = try socket.receiveMessage(timeout: .seconds(120)) else {
                throw ValidationError("\(name): no STATUS_REPLY within 120 s")
            }
            if case .statusReply = m { return }
        }
    }
}
