// The frictions a new user met, each as a test with real processes: a finished study lists no
// worker as active; the coordinator's stream shows values at pauses and an [x/N done, ETA]
// counter; `rung trials --trial N` draws the curve; `rung logs --metrics` shows metric lines;
// `trials --state running` sees leased trials; checks at load with file:line; a worker without a
// coordinator says so, and one refused at HELLO exits non-zero; endpoints without a scheme.
import FineTune
import Foundation
import Testing
import Search
import Store
import Wire
@testable import Runtime
import RungTestKit

private func rung(_ args: [String], within seconds: Double = 90) async throws -> (exit: ChildExit?, out: [String], err: [String]) {
    let binary = try #require(rungBinary(), "build the rung executable first (swift build)")
    let p = try Watched(ChildLaunch(executable: binary, arguments: args, environment: ParentWatch.childEnvironment()))
    let exit = await p.waitExit(within: seconds)
    return (exit, p.lines, p.stderr)
}

@Suite(.serialized) struct FrictionTests {
    @Test func aFinishedStudyShowsValuesProgressCurvesAndMetricLinesAndNoActiveWorker() async throws {
        let binary = try #require(rungBinary(), "build the rung executable first (swift build)")
        let s = try ScriptStudy(trials: 4, sleep: 0)
        defer { s.remove() }
        let cluster = LocalCluster(rung: binary, endpoints: try LoopbackEndpoints())
        let coordinator = try Watched(cluster.coordinator(study: s.studyFile, directory: s.directory))
        let worker = try Watched(cluster.worker(name: "w1", cache: s.cache("w1")))
        #expect(await coordinator.waitExit(within: 90) == .exited(0), "\(coordinator.stderr)")
        #expect(await worker.waitExit(within: 30) == .exited(0))
        let lines = coordinator.lines

        // Values at every pause and promotion, and the counter.
        let paused = try #require(lines.first { $0.contains("paused at rung 0 (epoch 1) acc ") }, "\(lines)")
        #expect(paused.range(of: #"^\[\d+/4 done, ETA [^\]]+\] .* acc -?\d\.\d{4} with a checkpoint$"#, options: .regularExpression) != nil, "\(paused)")
        if let promoted = lines.first(where: { $0.contains(" promoted from ") }) {
            #expect(promoted.range(of: #"promoted from rung \d \(epoch \d\) acc -?\d\.\d{4}, to run up to epoch \d"#, options: .regularExpression) != nil, "\(promoted)")
        }
        #expect(lines.contains { $0.hasPrefix("[4/4 done, finished] ") && $0.contains("study complete") }, "\(lines.suffix(8))")
        // Parameters to 4 significant digits in the stream.
        let started = try #require(lines.first { $0.contains("trial 0 attempt 1 on w1") })
        #expect(started.range(of: #"\{lr=0\.0*[1-9]\d{0,3}\}$"#, options: .regularExpression) != nil, "\(started)")

        // Workers that left are not listed active.
        let store = try StudyStore.open(StudyDirectory(s.directory), role: .reader)
        #expect(try store.workers().map(\.state) == [.left])
        let status = try await rung(["status", "--dir", s.directory.path])
        #expect(status.out.contains { $0.contains("w1") && $0.contains(" left ") }, "\(status.out)")
        #expect(!status.out.contains { $0.contains(" active ") })

        // A trial's curve as a table and a sparkline.
        let curve = try await rung(["trials", "--dir", s.directory.path, "--trial", "0"])
        #expect(curve.exit == .exited(0), "\(curve.err)")
        #expect(curve.out.first?.hasPrefix("Trial 0: ") == true)
        #expect(curve.out.contains { $0.hasPrefix("epoch  acc  ") }, "\(curve.out)")
        #expect(curve.out.contains { $0.range(of: #"^1      -?\d\.\d{4}  1 "#, options: .regularExpression) != nil }, "\(curve.out)")
        #expect(curve.out.last?.range(of: #"^acc [▁▂▃▄▅▆▇█]+  "#, options: .regularExpression) != nil, "\(curve.out)")

        // Metric lines in the log, only when asked.
        let plain = try await rung(["logs", "--dir", s.directory.path, "--trial", "0"])
        #expect(!plain.out.contains { $0.contains(" metrics: ") })
        let metrics = try await rung(["logs", "--dir", s.directory.path, "--trial", "0", "--metrics"])
        let first = try #require(metrics.out.first { $0.contains(" metrics: ") }, "\(metrics.out)")
        #expect(first.range(of: #"a1 w1 metrics: epoch 1  acc -?\d\.\d{4}$"#, options: .regularExpression) != nil, "\(first)")
        let epochLine = try #require(metrics.out.firstIndex { $0.hasSuffix("stdout: trial 0 epoch 1") })
        #expect(metrics.out.firstIndex(of: first)! == epochLine + 1, "the metric line follows the line printed before it")
    }

