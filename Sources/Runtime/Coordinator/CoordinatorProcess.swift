// The coordinator process: a ROUTER for workers and clients, a PUB for live events, the study
// store (with its coordinator log) around the pure `CoordinatorCore`, and the lock that makes it the
// study directory's only coordinator. One thread owns the sockets: it drains messages in batches,
// feeds the state machine, commits the batch (log records and their rows in one store transaction),
// and only then sends replies and publishes. Leaves out client queries
// (CoordinatorProcess+Clients.swift) and the CLI (RungCLI).
import Foundation
import Search
import Store
import Synchronization
import Wire

/// How to run a coordinator.
public struct CoordinatorOptions: Sendable {
    /// The study file (nil: the copy in `directory`, when restarting).
    public var studyFile: URL?
    /// The study directory (`runs/<name>`); nil: `runs/<study name>`.
    public var directory: URL?
    /// ROUTER endpoint for workers and clients.
    public var bind = "tcp://*:5555"
    /// PUB endpoint for live events.
    public var publish = "tcp://*:5556"
    /// Seconds between a worker's heartbeats (told in WELCOME).
    public var heartbeatInterval = 1.0
    /// Seconds of silence after which a worker's attempts are lost and queued again.
    public var leaseTimeout = 30.0
    /// Leave `run()` once the study is complete (after telling the workers).
    public var exitWhenComplete = true
    /// Sync the store to disk on every batch (survives a machine crash, slower).
    public var fsync = false
    /// Seconds to keep serving once the study is complete (SHUTDOWN reaches the workers, resent
    /// ends are answered) before `run()` returns.
    public var lingerAfterComplete = 1.0
    /// CURVE: the coordinator's key pair and the allow-list directory (PROTOCOL.md §9). Nil: plain
    /// TCP, which `init` accepts only on loopback endpoints unless `insecure`.
    public var curve: CurveServerSetup?
    /// Accept plain TCP on a non-loopback endpoint (the CLI's --insecure, which warns).
    public var insecure = false
    /// The most slots one worker may offer in HELLO; a HELLO offering more is refused.
    public var maxSlots = 64
    /// An earlier study's directory whose results seed the sampler (warm start), for a new study.
    public var warmStart: URL?
    public init(studyFile: URL? = nil, directory: URL? = nil) { self.studyFile = studyFile; self.directory = directory }
}

/// One step of a batch: a state machine action, or a reply that needs no persistence.
enum Step {
    case core(CoordinatorAction)
    case reply(PeerID, Message)
    /// The frames answering a message that did not decode (`Envelope.refusal`: an ERROR, in
    /// RUNG1's framing to a RUNG1 peer), routing id first.
    case refuse([Data])
    case publish(String, Message)
    /// A worker was heard from (its `last heartbeat` in the store).
    case seen(WorkerName)
    /// A log line to store, in its place among the records (the store takes an attempt's lines
    /// only while the attempt is open, so they must precede its end).
    case log(LogLine)
    /// The per-class report a PAUSED or DONE carried, to store as the trial's (deduplicated by the
    /// store, so a resend after a reconnect or a restart is harmless).
    case classReport(AttemptRef, resource: Double, ClassReport)
}

/// The coordinator process. `run()` blocks until the study is complete or `requestStop()`.
public final class CoordinatorProcess: @unchecked Sendable {
    // @unchecked: every mutable field is touched only by the thread inside `run()`, except
    // `stopFlag` and `queryReplies`, which are Mutexes; the `queries` queue reads only `store`
    // (Sendable) and `options` (immutable).
    private(set) var options: CoordinatorOptions
    /// The study being run.
    public let study: Study
    /// Its directory.
    public let directory: StudyDirectory
    let store: StudyStore
    /// Held for the coordinator's life: no second coordinator runs the same directory.
    let lock: StudyLock
    /// The study's task as workers receive it (a built-in task gets `epochs: R` unless it sets it).
    let workerTask: JSONValue
    let projection: StoreProjection
    var core: CoordinatorCore<SearchEngine>
    let stopFlag = Mutex(false)
    var peers: [PeerID: WorkerName] = [:]
    var peerOf: [WorkerName: PeerID] = [:]
    /// With CURVE: the public key each worker name joined with (its later messages must come with it).
    var keyOf: [WorkerName: String] = [:]
    var hosts: [WorkerName: (host: String, joined: Double, id: Int, pid: Int)] = [:]
    var uploads: [String: Int] = [:]
    var nextWorkerNumber = 1
    /// QUERY requests are read from the store on this serial queue, off the socket thread, so a
    /// long read (an export) does not hold up ingestion; QUERY replies keep their order.
    let queries = DispatchQueue(label: "rung.coordinator.queries")
    /// QUERY replies read and ready to send (by the socket thread, on its next turn).
    let queryReplies = Mutex<[(PeerID, Message)]>([])
    /// Called with a line for every scheduler decision (progress display); set before `run()`.
    public var onEvent: (@Sendable (String) -> Void)?
    /// How many log records were read back at start (0 for a new study).
    public let restoredRecords: Int
    /// What the warm start did (how many results seeded the sampler), if one was asked for.
    public private(set) var warmStartSummary: String?
    /// With CURVE: the allow-list in force (public key → roles), re-read when its directory changes.
    var allowed: [String: Set<PeerRole>] = [:]
    /// Lines for the operator (allow-list reloads, refused peers); standard error by default.
    public var log: @Sendable (String) -> Void = { FileHandle.standardError.write(Data(($0 + "\n").utf8)) }

