// The worker process: a DEALER connected to the coordinator; says HELLO, heartbeats, runs each
// assigned attempt as a `TrialRun` child process, streams REPORT and LOG messages, uploads the
// checkpoint before PAUSED, downloads one it lacks, and after a coordinator restart says HELLO
// again and resends what its current attempts sent (the coordinator drops duplicates). One thread
// owns the socket; trial events reach it through a locked inbox. Leaves out the CLI (RungCLI).
import Foundation
import RungBasics
import Search
import Synchronization
import Wire

/// How to run a worker.
public struct WorkerOptions: Sendable {
    /// The coordinator's ROUTER endpoint.
    public var connect: String
    /// Attempts run at once.
    public var slots: Int
    /// The worker's name, unique among the study's workers (stable across reconnects).
    public var name: String
    /// Where checkpoints are kept.
    public var cache: URL
    /// The `rung` executable re-invoked for built-in tasks.
    public var rungExecutable: String
    /// Seconds between SIGTERM and SIGKILL when an attempt is stopped.
    public var stopGrace = 5.0
    /// CURVE: the coordinator's pinned public key and this worker's key pair. Nil: plain TCP,
    /// which `run()` accepts only on a loopback endpoint unless `insecure`.
    public var curve: CurveClientSetup?
    /// Accept plain TCP to a non-loopback endpoint (the CLI's --insecure, which warns).
    public var insecure = false
    /// Free bytes the cache needs before an attempt starts (below: a machine fault).
    public var minFreeBytes: Int64 = 64 << 20
    /// Seconds between "waiting for tcp://… (no answer yet)" lines while the coordinator has not
    /// answered HELLO.
    public var noticeInterval = 10.0
    public init(connect: String, slots: Int, name: String, cache: URL, rungExecutable: String) {
        self.connect = connect; self.slots = slots; self.name = name; self.cache = cache
        self.rungExecutable = rungExecutable
    }
}

/// Trial events on their way from the trial tasks to the socket thread.
final class Inbox: Sendable {
    let lock = Mutex<[(AttemptRef, TrialRunEvent)]>([])
}

/// One assigned attempt on this worker.
struct ActiveAttempt {
    var order: WorkOrder
    var task: TrialTask?
    var timeout = TaskTimeout()
    var run: TrialRun?
    var seq = 0
    /// Every message sent about it (resent after the coordinator restarts).
    var sent: [Message] = []
    var stopRequested = false
    /// The last per-class report line the trial printed in this attempt (sent with PAUSED / DONE).
    var report: ClassReport?
}

/// The worker process. `run()` blocks until SHUTDOWN or `requestStop()` (then it says BYE).
public final class WorkerProcess: @unchecked Sendable {
    // @unchecked: the mutable state below is touched only by the thread inside `run()`; `inbox`
    // and `stopFlag` are Mutexes written from trial tasks and signal handlers.
    let options: WorkerOptions
    let cache: TrialCache
    let inbox = Inbox()
    let stopFlag = Mutex(false)
    var attempts: [AttemptRef: ActiveAttempt] = [:]
    var finished: [(AttemptRef, [Message])] = []
    var downloads: [String: (ref: AttemptRef, data: Data)] = [:]
    var heartbeatInterval = 1.0
    /// The largest JSON body the coordinator accepts (from WELCOME).
    var maxBodyBytes = Envelope.Limits.standard.maxBodyBytes
    var lastHello = 0.0
    /// The last NAME_IN_USE text logged (logged once, not on every retry).
    var lastRefusal = ""
    /// Whether the coordinator answered the last HELLO with WELCOME.
    var welcomed = false
    /// Whether this process was ever welcomed (a refused HELLO after that may be about its own
    /// old connection, still live at the coordinator: it keeps trying).
    var everWelcomed = false
    /// The coordinator refused this worker's HELLO (a duplicate name, an unsupported version): `run()` throws it.
    var refusal: RuntimeError?
    /// Lines for the worker's own log (stderr by default).
    public var log: @Sendable (String) -> Void = { FileHandle.standardError.write(Data(($0 + "\n").utf8)) }

    public init(options: WorkerOptions) {
        self.options = options
        cache = TrialCache(root: options.cache)
    }

    /// Asks `run()` to leave cleanly: stop the attempts, say BYE (thread-safe; for SIGTERM).
    public func requestStop() { stopFlag.withLock { $0 = true } }

