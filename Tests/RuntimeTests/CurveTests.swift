// CURVE between machines, over real sockets: `rung coordinator` on a non-loopback bind with its
// default flags turns CURVE on (and will not start without keys); unauthenticated and unlisted
// peers never complete a handshake (ROUTER and PUB), a reader key cannot stop the study, an
// operator key can; and a worker pinned to the coordinator's key talks to no other server.
import Foundation
import Testing
import Wire
@testable import Runtime
import RungTestKit

/// Runs `rung ARGS` with `RUNG_KEYS` and waits for it (30 s at most).
private func rungRun(_ rung: String, _ args: [String], keys: URL) async throws -> (ChildExit?, [String], [String]) {
    var env = ParentWatch.childEnvironment()
    env["RUNG_KEYS"] = keys.path
    let p = try Watched(ChildLaunch(executable: rung, arguments: args, environment: env))
    let exit = await p.waitExit(within: 30)
    return (exit, p.lines, p.stderr)
}

/// Collects what a SUB socket receives within `seconds`.
private func received(_ sub: ZMQSocket, within seconds: Double) throws -> Int {
    var count = 0
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if try sub.receive(timeout: .milliseconds(50)) != nil { count += 1 }
    }
    return count
}

@Suite(.serialized) struct CurveTests {
    @Test func offLoopbackCurveIsOnByDefaultAndOnlyAllowListedKeysGetIn() async throws {
        guard let rung = rungBinary() else {
            Issue.record("the rung executable is not built (swift build --build-tests builds it)")
            return
        }
        let study = try DeterministicStudy(trials: 2, sleep: 0)
        defer { study.remove() }
        let keys = study.root.appendingPathComponent("keys", isDirectory: true)
        for name in ["coordinator", "worker", "client", "op", "stranger"] {
            let (exit, _, err) = try await rungRun(rung, ["keygen", name, "--out", keys.path], keys: keys)
            #expect(exit == .exited(0), "keygen \(name): \(err)")
        }
        let fm = FileManager.default
        try fm.copyItem(at: keys.appendingPathComponent("worker.pub"), to: keys.appendingPathComponent("allow/workers/w1.pub"))
        try fm.copyItem(at: keys.appendingPathComponent("client.pub"), to: keys.appendingPathComponent("allow/clients/client.pub"))
        try fm.copyItem(at: keys.appendingPathComponent("op.pub"), to: keys.appendingPathComponent("allow/operators/op.pub"))
        let server = try KeyFiles.readSecret(keys.appendingPathComponent("coordinator.key"))
        func clientOptions(_ name: String) throws -> [ZMQOption] {
            try CurveClientSetup(serverKey: server.publicKey, keyPair: KeyFiles.readSecret(keys.appendingPathComponent("\(name).key"))).socketOptions
        }
        let ports = try LoopbackEndpoints()
        let port = ports.router, pubPort = ports.publish
        let args = ["coordinator", "--study", study.studyFile.path, "--dir", study.directory("run").path, "--keep-running",
                    "--bind", "tcp://0.0.0.0:\(port)", "--publish", "tcp://0.0.0.0:\(pubPort)"]

        // Off loopback with no key at hand: it will not fall back to plain TCP.
        let (bare, _, bareErr) = try await rungRun(rung, args, keys: study.root.appendingPathComponent("no-keys"))
        #expect(bare != nil && bare != .exited(0))
        #expect(bareErr.joined().contains("not a loopback address"), "\(bareErr)")

        var env = ParentWatch.childEnvironment()
        env["RUNG_KEYS"] = keys.path
        let coordinator = try Watched(ChildLaunch(executable: rung, arguments: args, environment: env))
        defer { coordinator.process.signal(SIGKILL) }
        #expect(await coordinator.line(within: 30) { $0.contains("CURVE on") } != nil)
        let router = "tcp://127.0.0.1:\(port)", publish = "tcp://127.0.0.1:\(pubPort)"

        // An allow-listed reader gets answers (so the coordinator is up) but may not stop the study.
        let reader = try Peer(router, options: clientOptions("client"))
        let first = try reader.ask(.status(StatusRequest()), within: 20)
        guard case .statusReply? = first else {
            Issue.record("no STATUS_REPLY for an allow-listed client key: \(String(describing: first)); coordinator: \(coordinator.stderr)")
            return
        }
        let forbidden = try reader.errorCode(.stopStudy(StopStudyRequest(reason: "reader")))
        #expect(forbidden?.code == .forbidden)
        // No key, or a key not on the list: the handshake never completes, nothing is answered.
        let plain = try Peer(router)
        #expect(try plain.ask(.status(StatusRequest()), within: 2) == nil)
        let stranger = try Peer(router, options: clientOptions("stranger"))
        #expect(try stranger.ask(.status(StatusRequest()), within: 2) == nil)
        #expect(try stranger.ask(.stopStudy(StopStudyRequest(reason: "anonymous")), within: 1) == nil)
        #expect(try stranger.ask(.hello(Hello(name: "w1", host: "x", pid: 1, slots: 64)), within: 1) == nil)

        // PUB: a listed subscriber hears the study, an unlisted one hears nothing.
        let subContext = try ZMQContext()
        let listedSub = try ZMQSocket(subContext, .sub, options: [.linger(milliseconds: 0), .subscribe(Data())] + clientOptions("client"))
        let strangerSub = try ZMQSocket(subContext, .sub, options: [.linger(milliseconds: 0), .subscribe(Data())] + clientOptions("stranger"))
        defer { listedSub.close(); strangerSub.close() }
        try listedSub.connect(publish)
        try strangerSub.connect(publish)
        #expect(try received(listedSub, within: 0.5) == 0)  // nothing published yet; lets the SUB join

        // A worker with its keys in RUNG_KEYS (the default files) runs the study to the end; on
        // loopback it asks for CURVE with --curve (elsewhere it is on anyway).
        let worker = try Watched(ChildLaunch(executable: rung, arguments: ["worker", "--connect", router, "--name", "w1", "--curve",
                                                                          "--cache", study.root.appendingPathComponent("cache").path],
                                             environment: env))
        defer { worker.process.signal(SIGKILL) }
        var finished = false
        let deadline = Date().addingTimeInterval(60)
        while !finished, Date() < deadline {
            if case .statusReply(let s)? = try reader.ask(.status(StatusRequest()), { if case .statusReply = $0 { true } else { false } }) {
                finished = s.finished
            }
        }
        #expect(finished, "worker: \(worker.stderr) coordinator: \(coordinator.lines.suffix(8)) \(coordinator.stderr)")
        #expect(try received(listedSub, within: 0.3) > 0)
        #expect(try received(strangerSub, within: 0.3) == 0)

        // The CLI client with its default key reads the study; the operator key may stop it.
        let (statusExit, statusOut, statusErr) = try await rungRun(rung, ["status", "--connect", router, "--curve"], keys: keys)
        #expect(statusExit == .exited(0), "\(statusErr)")
        #expect(statusOut.joined(separator: "\n").contains("attack-test"))
        let op = try Peer(router, options: clientOptions("op"))
        let stopReply = try op.ask(.stopStudy(StopStudyRequest(reason: "operator")), within: 20)
        guard case .stopStudyReply? = stopReply else {
            Issue.record("no STOP_STUDY_REPLY for the operator key: \(String(describing: stopReply))")
            return
        }
        coordinator.process.signal(SIGTERM)
        #expect(await coordinator.waitExit(within: 30) == .exited(0))
        #expect(await worker.waitExit(within: 30) != nil)
    }