    /// Takes the study directory's lock, opens or creates the study and rebuilds the state from its
    /// coordinator log. Throws `.studyBusy` naming the holder when another coordinator runs it.
    public init(options: CoordinatorOptions) throws {
        self.options = options
        let givenDir = options.directory.map { StudyDirectory($0) }
        var yaml: String
        if let file = options.studyFile {
            do { yaml = try String(contentsOf: file, encoding: .utf8) } catch {
                throw RuntimeError(.io, "cannot read the study file \(file.path): \(error.localizedDescription)")
            }
        } else if let dir = givenDir, dir.isStudyDirectory {
            yaml = try String(contentsOf: dir.studyFile, encoding: .utf8)
        } else {
            throw RuntimeError(.invalidArgument, "give --study FILE (or --dir of an existing study to carry on)")
        }
        let parsed = try Study.parse(yaml: yaml, source: options.studyFile?.lastPathComponent ?? "study.yaml")
        let dir = givenDir ?? StudyDirectory(URL(fileURLWithPath: "runs/\(parsed.name)", isDirectory: true))
        if dir.isStudyDirectory, let stored = try? String(contentsOf: dir.studyFile, encoding: .utf8), stored != yaml {
            throw RuntimeError(.invalidArgument, "\(dir.root.path) already holds a study made from a different study file; carry it on with the same file (or only --dir), or choose another --dir")
        }
        lock = try StudyLock(root: dir.root, holder: .current(bind: options.bind, publish: options.publish))
        study = parsed
        directory = dir
        var task = parsed.task
        if case .object(var o) = task, o["builtin"] != nil || o["kind"] == .string("builtin"), o["epochs"] == nil {
            o["epochs"] = .int(Int(parsed.budget.maxResource.rounded(.up)))
            task = .object(o)
        }
        workerTask = task
        // Fail early on a bad task (and its timeout), and on an objective a built-in task never reports.
        _ = try TaskTimeout.parse(json: JSONEncoder().encode(task))
        if case .builtin(let b) = try TrialTask.parse(json: JSONEncoder().encode(task)) {
            let reported = BuiltinTrial.metricNames(kind: b.kind)
            let file = options.studyFile?.path ?? dir.studyFile.path
            for (path, metric) in [("objective.metric", parsed.objective.metric)] + parsed.objective.constraints.map({ ("objective.constraints", $0.metric) })
            where !reported.contains(metric) {
                let line = Study.line(of: path, inYAML: yaml).map { ":\($0)" } ?? ""
                throw RuntimeError(.invalidArgument, "\(file)\(line): `\(path)` names '\(metric)', but the built-in \(b.kind) task does not report it; it reports: \(reported.joined(separator: ", "))")
            }
        }
        let now = Date().timeIntervalSince1970
        let info = StudyInfo(name: parsed.name, yaml: yaml, objective: parsed.objective.metric,
                             direction: parsed.objective.direction == .maximize ? .maximize : .minimize,
                             created: now, state: .running)
        store = try StudyStore.openOrCreate(dir, info: info, durability: options.fsync ? .full : .normal)
        let settings = CoordinatorCore<SearchEngine>.Settings(
            objective: parsed.objective.metric, maxResource: parsed.budget.maxResource,
            leaseTimeout: options.leaseTimeout, engineTickInterval: 10, maxAttempts: parsed.maxAttempts)
        let engine = SearchEngine(study: parsed)
        let projection = StoreProjection(objective: parsed.objective.metric, rungs: engine.rungs)
        self.projection = projection
        let records = try Self.readLog(store, projection: projection, now: now)
        restoredRecords = records.count
        core = .restore(engine: engine, settings: settings, journal: records, now: now)
        // Workers of an earlier run are not connected to this one until they say HELLO again.
        try markWorkers(.lost)
        if let other = options.warmStart {
            if records.isEmpty {
                let (results, summary) = try WarmStart.results(from: other, for: parsed)
                warmStartSummary = summary
                try persistNow(core.handle(.seed(results), now: now), now: now)
            } else {
                warmStartSummary = "warm start: ignored, the study is carrying on (it was seeded when it began, if asked then)"
            }
        }
    }

    /// Persists actions taken before the sockets exist (the warm start): log records and their rows in one transaction.
    private func persistNow(_ actions: [CoordinatorAction], now: Double) throws {
        let records = actions.compactMap { a -> JournalRecord? in if case .persist(let r) = a { return r } else { return nil } }
        let lines = try Journal.encode(records)
        try store.write { tx in
            try tx.appendCoordinatorRecords(lines)
            for a in actions {
                switch a {
                case .persist(let r): try projection.project(r, tx, now: now)
                case .publish(let e): if let (d, _) = projection.describe(e, now: now) { _ = try tx.recordDecision(d) }
                default: break
                }
            }
        }
    }

    /// The `coordinator.journal` file older coordinators kept beside the store.
    static func legacyJournal(_ dir: StudyDirectory) -> URL { dir.root.appendingPathComponent("coordinator.journal") }