    @Test func trialsStateRunningCountsLeasedTrialsAndAnEmptyAnswerSaysWhatTheStudyHas() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("rung-friction-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: root) }
        let dir = StudyDirectory(root.appendingPathComponent("study"))
        let yaml = "name: leased\ntrials: 6\nobjective: {metric: acc}\nbudget: {min_resource: 1, max_resource: 3, reduction_factor: 3}\nspace:\n  lr: {type: loguniform, low: 1e-5, high: 1e-1}\n"
        let store = try StudyStore.create(dir, info: StudyInfo(name: "leased", yaml: yaml, objective: "acc", direction: .minimize, created: 1))
        for t in 0..<6 {
            try store.write { tx in
                try tx.upsertTrial(TrialID(t), config: ["lr": .double(0.001)], bracket: 0, state: .queued, now: 2)
                _ = try tx.beginAttempt(TrialID(t), worker: "w\(t % 2)", fromResource: 0, toResource: 1, now: 3)
            }
        }
        try store.close()
        let running = try await rung(["trials", "--dir", dir.root.path, "--state", "running"])
        #expect(running.exit == .exited(0), "\(running.err)")
        #expect(running.out.count == 7, "\(running.out)")  // the header and six leased trials
        #expect(running.out.dropFirst().allSatisfy { $0.contains("leased") })
        let failed = try await rung(["trials", "--dir", dir.root.path, "--state", "failed"])
        #expect(failed.out == ["No trial is failed now; the study has 6 trial(s): 6 leased."])
    }

    @Test func placeholdersAndTheObjectiveOfABuiltinTaskAreCheckedAtLoadWithFileAndLine() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("rung-load-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: root) }
        let builtin = root.appendingPathComponent("builtin.yaml")
        try """
            name: b
            trials: 2
            objective:
              metric: val_acc
              direction: maximize
            budget: {min_resource: 1, max_resource: 3, reduction_factor: 3}
            space:
              learning_rate: {type: loguniform, low: 1e-4, high: 1e-2}
            task: {builtin: tabular}
            """.write(to: builtin, atomically: true, encoding: .utf8)
        let b = try await rung(["coordinator", "--study", builtin.path, "--dir", root.appendingPathComponent("b").path,
                                "--bind", "tcp://127.0.0.1:\(try freeLoopbackPort())", "--publish", "tcp://127.0.0.1:\(try freeLoopbackPort())"])
        #expect(b.exit == .exited(2))  // could not start
        #expect(b.err.contains { $0.contains("\(builtin.path):4: `objective.metric` names 'val_acc', but the built-in tabular task does not report it; it reports: train_loss, val_loss, accuracy") }, "\(b.err)")

        let command = root.appendingPathComponent("command.yaml")
        try """
            name: c
            trials: 2
            objective: {metric: acc}
            budget: {min_resource: 1, max_resource: 3, reduction_factor: 3}
            space:
              lr: {type: loguniform, low: 1e-4, high: 1e-2}
            task:
              command: [python3, train.py, "--lr", "{lr}", "--drop", "{dropout}"]
            """.write(to: command, atomically: true, encoding: .utf8)
        let c = try await rung(["coordinator", "--study", command.path, "--dir", root.appendingPathComponent("c").path])
        #expect(c.exit == .exited(2))
        #expect(c.err.contains { $0.contains("command.yaml:8: `task.command` argument 5 ('{dropout}') names {dropout}, which is not a parameter of the search space") }, "\(c.err)")
    }