    /// Serves the coordinator until SHUTDOWN or a stop request.
    public func run() throws {
        if options.curve == nil, !options.insecure, !Endpoint.isLoopback(options.connect) {
            throw RuntimeError(.invalidArgument, Endpoint.needsCurve([options.connect], missing: "no coordinator public key was given (--server-key FILE, --key FILE)"))
        }
        let context = try ZMQContext()
        // With CURVE the coordinator's key is pinned: a server without its secret key cannot
        // complete the handshake, so nothing (no ASSIGN) reaches this worker from it.
        let socket = try ZMQSocket(context, .dealer, options: [
            .linger(milliseconds: 2000), .routingID(Self.routingID(name: options.name)),
            .reconnectInterval(milliseconds: 200), .reconnectIntervalMax(milliseconds: 1000),
            .maxMessageSize(Envelope.Limits.standard.socketMaxMessageSize), .sendHighWaterMark(100_000),
            // A failed handshake (CURVE keys that do not match) drops the connection for good; sends
            // must not block forever then.
            .sendTimeout(milliseconds: 2000),
            // ZMTP heartbeats: a coordinator host that vanished without closing the connection is
            // dropped after the timeout, and the socket reconnects (to a restarted coordinator).
            .heartbeatInterval(milliseconds: 2000), .heartbeatTimeout(milliseconds: 10_000),
        ] + (options.curve?.socketOptions ?? []))
        defer { socket.close() }
        try socket.connect(options.connect)
        if let problem = MachineCheck.problem(cache: options.cache, minFreeBytes: options.minFreeBytes) {
            log("\(options.name): this machine cannot run attempts (\(problem)); each one assigned is reported as a machine fault, so the coordinator quarantines this worker")
        }
        hello(socket, resend: false)
        var lastBeat = Date().timeIntervalSince1970
        var lastNotice = lastBeat
        var shuttingDown = false
        while true {
            if let refusal {
                leave(socket, reason: "refused by the coordinator", bye: false)
                throw refusal
            }
            if stopFlag.withLock({ $0 }) || shuttingDown || ParentWatch.parentGone {
                leave(socket, reason: shuttingDown ? "shutdown by the coordinator" : "worker stopped (signal)",
                      bye: !shuttingDown)
                return
            }
            do {
                if let message = try socket.receiveMessage(timeout: .milliseconds(20)) {
                    if case .shutdown = message { shuttingDown = true; continue }
                    try handle(message, socket)
                }
            } catch let e as WireError where e.code != .transport {
                log("ignored a message from the coordinator: \(e)")
            }
            let events = inbox.lock.withLock { box -> [(AttemptRef, TrialRunEvent)] in defer { box.removeAll() }; return box }
            for (ref, event) in events { try runEvent(ref, event, socket) }
            let now = Date().timeIntervalSince1970
            if !welcomed, now - lastNotice >= options.noticeInterval {
                lastNotice = now
                log("\(options.name): waiting for \(options.connect) (no answer yet): is `rung coordinator` running there with --bind on that port? If another worker there already uses the name '\(options.name)', give this one its own --name\(options.curve == nil ? "" : ". With CURVE: is --server-key that coordinator's public key, and this worker's .pub in its allow/workers/?")")
            }
            if now - lastBeat >= heartbeatInterval {
                lastBeat = now
                try socket.send(.heartbeat(Heartbeat(running: runningList(), freeSlots: max(0, options.slots - attempts.count))), wait: false)
            }
        }
    }

    /// The socket's routing id: the name, then this process's id and a random tag. Stable across
    /// reconnects of this process (the coordinator keeps knowing the connection), but never the
    /// same for two processes: libzmq silently drops a second connection whose routing id is in
    /// use, so a second worker under a taken name would never be heard; with its own id its HELLO
    /// arrives and is refused loudly (NAME_IN_USE).
    static func routingID(name: String) -> Data {
        let tag = "/\(getpid())-\(String(UInt32.random(in: 0...UInt32.max), radix: 16))"
        let head = String(name.utf8.prefix(200)) ?? "worker"  // routing ids are at most 255 bytes
        return Data((head + tag).utf8)
    }

    private func runningList() -> [TrialAttempt] {
        attempts.keys.sorted { ($0.trial, $0.attempt) < ($1.trial, $1.attempt) }
            .map { TrialAttempt(trial: $0.trial, attempt: $0.attempt) }
    }