    /// The study's log records from the store. A `coordinator.journal` left by an older coordinator
    /// is moved into the store first (projecting the records its store lacked), then renamed
    /// `coordinator.journal.migrated`. An empty log in a store that holds trials is refused.
    static func readLog(_ store: StudyStore, projection: StoreProjection, now: Double) throws -> [JournalRecord] {
        let dir = store.directory
        let source = "the coordinator log of \(dir.database.path)"
        let legacy = legacyJournal(dir)
        var lines = try store.coordinatorLog()
        if FileManager.default.fileExists(atPath: legacy.path) {
            guard lines.isEmpty else {
                throw RuntimeError(.damaged, "\(dir.root.path) holds both a coordinator log in study.sqlite and an old coordinator.journal; the store is the study's record: move \(legacy.path) away and start again")
            }
            let records = try Journal.readFile(legacy)
            lines = try Journal.encode(records)
            var position = try store.journalPosition()
            // A store written before positions were kept holds everything.
            if position == 0, try store.contentCounts().engineEvents > 0 { position = records.count }
            guard position <= records.count else {
                throw RuntimeError(.damaged, "\(legacy.path) holds \(records.count) records but the store already took \(position); the journal lost records: restore it from a copy, or start afresh in another --dir")
            }
            try store.write { tx in
                for r in records[position...] { try projection.project(r, tx, now: now) }
                try tx.appendCoordinatorRecords(lines)
                try tx.setJournalPosition(records.count)
            }
            do {
                try FileManager.default.moveItem(at: legacy, to: legacy.appendingPathExtension("migrated"))
            } catch {
                throw RuntimeError(.io, "moved \(legacy.path) into study.sqlite but cannot rename it: \(error.localizedDescription); remove it by hand")
            }
            return records
        }
        if lines.isEmpty {
            let counts = try store.contentCounts()
            guard counts.trials == 0, counts.engineEvents == 0 else {
                throw RuntimeError(.damaged, "\(dir.database.path) holds \(counts.trials) trials and \(counts.engineEvents) engine events but no coordinator log, so the study cannot be carried on (starting over would run its trials again on top of the old ones). Restore the directory from a copy, read it with `rung status`/`rung export`, or start afresh in another --dir")
            }
        }
        return try Journal.decode(lines, source: source)
    }

    /// Asks `run()` to return (thread-safe; used on SIGINT/SIGTERM).
    public func requestStop() { stopFlag.withLock { $0 = true } }

    /// The CURVE setup in force (nil: plain TCP).
    public var curve: CurveServerSetup? { options.curve }

    /// Sets the transport security after `init` (which checks the study first, so a study error
    /// is reported before a missing key): the CURVE setup, or plain TCP (off loopback only with
    /// `insecure`). Call before `run()`.
    public func useTransport(curve: CurveServerSetup?, insecure: Bool) {
        options.curve = curve
        options.insecure = insecure
    }

    /// True once the engine said the study is complete.
    public var isComplete: Bool { core.isComplete }

    /// When this process began serving (for the ETA).
    let startedAt = Date().timeIntervalSince1970
    /// Resource reported done when this process began (a restarted study's earlier work is not in its rate).
    lazy var usedAtStart = core.engine.usedResource

    private var finalTrials: Int {
        let e = core.engine
        return e.count(.completed) + e.count(.stopped) + e.count(.failed)
    }

    /// The resource a study of `trials` trials is expected to use: under successive halving,
    /// rung k gets n / η^k of the trials, each running from the rung below to r_k (Li et al. 2020,
    /// ASHA's budget); without a scheduler every trial runs to R.
    private func expectedResource(trials: Int) -> Double {
        let rungs = core.engine.rungs
        guard study.scheduler.bracketKind != .none else { return Double(trials) * (rungs.last ?? 0) }
        let eta = Double(study.budget.reductionFactor)
        var per = 0.0, previous = 0.0
        for (k, r) in rungs.enumerated() { per += (r - previous) / pow(eta, Double(k)); previous = r }
        return Double(trials) * per
    }

    /// `12/40 done, ETA 1 min 05 s` (`12 done` without a trial budget; `paused` or `draining` when
    /// an operator said so). The ETA divides the resource still expected by the rate at which
    /// epochs were reported since this process began. Call it on the coordinator's thread (from `onEvent`).
    public func progressText(now: Double = Date().timeIntervalSince1970) -> String {
        let done = finalTrials
        var text = "\(done)"
        if let total = study.trials {
            text += "/\(total) done"
            let used = core.engine.usedResource
            let rate = (used - usedAtStart) / max(1e-9, now - startedAt)
            if core.isComplete {
                text += ", finished"
            } else if rate > 0, used > usedAtStart {
                let left = max(0, expectedResource(trials: total) - used)
                text += ", ETA \(Readable.duration(left / rate))"
            } else {
                text += ", ETA -"
            }
        } else {
            text += " done"
        }
        if core.isPaused { text += ", paused" }
        if core.isDraining { text += ", draining" }
        return text
    }