    @Test func aWorkerWithoutACoordinatorSaysSoAndAnEndpointWithoutASchemeIsTakenAsTcp() async throws {
        let binary = try #require(rungBinary(), "build the rung executable first (swift build)")
        let port = try freeLoopbackPort()
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("rung-wait-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: root) }
        let worker = try Watched(ChildLaunch(executable: binary, arguments: [
            "worker", "--connect", "127.0.0.1:\(port)", "--name", "lonely", "--cache", root.path, "--notice-every", "0.3",
        ], environment: ParentWatch.childEnvironment()))
        defer { worker.process.signal(SIGKILL) }
        _ = await worker.stderrLine(within: 20) { $0.contains("waiting for tcp://127.0.0.1:\(port) (no answer yet)") }
        #expect(worker.stderr.contains { $0 == "note: --connect 127.0.0.1:\(port): no scheme given, taking it as tcp://127.0.0.1:\(port)" }, "\(worker.stderr)")
        #expect(worker.stderr.contains { $0.contains("lonely: waiting for tcp://127.0.0.1:\(port) (no answer yet)") }, "\(worker.stderr)")
        worker.process.signal(SIGTERM)
        #expect(await worker.waitExit(within: 20) == .exited(0))

        let refused = try await rung(["status", "--connect", "5555"])
        #expect(refused.exit == .exited(64))
        #expect(refused.err.contains { $0.contains("--connect 5555: give HOST:PORT, e.g. tcp://127.0.0.1:5555") }, "\(refused.err)")
    }

    @Test func aWorkerRefusedAtHelloSaysWhyAndExitsNonZero() async throws {
        let binary = try #require(rungBinary(), "build the rung executable first (swift build)")
        let endpoints = try LoopbackEndpoints()
        let context = try ZMQContext()
        let router = try ZMQSocket(context, .router, options: [.linger(milliseconds: 0)])
        defer { router.close() }
        try router.bind(endpoints.routerURL)
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("rung-refused-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: root) }
        let worker = try Watched(ChildLaunch(executable: binary, arguments: [
            "worker", "--connect", endpoints.routerURL, "--name", "twin", "--cache", root.path,
        ], environment: ParentWatch.childEnvironment()))
        defer { worker.process.signal(SIGKILL) }
        // The coordinator's side, scripted: HELLO answered with the refusal a duplicate name gets.
        let hello = try #require(try router.receiveRouted(timeout: .seconds(20), limits: .standard))
        guard case .success(.hello(let h)) = hello.result else { Issue.record("no HELLO: \(hello.result)"); return }
        #expect(h.name == "twin")
        _ = try router.send(.error(ErrorReply(code: .unexpectedMessage, message: "a worker named 'twin' is connected already; give each worker its own --name",
                                              regarding: "HELLO")), to: hello.peer, wait: true)
        #expect(await worker.waitExit(within: 20) == .exited(1))
        #expect(worker.stderr.contains { $0.contains("refused worker 'twin': a worker named 'twin' is connected already; give each worker its own --name") }, "\(worker.stderr)")
    }

    @Test func trainShowsEpochTimesInHumanUnits() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("rung-train-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: root) }
        let train = try await rung(["train", "--epochs", "2", "--hidden", "8", "--out", root.path])
        #expect(train.exit == .exited(0), "\(train.err)")
        let header = try #require(train.out.firstIndex { $0.contains("epoch") && $0.contains("time") }, "\(train.out)")
        for line in train.out[(header + 1)...(header + 2)] {
            #expect(line.range(of: #"\d(\.\d+)? (ms|s)$"#, options: .regularExpression) != nil, "\(line)")
            #expect(!line.hasSuffix("0.00"))
        }
    }
}

@Suite(.serialized) struct TrainTaskTests {
    @Test func aFlagOfAnotherTaskAndAnUnknownTaskAreRefusedWithTheAcceptedValues() async throws {
        let text = try await rung(["train", "--task", "text", "--hidden", "8"])
        #expect(text.exit == .exited(64), "\(text.err)")
        #expect(text.err.contains { $0.contains("--hidden applies to --task tabular only; this run is --task text") }, "\(text.err)")
        let bogus = try await rung(["train", "--task", "audio"])
        #expect(bogus.exit != .exited(0))
        #expect(bogus.err.contains { $0.contains("tabular, image or text") }, "\(bogus.err)")
    }

    @Test(.enabled(if: FashionMNIST.isAvailable(), "Fashion-MNIST is not installed (deploy/setup.sh installs dataset-fashion-mnist)"))
    func theImageTaskRunsThroughTheOneTrainCommandAndItsOldNameAlike() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("rung-train-image-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: root) }
        var metrics: [Data] = []
        for (i, head) in [["train", "--task", "image"], ["train-image"]].enumerated() {
            let out = root.appendingPathComponent("\(i)")
            let run = try await rung(head + ["--classes", "0-1", "--shots", "10", "--epochs", "1", "--out", out.path], within: 180)
            #expect(run.exit == .exited(0), "\(run.err)")
            #expect(run.out.contains { $0.hasPrefix("cost: ") }, "\(run.out)")
            metrics.append(try Data(contentsOf: out.appendingPathComponent("metrics.json")))
            #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent("checkpoint.safetensors").path))
        }
        // Same seed, same task: the alias is the same command, so the figures agree but for time.
        func figures(_ d: Data) throws -> [Double] {
            let object = try #require(try JSONSerialization.jsonObject(with: d) as? [String: Any])
            let epochs = try #require(object["epochs"] as? [[String: Any]])
            return epochs.compactMap { $0["validationLoss"] as? Double }
        }
        #expect(try figures(metrics[0]) == figures(metrics[1]))
        #expect(try figures(metrics[0]).count == 1)
    }
}

@Suite(.serialized) struct DuplicateNameTests {
    @Test func aSecondWorkerUnderALiveWorkersNameIsRefusedAndExitsNonZero() async throws {
        let binary = try #require(rungBinary(), "build the rung executable first (swift build)")
        let s = try ScriptStudy(trials: 3, sleep: 1)
        defer { s.remove() }
        let cluster = LocalCluster(rung: binary, endpoints: try LoopbackEndpoints())
        let coordinator = try Watched(cluster.coordinator(study: s.studyFile, directory: s.directory))
        let first = try Watched(cluster.worker(name: "twin", cache: s.cache("a")))
        defer { coordinator.process.signal(SIGKILL); first.process.signal(SIGKILL) }
        #expect(await coordinator.line(within: 90) { $0.contains("worker twin joined") } != nil, "\(coordinator.stderr)")
        let second = try Watched(cluster.worker(name: "twin", cache: s.cache("b")))
        defer { second.process.signal(SIGKILL) }
        #expect(await second.waitExit(within: 90) == .exited(1))
        #expect(second.stderr.contains { $0.contains("refused worker 'twin'") && $0.contains("NAME_IN_USE") }, "\(second.stderr)")
        #expect(first.exit == nil, "the first worker goes on")
    }
}

@Test func everyOperatorMessageIsAControlMessage() {
    // `MessageType.control` (Wire) and the roles (Runtime) name the same operator messages.
    #expect(Set(MessageType.allCases.filter { $0.requiredRole == .operator }) == MessageType.control)
}