    @Test func aWorkerPinnedToTheCoordinatorsKeyTalksToNoOtherServer() async throws {
        let real = try CurveKeyPair.generate(), rogueKeys = try CurveKeyPair.generate(), workerKeys = try CurveKeyPair.generate()
        let pinned = CurveClientSetup(serverKey: real.publicKey, keyPair: workerKeys)
        let study = try DeterministicStudy(trials: 1, sleep: 0)
        defer { study.remove() }

        // Three servers: the real one (its key, the worker on its allow-list), an impostor with
        // another key, and a plain one. Each waits for a HELLO.
        let honestContext = try ZMQContext(), rogueContext = try ZMQContext()
        let auth = try CurveAuthenticator(honestContext, allowing: [workerKeys.publicKey])
        defer { auth.stop() }
        let honest = try ZMQSocket(honestContext, .router, options: [.linger(milliseconds: 0), .zapDomain("rung"), .curveServer(secretKey: real.secretKey)])
        let impostor = try ZMQSocket(rogueContext, .router, options: [.linger(milliseconds: 0), .curveServer(secretKey: rogueKeys.secretKey)])
        let plain = try ZMQSocket(rogueContext, .router, options: [.linger(milliseconds: 0)])
        defer { honest.close(); impostor.close(); plain.close() }
        for s in [honest, impostor, plain] { try s.bind("tcp://127.0.0.1:*") }

        var options = WorkerOptions(connect: "", slots: 1, name: "w", cache: study.root.appendingPathComponent("cache"), rungExecutable: "/bin/false")
        options.curve = pinned
        var workers: [WorkerProcess] = []
        var tasks: [Task<Void, any Error>] = []
        for s in [honest, impostor, plain] {
            options.connect = try s.lastEndpoint
            let w = WorkerProcess(options: options)
            w.log = { _ in }
            workers.append(w)
            tasks.append(Task { try await runOnThread { try w.run() } })
        }
        defer { for w in workers { w.requestStop() } }
        // The real coordinator hears the worker's HELLO …
        var hello: RoutedMessage?
        let deadline = Date().addingTimeInterval(20)
        while hello == nil, Date() < deadline { hello = try honest.receiveRouted(timeout: .milliseconds(100)) }
        guard case .success(.hello(let h))? = hello?.result else {
            Issue.record("the real coordinator got no HELLO")
            return
        }
        #expect(h.name == "w")
        #expect(hello?.userID == workerKeys.publicKey)
        // … the impostor and the plain server hear nothing, so no ASSIGN of theirs can reach it.
        let quiet = Date().addingTimeInterval(2)
        while Date() < quiet {
            #expect(try impostor.receive(timeout: .milliseconds(50)) == nil)
            #expect(try plain.receive(timeout: .milliseconds(50)) == nil)
        }
        for w in workers { w.requestStop() }
        for t in tasks { _ = try? await t.value }
    }
}