    private func hello(_ socket: ZMQSocket, resend: Bool) {
        lastHello = Date().timeIntervalSince1970
        // Attempts that ended but whose end is resent below still count as running here, so a
        // restarted coordinator waits for that end instead of presuming them lost.
        let ended = resend ? finished.map { TrialAttempt(trial: $0.0.trial, attempt: $0.0.attempt) } : []
        let h = Hello(name: options.name, host: ProcessInfo.processInfo.hostName, pid: Int(getpid()), slots: options.slots,
                      running: runningList() + ended)
        _ = try? socket.send(.hello(h))
        guard resend else { return }
        for (_, messages) in finished { for m in messages { _ = try? socket.send(m) } }
        for a in attempts.values { for m in a.sent { _ = try? socket.send(m) } }
        // A restarted coordinator forgot the downloads in flight: ask again, assemble afresh (§5.7).
        for (id, d) in downloads {
            downloads[id] = (d.ref, Data())
            _ = try? socket.send(.checkpointGet(CheckpointRequest(checkpoint: id)))
        }
    }

    private func leave(_ socket: ZMQSocket, reason: String, bye: Bool) {
        let runs = attempts.values.compactMap(\.run)
        for run in runs { run.stop() }
        if bye { _ = try? socket.send(.bye(Bye(reason: reason))) }  // not after SHUTDOWN (§5.8)
        // The children had SIGTERM: give them --stop-grace to save and exit, then SIGKILL (they
        // would otherwise die at once with this process, through their parent-death signal).
        let deadline = Date().addingTimeInterval(options.stopGrace)
        while runs.contains(where: { !$0.hasExited }), Date() < deadline { usleep(20_000) }
        for run in runs where !run.hasExited { run.kill() }
        log("\(options.name): \(reason); left the coordinator")
    }

    private func handle(_ message: Message, _ socket: ZMQSocket) throws {
        switch message {
        case .welcome(let w):
            if !welcomed, lastHello > 0, Date().timeIntervalSince1970 - lastHello > options.noticeInterval {
                log("\(options.name): the coordinator at \(options.connect) answered")
            }
            welcomed = true
            everWelcomed = true
            heartbeatInterval = max(0.05, w.heartbeatInterval)
            maxBodyBytes = w.maxBodyBytes
            ready(socket)
        case .assign(let a):
            start(a, socket)
        case .stop(let s):
            let ref = AttemptRef(trial: s.trial, attempt: s.attempt)
            guard var a = attempts[ref] else { return }
            a.stopRequested = true
            attempts[ref] = a
            if let run = a.run { run.stop() } else { attempts[ref] = nil; ready(socket) }
        case .checkpoint(let chunk):
            try received(chunk, socket)
        case .error(let e):
            if e.regarding == MessageType.hello.rawValue, !everWelcomed {
                // A first HELLO refused (another live worker has this name, an unsupported version):
                // waiting would be forever, so the worker says why and exits non-zero.
                log("\(options.name): the coordinator at \(options.connect) refused this worker: \(e.code.rawValue): \(e.message)")
                refusal = RuntimeError(.protocolViolation, "the coordinator at \(options.connect) refused worker '\(options.name)': \(e.message) (\(e.code.rawValue))")
            } else if e.code == .unknownPeer {
                welcomed = false
                if Date().timeIntervalSince1970 - lastHello > 1 { hello(socket, resend: true) }
            } else if e.code == .staleAttempt || e.code == .notLeaseHolder, let t = e.trial, let n = e.attempt {
                attempts[AttemptRef(trial: t, attempt: n)]?.run?.stop()
            } else if e.code == .nameInUse {
                // Another live connection holds this name: HELLO again (after UNKNOWN_PEER) until it is gone.
                if e.message != lastRefusal { log("coordinator: \(e.code.rawValue): \(e.message)") }
                lastRefusal = e.message
            } else {
                log("coordinator: \(e.code.rawValue): \(e.message)")
            }
        default:
            break
        }
    }