    /// Serves until the study is complete (with `exitWhenComplete`) or a stop is requested.
    public func run() throws {
        let plainRemote = [options.bind, options.publish].filter { !Endpoint.isLoopback($0) }
        if options.curve == nil, !options.insecure, !plainRemote.isEmpty {
            throw RuntimeError(.invalidArgument, Endpoint.needsCurve(plainRemote, missing: "no coordinator key was given (--key FILE, --allow DIR)"))
        }
        _ = usedAtStart
        let context = try ZMQContext()
        let limits = Envelope.Limits.standard
        // CURVE: the ZAP handler admits only allow-listed keys; it must run before the binds.
        var authenticator: CurveAuthenticator?
        var allowFingerprint: [String] = []
        var hangupsSeen = HangupSignal.count
        if let curve = options.curve {
            allowFingerprint = AllowList.fingerprint(curve.allowList)
            let list = try AllowList.read(curve.allowList)
            authenticator = try CurveAuthenticator(context, users: list.zapUsers)
            adopt(list, from: curve.allowList)
        }
        defer { authenticator?.stop() }
        let security = options.curve?.socketOptions ?? []
        let router = try ZMQSocket(context, .router, options: [
            .linger(milliseconds: 500), .maxMessageSize(limits.socketMaxMessageSize),
            .sendHighWaterMark(100_000), .receiveHighWaterMark(100_000),
            // ZMTP heartbeats: a peer whose machine froze or vanished without closing its TCP
            // connection (power loss, a cable, SIGSTOP) answers no PING, and libzmq drops the
            // connection after the timeout, which the disconnect monitor below then reports.
            .heartbeatInterval(milliseconds: 2000), .heartbeatTimeout(milliseconds: 10_000),
        ] + security)
        let pub = try ZMQSocket(context, .pub, options: [.linger(milliseconds: 200), .sendHighWaterMark(100_000)] + security)
        defer { router.close(); pub.close() }
        try router.bind(options.bind)
        try pub.bind(options.publish)
        // A dropped connection (a killed worker's socket closes at once) is seen here in
        // milliseconds; whose it was shows when the others heartbeat within the grace below.
        let monitor = try router.disconnectMonitor("inproc://rung-router-monitor-\(UInt64.random(in: 0...UInt64.max))")
        defer { monitor.close() }
        let dropGrace = max(2.5 * options.heartbeatInterval, 1.0)
        var droppedAt: Double?
        defer {
            // Fold the WAL in, so study.sqlite alone is the whole study, then let another coordinator in.
            try? store.checkpointWAL()
            lock.release()
        }
        var lastTick = 0.0
        var lastAllowCheck = Date().timeIntervalSince1970
        var completeAt: Double?
        while !stopFlag.withLock({ $0 }) && !ParentWatch.parentGone {
            var steps: [Step] = []
            if let first = try router.receiveRouted(timeout: .milliseconds(50), limits: limits) {
                var batch = [first]
                while batch.count < 1024, let next = try router.receiveRouted(wait: false, limits: limits) {
                    batch.append(next)
                }
                let now = Date().timeIntervalSince1970
                for received in batch { handle(received, now: now, &steps) }
                try commit(steps, now: now, router: router, pub: pub)
                steps = []
            }
            for (peer, reply) in queryReplies.withLock({ r in defer { r = [] }; return r }) {
                _ = try? router.send(reply, to: peer, wait: false)
            }
            let now = Date().timeIntervalSince1970
            if let curve = options.curve, let authenticator, now - lastAllowCheck >= 1 || HangupSignal.count != hangupsSeen {
                lastAllowCheck = now
                let print = allowFingerprint
                allowFingerprint = AllowList.fingerprint(curve.allowList)
                if print != allowFingerprint || HangupSignal.count != hangupsSeen {
                    hangupsSeen = HangupSignal.count
                    do {
                        let list = try AllowList.read(curve.allowList)
                        authenticator.allow(users: list.zapUsers)
                        adopt(list, from: curve.allowList)
                    } catch {
                        log("rung coordinator: kept the previous allow-list: \(error)")
                    }
                }
            }
            while (try? monitor.receive(wait: false)) != nil {
                if droppedAt == nil { droppedAt = now }
            }
            if let since = droppedAt, now - since >= dropGrace {
                droppedAt = nil
                steps = core.handle(.connectionDropped(since: since), now: now).map(Step.core)
                try commit(steps, now: now, router: router, pub: pub)
            }
            if now - lastTick >= 0.25 {
                lastTick = now
                steps = core.handle(.tick, now: now).map(Step.core)
                try commit(steps, now: now, router: router, pub: pub)
            }
            if core.isComplete, options.exitWhenComplete {
                if completeAt == nil { completeAt = now }
                // Linger a moment so that workers receive SHUTDOWN and resent ends are answered.
                if now - completeAt! >= options.lingerAfterComplete { break }
            }
        }
        // No worker stays listed `active` once this process stops serving: after the study's end
        // they were told to leave; after a stop request they are cut off until they say HELLO again.
        try markWorkers(core.isComplete ? .left : .lost)
    }

    /// Sets every worker the store lists as active to `state`.
    func markWorkers(_ state: WorkerState) throws {
        let active = try store.workers().filter { $0.state == .active }
        guard !active.isEmpty else { return }
        try store.write { tx in for w in active { try tx.setWorkerState(w.id, state) } }
    }

    /// Turns one received message into steps (and log lines to store).
    func handle(_ received: RoutedMessage, now: Double, _ steps: inout [Step]) {
        let peer = received.peer
        let message: Message
        switch received.result {
        case .failure(let error):
            steps.append(.refuse(Envelope.refusal(for: error, frames: received.frames, to: peer)))
            return
        case .success(let m):
            message = m
        }
        if let needed = message.type.requiredRole, !roles(of: received).contains(needed) {
            let who = received.userID.map { "the key \(Self.key(ofUser: $0))" } ?? "this connection"
            steps.append(.reply(peer, .error(ErrorReply(code: .forbidden,
                message: "\(message.type.rawValue) needs the \(needed.rawValue) role; \(who) does not hold it (the coordinator's allow-list gives roles by folder: \(PeerRole.allCases.map { "\($0.folder)/ → \($0.rawValue)" }.joined(separator: ", ")))",
                regarding: message.type.rawValue))))
            return
        }
        if case .hello(let h) = message {
            hello(h, peer: peer, key: received.userID.map(Self.key(ofUser:)), now: now, &steps)
            return
        }
        if let reply = control(message, now: now, &steps) {
            steps.append(.reply(peer, reply))
            return
        }
        if case .workerRelease(let r) = message {
            let name = WorkerName(r.worker)
            let released = core.quarantined[name] != nil
            steps += core.handle(.releaseWorker(name), now: now).map(Step.core)
            steps.append(.reply(peer, .workerReleaseReply(WorkerReleaseReply(
                released: released, quarantined: core.quarantined.keys.sorted().map(\.rawValue)))))
            return
        }
        if case .query(let q) = message {
            let store = self.store, publish = options.publish
            queries.async { [self] in
                let reply = Self.answer(q, store: store, publish: publish)
                queryReplies.withLock { $0.append((peer, reply)) }
            }
            return
        }
        if let answer = clientAnswer(message) {
            steps.append(.reply(peer, answer))
            return
        }
        let subject = message.subject
        guard let name = peers[peer], options.curve == nil || keyOf[name] == received.userID.map(Self.key(ofUser:)) else {
            steps.append(.reply(peer, .error(ErrorReply(code: .unknownPeer,
                message: "this coordinator does not know you (it may have restarted): send HELLO, then resend",
                regarding: message.type.rawValue, trial: subject?.trial, attempt: subject?.attempt, seq: subject?.seq))))
            return
        }
        if let refusal = leaseRefusal(message, from: name) {
            steps.append(.reply(peer, .error(refusal)))
            return
        }
        // The core's refusals of this message become ERROR replies naming it (type, trial, attempt, seq).
        func input(_ i: CoordinatorInput) {
            for action in core.handle(i, now: now) {
                if case .refuse(let w, let refusal) = action, w == name {
                    steps.append(.reply(peer, .error(errorReply(refusal, regarding: message))))
                } else {
                    steps.append(.core(action))
                }
            }
        }
        if case .heartbeat = message { steps.append(.seen(name)) }
        switch message {
        case .ready, .heartbeat, .report, .failed:
            WorkerMessageInputs.inputs(message, from: name).forEach(input)
        case .log(let l):
            guard let lines = WorkerMessageInputs.logLines(l, now: now) else {
                steps.append(.reply(peer, .error(ErrorReply(code: .malformedBody,
                    message: "LOG body: `seq` \(l.seq) with \(l.lines.count) lines is out of range; accepted: seq 1…\(WireBounds.maxSeq), at most \(WireBounds.maxLinesPerLog) lines",
                    regarding: "LOG", trial: l.trial, attempt: l.attempt, seq: l.seq))))
                return
            }
            steps += lines.map(Step.log)
            steps.append(.publish(Topic.log(study: study.name, trial: l.trial, stream: l.stream), .log(l)))
        case .paused(let p):
            let ref = AttemptRef(trial: p.trial, attempt: p.attempt)
            if let r = p.report { classReport(r, of: ref, resource: p.resource, now: now, &steps) }
            WorkerMessageInputs.inputs(message, from: name).forEach(input)
        case .done(let d):
            let ref = AttemptRef(trial: d.trial, attempt: d.attempt)
            if let r = d.report { classReport(r, of: ref, resource: d.resource, now: now, &steps) }
            WorkerMessageInputs.inputs(message, from: name).forEach(input)
        case .checkpointPut(let chunk):
            upload(chunk, peer: peer, now: now, &steps)
        case .checkpointGet(let request):
            download(request, peer: peer, &steps)
        case .bye:
            WorkerMessageInputs.inputs(message, from: name).forEach(input)
            peers[peer] = nil
            peerOf[name] = nil
            keyOf[name] = nil
        default:
            steps.append(.reply(peer, .error(ErrorReply(code: .unexpectedMessage,
                message: "\(message.type.rawValue) is not something a coordinator accepts",
                regarding: message.type.rawValue))))
        }
    }

    /// The roles of the sender of `received`: every role on a plain (loopback or --insecure)
    /// connection; with CURVE, what the allow-list in force gives its key (a key removed from the
    /// list loses its roles at once, even on a connection made before).
    func roles(of received: RoutedMessage) -> Set<PeerRole> {
        guard options.curve != nil else { return Set(PeerRole.allCases) }
        guard let user = received.userID else { return [] }
        return allowed[Self.key(ofUser: user)] ?? []
    }

    /// The Z85 public key in a ZAP user id (`roles:KEY`).
    static func key(ofUser user: String) -> String { String(user.suffix(40)) }  // Z85 may hold ':'