    private func start(_ assign: Assign, _ socket: ZMQSocket) {
        let ref = AttemptRef(trial: assign.trial, attempt: assign.attempt)
        let order = WorkOrder(
            assignment: Assignment(trial: assign.trial, config: assign.config, fromResource: assign.fromResource,
                                   toResource: assign.toResource, reportAt: assign.reportAt, bracket: assign.bracket),
            attempt: assign.attempt, checkpoint: assign.checkpoint == nil ? .none : .local, isFinal: assign.final)
        var active = ActiveAttempt(order: order)
        if let problem = MachineCheck.problem(cache: options.cache, minFreeBytes: options.minFreeBytes) {
            attempts[ref] = active
            fail(ref, problem, socket, machine: true)
            return
        }
        do {
            let json = try JSONEncoder().encode(assign.task)
            active.task = try TrialTask.parse(json: json)
            active.timeout = try TaskTimeout.parse(json: json)
        } catch {
            attempts[ref] = active
            fail(ref, "\(error)", socket)
            return
        }
        attempts[ref] = active
        if assign.fromResource > 0, !cache.holds(assign.trial, at: assign.fromResource) {
            guard let c = assign.checkpoint, c.id != "local" else {
                fail(ref, "the checkpoint at \(resourceLabel(assign.fromResource)) is neither in this worker's cache nor stored by the coordinator", socket)
                return
            }
            downloads[c.id] = (ref, Data())
            _ = try? socket.send(.checkpointGet(CheckpointRequest(checkpoint: c.id)))
            return
        }
        launch(ref, socket)
    }

    private func launch(_ ref: AttemptRef, _ socket: ZMQSocket) {
        guard let a = attempts[ref], let task = a.task else { return }
        do {
            let run = try TrialRun(order: a.order, task: task, cache: cache, rungExecutable: options.rungExecutable,
                                   stopGrace: options.stopGrace, timeout: a.timeout,
                                   dieWithParent: true)  // spawned from the socket thread, which lives as long as the worker
            attempts[ref]!.run = run
            let inbox = self.inbox
            Task.detached {
                for await event in run.events { inbox.lock.withLock { $0.append((ref, event)) } }
            }
        } catch {
            // The machine's fault if its cache went bad meanwhile; else the trial's (a bad command).
            let problem = MachineCheck.problem(cache: options.cache, minFreeBytes: options.minFreeBytes)
            fail(ref, "cannot start the trial: \(problem ?? "\(error)")", socket, machine: problem != nil)
        }
    }

    private func received(_ chunk: CheckpointChunk, _ socket: ZMQSocket) throws {
        guard var d = downloads[chunk.checkpoint] else { return }
        if chunk.index == 0 { d.data = Data() }
        d.data.append(chunk.bytes)
        downloads[chunk.checkpoint] = d
        guard chunk.index == chunk.count - 1 else { return }
        downloads[chunk.checkpoint] = nil
        guard let a = attempts[d.ref] else { return }
        guard d.data.count == chunk.size, SHA256.hex(d.data) == chunk.sha256 else {
            fail(d.ref, "checkpoint \(chunk.checkpoint) arrived damaged (\(d.data.count) of \(chunk.size) bytes, or a sha256 mismatch)", socket)
            return
        }
        do {
            try CheckpointArchive.unpack(d.data, into: cache.checkpoint(a.order.assignment.trial, at: a.order.assignment.fromResource))
        } catch {
            fail(d.ref, "cannot unpack checkpoint \(chunk.checkpoint): \(error)", socket)
            return
        }
        launch(d.ref, socket)
    }

    private func send(_ ref: AttemptRef, _ socket: ZMQSocket, _ make: (Int) -> Message) {
        guard var a = attempts[ref] else { return }
        a.seq += 1
        let m = make(a.seq)
        a.sent.append(m)
        attempts[ref] = a
        _ = try? socket.send(m)
    }

    private func fail(_ ref: AttemptRef, _ reason: String, _ socket: ZMQSocket, machine: Bool = false) {
        log("trial \(ref.trial) attempt \(ref.attempt) \(machine ? "not run (machine fault)" : "failed"): \(reason)")
        send(ref, socket) { .failed(Failed(trial: ref.trial, attempt: ref.attempt, seq: $0, error: reason,
                                           machine: machine ? true : nil)) }
        finish(ref, socket)
    }

    private func finish(_ ref: AttemptRef, _ socket: ZMQSocket) {
        guard let a = attempts.removeValue(forKey: ref) else { return }
        finished.append((ref, a.sent))
        if finished.count > 8 { finished.removeFirst() }
        ready(socket)
    }