    /// Takes a freshly read allow-list into force and logs what changed.
    private func adopt(_ list: AllowList, from dir: URL) {
        for s in list.skipped { log("rung coordinator: allow-list: skipped \(s)") }
        if list.roles != allowed {
            let counts = PeerRole.allCases.map { r in "\(list.roles.values.filter { $0.contains(r) }.count) \(r.rawValue)" }
            log("rung coordinator: allow-list \(dir.path): \(list.roles.count) keys (\(counts.joined(separator: ", ")))")
        }
        allowed = list.roles
    }

    /// Queues a report for the store, or, when its shape is wrong, a line in the trial's log
    /// saying why it was not kept (the trial itself goes on).
    private func classReport(_ report: ClassReport, of ref: AttemptRef, resource: Double, now: Double,
                             _ steps: inout [Step]) {
        if let problem = report.problem {
            steps.append(.log(LogLine(trial: ref.trial, attempt: ref.attempt, seq: Self.reportNoteSeq, time: now,
                                      stream: .rung, text: "per-class report not kept: \(problem)")))
        } else {
            steps.append(.classReport(ref, resource: resource, report))
        }
    }

    /// The journal seq of the note about a refused report: above any LOG line's (seq × 1000 + i).
    static let reportNoteSeq = WorkerMessageInputs.reportNoteSeq

    /// The ERROR for a message about an attempt (REPORT, LOG, PAUSED, DONE, FAILED, CHECKPOINT_PUT,
    /// CHECKPOINT_GET) from a worker that does not hold that attempt's lease; nil when it does, or
    /// the message is about no attempt. Nothing of a refused message is recorded.
    func leaseRefusal(_ message: Message, from name: WorkerName) -> ErrorReply? {
        let ref: AttemptRef
        switch message {
        case .report(let r): ref = AttemptRef(trial: r.trial, attempt: r.attempt)
        case .log(let l): ref = AttemptRef(trial: l.trial, attempt: l.attempt)
        case .paused(let p): ref = AttemptRef(trial: p.trial, attempt: p.attempt)
        case .done(let d): ref = AttemptRef(trial: d.trial, attempt: d.attempt)
        case .failed(let f): ref = AttemptRef(trial: f.trial, attempt: f.attempt)
        case .checkpointPut(let c): ref = AttemptRef(trial: c.trial, attempt: c.attempt)
        case .checkpointGet(let g):
            // Only the worker running the trial (the resume that needs the checkpoint) may read it.
            guard let (trial, _) = CheckpointName.parse(g.checkpoint) else { return nil }  // answered BAD_CHECKPOINT
            guard let live = core.trials[trial]?.live, live.worker == name else {
                return ErrorReply(code: .notLeaseHolder,
                    message: "checkpoint '\(g.checkpoint)' is for trial \(trial.rawValue), which is not running on '\(name.rawValue)'; only the worker resuming it may fetch it",
                    regarding: "CHECKPOINT_GET", trial: trial)
            }
            return nil
        default:
            return nil
        }
        guard let holder = core.leaseHolders[ref], holder == name else {
            let whose = core.leaseHolders[ref] == nil ? "was never leased" : "is leased to another worker"
            return ErrorReply(code: .notLeaseHolder,
                message: "trial \(ref.trial.rawValue) attempt \(ref.attempt) \(whose), not to '\(name.rawValue)'; \(message.type.rawValue) refused, nothing recorded",
                regarding: message.type.rawValue, trial: ref.trial, attempt: ref.attempt)
        }
        return nil
    }

    private func hello(_ h: Hello, peer: PeerID, key: String?, now: Double, _ steps: inout [Step]) {
        guard h.slots >= 1, !h.name.isEmpty else {
            steps.append(.reply(peer, .error(ErrorReply(code: .malformedBody,
                message: "HELLO needs a non-empty name and slots ≥ 1; got name '\(h.name)', slots \(h.slots)",
                regarding: "HELLO"))))
            return
        }
        guard h.slots <= options.maxSlots else {
            steps.append(.reply(peer, .error(ErrorReply(code: .limitExceeded,
                message: "HELLO offers \(h.slots) slots; this coordinator takes at most \(options.maxSlots) per worker (its --max-slots); start the worker with --slots \(options.maxSlots) or fewer",
                regarding: "HELLO"))))
            return
        }
        let name = WorkerName(h.name)
        // A live worker's name is its own: refused to any other connection (or, with CURVE, any
        // other key) until it says BYE or its lease runs out.
        if core.workers[name]?.introduced == true, let old = peerOf[name], old != peer || (options.curve != nil && keyOf[name] != key) {
            let heard = core.workers[name].map { String(format: "%.1f", max(0, now - $0.lastSeen)) } ?? "?"
            steps.append(.reply(peer, .error(ErrorReply(code: .nameInUse,
                message: "the worker '\(h.name)' (host \(hosts[name]?.host ?? "?"), last heard \(heard) s ago) is still connected; this HELLO is refused until it leaves or is silent for \(Int(options.leaseTimeout)) s. Give each worker its own --name",
                regarding: "HELLO"))))
            return
        }
        if let old = peerOf[name], old != peer { peers[old] = nil }
        peers[peer] = name
        peerOf[name] = peer
        keyOf[name] = key
        let id = hosts[name]?.id ?? { defer { nextWorkerNumber += 1 }; return nextWorkerNumber }()
        let restarted = hosts[name].map { $0.pid != h.pid } ?? false
        hosts[name] = (h.host, hosts[name]?.joined ?? now, id, h.pid)
        if restarted {
            // A restarted worker process starts with a clean record (its machine may be fixed).
            steps += core.handle(.releaseWorker(name), now: now).map(Step.core)
        }
        steps.append(.reply(peer, .welcome(Welcome(worker: Wire.WorkerID(id), study: study.name,
                                                   heartbeatInterval: options.heartbeatInterval,
                                                   leaseTimeout: options.leaseTimeout))))
        let running = h.running.map { AttemptRef(trial: $0.trial, attempt: $0.attempt) }
        steps += core.handle(.hello(name, slots: h.slots, running: running), now: now).map(Step.core)
    }

    private func upload(_ chunk: CheckpointChunk, peer: PeerID, now: Double, _ steps: inout [Step]) {
        let key = "\(chunk.trial)/\(chunk.attempt)"
        let offset = chunk.index == 0 ? 0 : (uploads[key] ?? 0)
        do {
            try store.putCheckpointChunk(trial: chunk.trial, attempt: chunk.attempt, offset: offset, data: chunk.bytes)
            uploads[key] = offset + chunk.bytes.count
            guard chunk.index == chunk.count - 1 else { return }
            uploads[key] = nil
            try store.finishCheckpoint(trial: chunk.trial, attempt: chunk.attempt, resource: chunk.resource,
                                       bytes: chunk.size, sha256: chunk.sha256, now: now)
            steps.append(.reply(peer, .checkpointStored(CheckpointStored(checkpoint: chunk.checkpoint, size: chunk.size))))
            steps += core.handle(.checkpointStored(trial: chunk.trial, resource: chunk.resource), now: now).map(Step.core)
        } catch {
            uploads[key] = nil
            steps.append(.reply(peer, .error(ErrorReply(code: .badCheckpoint, message: "\(error)", regarding: "CHECKPOINT_PUT",
                                                        trial: chunk.trial, attempt: chunk.attempt))))
        }
    }

    private func download(_ request: CheckpointRequest, peer: PeerID, _ steps: inout [Step]) {
        do {
            guard let (trial, attempt) = CheckpointName.parse(request.checkpoint),
                  let record = try store.checkpoint(trial: trial, attempt: attempt) else {
                throw RuntimeError(.invalidArgument, "checkpoint '\(request.checkpoint)' is not stored here")
            }
            let chunk = CheckpointName.chunkBytes
            let count = max(1, (record.bytes + chunk - 1) / chunk)
            for index in 0..<count {
                let bytes = try store.readCheckpointChunk(trial: trial, attempt: attempt, offset: index * chunk, length: chunk)
                steps.append(.reply(peer, .checkpoint(CheckpointChunk(
                    checkpoint: request.checkpoint, trial: trial, attempt: attempt, resource: record.resource,
                    index: index, count: count, size: record.bytes, sha256: record.sha256, bytes: bytes))))
            }
        } catch {
            steps.append(.reply(peer, .error(ErrorReply(code: .badCheckpoint, message: "\(error)", regarding: "CHECKPOINT_GET"))))
        }
    }

    /// Persists the batch (its log records and their rows in one store transaction), then sends and publishes.
    func commit(_ steps: [Step], now: Double, router: ZMQSocket, pub: ZMQSocket) throws {
        guard !steps.isEmpty else { return }
        var records: [JournalRecord] = []
        var decisions: [(DecisionRecord, Wire.StudyEvent?)] = []
        for case .core(let action) in steps {
            switch action {
            case .persist(let r): records.append(r)
            case .publish(let e): if let d = projection.describe(e, now: now, value: rungValue) { decisions.append(d) }
            default: break
            }
        }
        let lines = try Journal.encode(records)
        let workerRows = steps.compactMap { step -> WorkerRecord? in
            guard case .core(.publish(.workerJoined(let w, let slots))) = step, let h = hosts[w] else { return nil }
            let reason = core.quarantined[w]
            return WorkerRecord(id: w.rawValue, name: w.rawValue, host: h.host, slots: slots, lastHeartbeat: now,
                                state: reason == nil ? .active : .quarantined, joined: h.joined, note: reason)
        }
        let left = steps.compactMap { step -> WorkerName? in
            if case .core(.publish(.workerLeft(let w))) = step { return w } else { return nil }
        }
        try store.write { tx in
            try tx.appendCoordinatorRecords(lines)
            for step in steps {
                switch step {
                case .core(.persist(let r)): try projection.project(r, tx, now: now)
                case .core(.publish(let e)):
                    if let (d, _) = projection.describe(e, now: now, value: rungValue) { _ = try tx.recordDecision(d) }
                case .log(let l): _ = try tx.recordLog(l)
                case .classReport(let ref, let resource, let report):
                    _ = try tx.recordClassReport(ref.trial, attempt: ref.attempt, resource: resource, report: report, now: now)
                case .seen(let w): try tx.heartbeat(worker: w.rawValue, now: now)
                default: break
                }
            }
            for w in workerRows { try tx.upsertWorker(w) }
            for w in left { try tx.setWorkerState(w.rawValue, .left) }
        }
        for step in steps {
            switch step {
            case .reply(let peer, let m):
                // Fencing is visible in the coordinator's log: a superseded attempt's messages (a
                // worker back from a partition) are refused with STALE_ATTEMPT, never recorded.
                if case .error(let e) = m, e.code == .staleAttempt, let name = peers[peer] {
                    onEvent?("\(TimeText.iso(Date().timeIntervalSince1970).suffix(13)) refused \(name): \(e.message)")
                }
                _ = try? router.send(m, to: peer, wait: false)
            case .refuse(let frames):
                _ = try? router.send(frames, wait: false)
            case .publish(let topic, let m):
                _ = try? pub.publish(m, topic: topic, wait: false)
            case .core(.send(let w, let command)):
                guard let peer = peerOf[w] else { continue }
                _ = try? router.send(message(for: command), to: peer, wait: false)
            case .core(.refuse(let w, let refusal)):
                if case .supersededAttempt = refusal {
                    onEvent?("\(TimeText.iso(Date().timeIntervalSince1970).suffix(13)) refused \(w): \(refusal.description)")
                }
                guard let peer = peerOf[w] else { continue }
                _ = try? router.send(.error(errorReply(refusal)), to: peer, wait: false)
            case .core(.persist), .core(.publish), .log, .seen, .classReport:
                break
            }
        }
        if let onEvent {
            for (d, _) in decisions {
                let who = d.trial.map { "trial \($0.rawValue) " } ?? ""
                onEvent("\(TimeText.iso(d.time).suffix(13)) \(who)\(d.detail)")
            }
        }
        for (_, event) in decisions {
            if let e = event { _ = try? pub.publish(.event(e), topic: Topic.event(study: study.name, kind: e.kind), wait: false) }
        }
    }