    /// READY with the idle slots now (PROTOCOL.md §4.1): after WELCOME and whenever an attempt ends;
    /// the coordinator assigns no more than that.
    private func ready(_ socket: ZMQSocket) {
        _ = try? socket.send(.ready(Ready(freeSlots: max(0, options.slots - attempts.count))))
    }

    /// Keeps a report line for the attempt's PAUSED / DONE, unless its JSON (about the size of the
    /// printed line) would not fit in a message the coordinator accepts (then a `rung` log line says so; the line itself is logged).
    private func keep(_ report: ClassReport, printedAs line: String, for ref: AttemptRef, _ socket: ZMQSocket) {
        let size = line.utf8.count
        guard size <= maxBodyBytes / 2 else {
            send(ref, socket) { .log(LogLines(trial: ref.trial, attempt: ref.attempt, seq: $0, stream: .rung,
                                              lines: ["the per-class report (\(size) bytes) exceeds half the coordinator's message limit (\(self.maxBodyBytes) bytes); it stays in the log only"],
                                              time: Date().timeIntervalSince1970)) }
            return
        }
        attempts[ref]?.report = report
    }

    private func runEvent(_ ref: AttemptRef, _ event: TrialRunEvent, _ socket: ZMQSocket) throws {
        guard let a = attempts[ref] else { return }
        let now = Date().timeIntervalSince1970
        let t = ref.trial, n = ref.attempt
        switch event {
        case .report(let r):
            guard !a.stopRequested else { return }
            let atRung = a.order.assignment.reportAt.contains { same($0, r.resource) }
            send(ref, socket) { .report(Report(trial: t, attempt: n, seq: $0, resource: r.resource, metrics: r.metrics,
                                               atRung: atRung, time: now)) }
        case .log(let source, let line):
            guard !a.stopRequested else { return }  // PROTOCOL.md §5.3: nothing more after STOP
            let stream = Wire.LogStream(rawValue: source.rawValue) ?? .stdout
            send(ref, socket) { .log(LogLines(trial: t, attempt: n, seq: $0, stream: stream, lines: [line], time: now)) }
            if source == .stdout, line.contains("\"rung_report\""), let r = ReportLine(line: line) { keep(r.classReport, printedAs: line, for: ref, socket) }
        case .ended(let outcome):
            if a.stopRequested || stopFlag.withLock({ $0 }) {
                attempts[ref] = nil
                ready(socket)
                return
            }
            switch outcome {
            case .paused(let r):
                do {
                    let data = try CheckpointArchive.pack(cache.checkpoint(t, at: r))
                    let id = CheckpointName.id(trial: t, attempt: n, resource: r)
                    let sha = SHA256.hex(data)
                    let size = CheckpointName.chunkBytes
                    let count = max(1, (data.count + size - 1) / size)
                    for i in 0..<count {
                        let bytes = data.subdata(in: (i * size)..<min(data.count, (i + 1) * size))
                        let chunk = CheckpointChunk(checkpoint: id, trial: t, attempt: n, resource: r, index: i, count: count,
                                                    size: data.count, sha256: sha, bytes: bytes)
                        attempts[ref]!.sent.append(.checkpointPut(chunk))
                        _ = try? socket.send(.checkpointPut(chunk))
                    }
                    let report = attempts[ref]!.report
                    send(ref, socket) { .paused(Paused(trial: t, attempt: n, seq: $0, resource: r, checkpoint: id, report: report)) }
                } catch {
                    fail(ref, "cannot pack the checkpoint at \(resourceLabel(r)): \(error)", socket)
                    return
                }
            case .completed:
                send(ref, socket) { .done(Done(trial: t, attempt: n, seq: $0, resource: a.order.assignment.toResource, report: a.report)) }
            case .failed(let reason):
                // A checkpoint that cannot be kept is the machine's fault when its cache went bad.
                let problem = MachineCheck.problem(cache: options.cache, minFreeBytes: options.minFreeBytes)
                let text = problem.map { "\(reason) (\($0))" } ?? reason
                send(ref, socket) { .failed(Failed(trial: t, attempt: n, seq: $0, error: text, machine: problem != nil ? true : nil)) }
            case .machineFault(let reason):
                send(ref, socket) { .failed(Failed(trial: t, attempt: n, seq: $0, error: reason, machine: true)) }
            case .stopped:
                attempts[ref] = nil
                ready(socket)
                return
            }
            finish(ref, socket)
        }
    }
}