    /// A trial's objective at its last rung milestone, for the stream's pause and promotion lines.
    func rungValue(_ t: TrialID) -> RungValue? { core.trials[t]?.lastRungValue }

    private func message(for command: WorkerCommand) -> Message {
        switch command {
        case .assign(let order):
            let a = order.assignment
            var ref: CheckpointRef?
            if a.fromResource > 0 {
                if let stored = try? store.latestCheckpoint(a.trial), same(stored.resource, a.fromResource) {
                    ref = CheckpointRef(id: CheckpointName.id(trial: a.trial, attempt: stored.attempt, resource: stored.resource),
                                        resource: stored.resource, size: stored.bytes, sha256: stored.sha256)
                } else {
                    ref = CheckpointRef(id: "local", resource: a.fromResource, size: 0, sha256: "")
                }
            }
            return .assign(Assign(trial: a.trial, attempt: order.attempt, config: a.config, task: workerTask,
                                  fromResource: a.fromResource, toResource: a.toResource, reportAt: a.reportAt,
                                  bracket: a.bracket, final: order.isFinal, checkpoint: ref,
                                  objective: ObjectiveRef(metric: study.objective.metric,
                                                          direction: study.objective.direction == .maximize ? "maximize" : "minimize")))
        case .stop(let ref):
            return .stop(Stop(trial: ref.trial, attempt: ref.attempt, reason: "stopped by the scheduler"))
        case .shutdown:
            return .shutdown(Shutdown(reason: "the study is complete"))
        }
    }

    /// The ERROR for a refusal; `message`, when known, is the refused one (its type, trial,
    /// attempt and seq are repeated, PROTOCOL.md §4.2).
    func errorReply(_ refusal: Refusal, regarding message: Message? = nil) -> ErrorReply {
        let code: WireError.Code
        var trial: TrialID?, attempt: Int?
        switch refusal {
        case .unknownWorker: code = .unknownPeer
        case .supersededAttempt(let ref, _): code = .staleAttempt; trial = ref.trial; attempt = ref.attempt
        case .unknownTrial(let t): code = .unknownTrial; trial = t
        case .unassignedAttempt(let ref, _): code = .unexpectedMessage; trial = ref.trial; attempt = ref.attempt
        case .malformed: code = .malformedBody
        case .invalid: code = .unexpectedMessage
        }
        let subject = message?.subject
        return ErrorReply(code: code, message: refusal.description, regarding: message?.type.rawValue,
                          trial: trial ?? subject?.trial, attempt: attempt ?? subject?.attempt, seq: subject?.seq)
    }
}

/// Checkpoint ids on the wire: `t<trial>-a<attempt>-r<resource>`; chunk size for transfers.
public enum CheckpointName {
    /// Bytes per CHECKPOINT_PUT / CHECKPOINT chunk.
    public static let chunkBytes = 1 << 20
    /// The id of the checkpoint `attempt` of `trial` wrote at `resource`.
    public static func id(trial: TrialID, attempt: Int, resource: Double) -> String {
        "t\(trial.rawValue)-a\(attempt)-r\(resourceLabel(resource))"
    }
    /// Trial and attempt of an id, or nil if it is not one.
    public static func parse(_ id: String) -> (TrialID, Int)? {
        let parts = id.split(separator: "-")
        guard parts.count == 3, parts[0].first == "t", parts[1].first == "a",
              let t = Int(parts[0].dropFirst()), let a = Int(parts[1].dropFirst()) else { return nil }
        return (TrialID(t), a)
    }
}
