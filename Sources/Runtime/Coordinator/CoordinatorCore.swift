// The coordinator as a pure state machine: workers, slots, leases, attempts, dedupe and checkpoint
// holders around the search engine. `handle(_:now:)` returns actions (persist, send, publish) in the
// order the process must perform them: every record is persisted before the replies that follow it.
// Leaves out sockets, the store and clocks (the process injects `now`); dispatching lives in
// CoordinatorCore+Dispatch.swift.
import Search

/// Where a trial stands, as the coordinator sees it.
public enum TrialPhase: Hashable, Codable, Sendable {
    /// Decided by the engine, waiting for a slot (and, for a resume, its checkpoint).
    case queued
    /// An attempt is running on a worker.
    case running
    /// Paused at a rung with a checkpoint; the engine may promote it.
    case paused(resource: Double)
    /// Its worker vanished; the engine will resume it as a new attempt.
    case lost
    /// Reached the maximum resource.
    case completed
    /// Stopped by the engine (lost its rung).
    case stopped
    /// Failed for good.
    case failed(reason: String)

    /// True once the trial will never run again.
    public var isFinal: Bool {
        switch self {
        case .completed, .stopped, .failed: return true
        default: return false
        }
    }
}

/// The coordinator's bookkeeping for one trial.
public struct TrialBook: Hashable, Sendable {
    /// Where the trial stands.
    public var state: TrialPhase = .queued
    /// The latest assignment (the one running, or the one that ran last).
    public var assignment: Assignment
    /// The last attempt number handed out (0 before the first).
    public var attempt: Int = 0
    /// The worker of the attempt occupying a slot, if any (it may be ending after STOP); that
    /// attempt is `attempt`.
    public var liveWorker: WorkerName?
    /// The highest report sequence number accepted from the current attempt.
    public var lastSeq: Int = 0
    /// The report at the assignment's `toResource`, held back until the attempt ends (pause or
    /// completion), so the engine learns of a pause only once its checkpoint exists.
    public var pendingMilestone: EpochReport?
    /// The resource of the latest checkpoint, if any.
    public var checkpointResource: Double?
    /// Workers whose caches hold that checkpoint.
    public var checkpointHolders: Set<WorkerName> = []
    /// Whether the coordinator's artifact store holds that checkpoint.
    public var checkpointStored = false
    /// The objective at the last rung milestone the trial reported (resource, value).
    public var lastRungValue: RungValue?
    /// Workers on which an attempt of the trial failed since its last success, in order. The
    /// trial runs again on another worker before a failure counts as its own (PROTOCOL.md, FAILED).
    public var failedOn: [WorkerName] = []

    /// The attempt occupying a worker slot, if any.
    public var live: (worker: WorkerName, attempt: Int)? { liveWorker.map { ($0, attempt) } }

    init(assignment: Assignment) { self.assignment = assignment }
}

/// The objective value a trial reported at one rung milestone.
public struct RungValue: Hashable, Sendable {
    public var resource: Double
    public var value: Double
}

/// A connected (or, after a restart, remembered) worker.
public struct WorkerBook: Hashable, Sendable {
    /// Slots it offered in HELLO (0 until it says HELLO).
    public var slots: Int
    /// Attempts it is running.
    public var running: Set<AttemptRef>
    /// When it was last heard from.
    public var lastSeen: Double
    /// False for a worker remembered from the journal that has not said HELLO since the restart.
    public var introduced: Bool
    /// The free slots the worker last announced (READY or HEARTBEAT `freeSlots`), less the
    /// assignments sent to it since; nil until it announces any (then only `slots` bounds it).
    public var announced: Int? = nil
    /// Free slots: its slots less its running attempts, and no more than it announced (a stopped
    /// attempt frees its slot here at once, but on the worker only once it has ended).
    public var idle: Int {
        guard introduced else { return 0 }
        return max(0, min(slots - running.count, announced ?? Int.max))
    }
}

/// The coordinator's state machine (STYLE.md: value type, `mutating handle -> [Action]`).
public struct CoordinatorCore<Engine: SearchDriving> {
    /// Settings fixed for a study.
    public struct Settings: Hashable, Sendable {
        /// The metric whose value goes to the engine (the study's objective, as measured).
        public var objective: String
        /// A worker silent for longer than this (seconds) is dead; its attempts are lost.
        public var leaseTimeout: Double
        /// How often (seconds) `.tick` is passed on to the engine (each is journaled).
        public var engineTickInterval: Double
        /// The study's maximum resource R: an assignment up to it completes its trial.
        public var maxResource: Double
        /// The study's `max_attempts`: failed attempts a trial may have before it fails for good
        /// (it fails at once when a second machine fails it too).
        public var maxAttempts: Int
        /// Trials that failed on a worker and then succeeded on others, since that worker's last
        /// success, after which the worker is quarantined.
        public var quarantineAfter: Int
        public init(objective: String, maxResource: Double, leaseTimeout: Double = 10, engineTickInterval: Double = 30,
                    maxAttempts: Int = 3, quarantineAfter: Int = 2) {
            self.objective = objective; self.maxResource = maxResource
            self.leaseTimeout = leaseTimeout; self.engineTickInterval = engineTickInterval
            self.maxAttempts = maxAttempts; self.quarantineAfter = quarantineAfter
        }
    }

    /// The search engine being driven.
    public private(set) var engine: Engine
    /// The study's settings.
    public let settings: Settings
    /// Every trial the engine has decided on.
    public internal(set) var trials: [TrialID: TrialBook] = [:]
    /// Assignments waiting for a slot, in decision order.
    public internal(set) var queue: [Assignment] = []
    /// Workers known now.
    public internal(set) var workers: [WorkerName: WorkerBook] = [:]
    /// The worker each attempt was leased to (from its `.started` record): only it may send
    /// messages about the attempt.
    public internal(set) var leaseHolders: [AttemptRef: WorkerName] = [:]
    /// True once the engine said the study is complete.
    public internal(set) var isComplete = false
    /// Workers that get no new work, with the reason (a machine fault), until released.
    public internal(set) var quarantined: [WorkerName: String] = [:]
    /// Per worker, the trials whose attempt failed there and then succeeded on another worker,
    /// since the worker's own last success: failures that recur on one machine and not elsewhere.
    public internal(set) var strikes: [WorkerName: [TrialID]] = [:]
    /// Per worker, the reason of the last attempt that failed there.
    public internal(set) var lastFailure: [WorkerName: String] = [:]
    /// True while an operator has paused new assignments (`rung pause`).
    public internal(set) var isPaused = false
    /// True once an operator asked the study to drain (`rung stop-study --drain`).
    public internal(set) var isDraining = false
    /// The trial an operator is stopping right now (its stop is published as the operator's).
    var operatorStop: TrialID?
    var lastEngineTick: Double
    /// The engine's last answer to `.slotFree` started nothing and no other event has reached it
    /// since: asking again would only add another `.slotFree` to the journal.
    var engineWaiting = false

    /// A coordinator for a new study.
    public init(engine: Engine, settings: Settings, now: Double = 0) {
        self.engine = engine; self.settings = settings; self.lastEngineTick = now
    }

    /// Rebuilds the coordinator from its journal: the engine replays the `.engine` records (its
    /// decisions are already in the journal as later records) and the bookkeeping folds the rest.
    /// Workers that were running attempts are remembered until they say HELLO again or their lease
    /// runs out (counted from `now`).
    public static func restore(engine: Engine, settings: Settings, journal: some Sequence<JournalRecord>,
                               now: Double) -> CoordinatorCore {
        var core = CoordinatorCore(engine: engine, settings: settings, now: now)
        for record in journal {
            if case .engine(let event, let at) = record {
                _ = core.engine.handle(event, now: at)
            } else {
                core.apply(record, now: now)
            }
        }
        return core
    }

    /// Handles one input at time `now` and returns what to do, in order.
    public mutating func handle(_ input: CoordinatorInput, now: Double) -> [CoordinatorAction] {
        var out: [CoordinatorAction] = []
        if let (w, problem) = Self.problem(of: input) {
            out.append(.refuse(w, .malformed(problem)))
            return out
        }
        switch input {
        case .hello(let w, let slots, let running):
            hello(w, slots: slots, running: running, now: now, &out)
        case .heartbeat(let w, let running):
            guard touch(w, now: now, &out) else { break }
            for ref in running where !isLive(ref, on: w) {
                out.append(.send(w, .stop(ref)))
            }
        case .ready(let w, let free):
            guard touch(w, now: now, &out) else { break }
            workers[w]!.announced = free
        case .report(let w, let report):
            guard touch(w, now: now, &out) else { break }
            accept(report, from: w, now: now, &out)
        case .ended(let w, let ref, let outcome):
            guard touch(w, now: now, &out) else { break }
            end(ref, outcome, from: w, now: now, &out)
        case .checkpointStored(let trial, let resource):
            guard resource.isFinite, trials[trial] != nil else { break }
            record(.checkpointStored(trial: trial, resource: resource), now: now, &out)
        case .goodbye(let w):
            if workers[w] != nil { retire(w, now: now, &out) }
        case .connectionDropped(let since):
            guard !isComplete else { break }  // workers leave after SHUTDOWN: nothing to take back
            let dead = workers.filter { $0.value.introduced && $0.value.lastSeen < since }.keys.sorted()
            for w in dead { retire(w, now: now, &out) }
        case .releaseWorker(let w):
            if quarantined[w] != nil {
                record(.released(w), now: now, &out)
                out.append(.publish(.workerReleased(w)))
            }
        case .stopStudy(let drain):
            guard !isComplete else { break }
            if drain {
                if !isDraining {
                    record(.draining, now: now, &out)
                    out.append(.publish(.control(.draining)))
                }
            } else {
                endStudy(now: now, &out)
            }
        case .pause:
            guard !isPaused, !isComplete else { break }
            record(.assignmentsPaused(true), now: now, &out)
            out.append(.publish(.control(.paused)))
        case .resume:
            guard isPaused else { break }
            record(.assignmentsPaused(false), now: now, &out)
            out.append(.publish(.control(.resumed)))
        case .stopTrial(let t):
            guard let book = trials[t], !book.state.isFinal else { break }
            operatorStop = t
            decide(feed(.stopRequested(trial: t), now: now, &out), now: now, &out)
            operatorStop = nil
        case .enqueue(let config):
            guard !isComplete else { break }
            out.append(.publish(.control(.enqueued(config))))
            decide(feed(.enqueued(config: config), now: now, &out), now: now, &out)
        case .seed(let results):
            guard !results.isEmpty else { break }
            out.append(.publish(.control(.seeded(results.count))))
            decide(feed(.seeded(results: results), now: now, &out), now: now, &out)
        case .tick:
            let dead = workers.filter { now - $0.value.lastSeen > settings.leaseTimeout }.keys.sorted()
            for w in dead { retire(w, now: now, &out) }
            if now - lastEngineTick >= settings.engineTickInterval, !isComplete {
                lastEngineTick = now
                decide(feed(.tick, now: now, &out), now: now, &out)
            }
        }
        dispatch(now: now, &out)
        if isDraining, !isComplete, !trials.values.contains(where: { $0.liveWorker != nil }) {
            endStudy(now: now, &out)
        }
        return out
    }

    /// Stops every trial that is not final (the engine hears of each, so its state and a replay
    /// agree) and completes the study.
    private mutating func endStudy(now: Double, _ out: inout [CoordinatorAction]) {
        for t in trials.keys.sorted() where !(trials[t]!.state.isFinal) {
            operatorStop = t
            decide(feed(.stopRequested(trial: t), now: now, &out), now: now, &out)
            if trials[t]?.state.isFinal == false { decide([.stop(t)], now: now, &out) }
            operatorStop = nil
        }
        decide([.complete], now: now, &out)
    }

    // MARK: - Inputs

    private mutating func hello(_ w: WorkerName, slots: Int, running: [AttemptRef], now: Double,
                                _ out: inout [CoordinatorAction]) {
        let remembered = workers[w]?.running ?? []
        workers[w] = WorkerBook(slots: slots, running: remembered, lastSeen: now, introduced: true)
        out.append(.publish(.workerJoined(w, slots: slots)))
        let claimed = Set(running)
        for ref in remembered.sorted(by: { $0.trial < $1.trial }) where !claimed.contains(ref) {
            lose(ref, worker: w, now: now, &out)
        }
        for ref in running where !isLive(ref, on: w) {
            out.append(.send(w, .stop(ref)))
        }
    }

    /// Marks `w` as heard from; refuses a worker that has not said HELLO.
    private mutating func touch(_ w: WorkerName, now: Double, _ out: inout [CoordinatorAction]) -> Bool {
        guard workers[w]?.introduced == true else {
            out.append(.refuse(w, .unknownWorker(w)))
            return false
        }
        workers[w]!.lastSeen = now
        return true
    }

    private func isLive(_ ref: AttemptRef, on w: WorkerName) -> Bool {
        guard let book = trials[ref.trial], let live = book.live else { return false }
        return live.worker == w && live.attempt == ref.attempt
    }

    private mutating func accept(_ report: EpochReport, from w: WorkerName, now: Double,
                                 _ out: inout [CoordinatorAction]) {
        let ref = report.ref
        guard let book = trials[ref.trial] else {
            out.append(.refuse(w, .unknownTrial(ref.trial)))
            return
        }
        guard isLive(ref, on: w) else {
            out.append(.refuse(w, ref.attempt > book.attempt ? .unassignedAttempt(ref, current: book.attempt)
                                                             : .supersededAttempt(ref, current: book.live?.attempt)))
            out.append(.send(w, .stop(ref)))
            return
        }
        guard report.seq > book.lastSeq else { return }  // a duplicate: already recorded
        record(.epoch(report), now: now, &out)
        out.append(.publish(.epoch(report)))
        guard book.state == .running else { return }  // stopping or failing: data only
        let a = book.assignment
        let isMilestone = a.reportAt.contains { same($0, report.resource) }
        guard isMilestone, !same(report.resource, a.toResource) else { return }
        guard let value = report.metrics[settings.objective] else {
            failTrial(ref.trial, reason: missingObjective(report.resource, reported: report.metrics), now: now, &out)
            stopLive(ref, on: w, now: now, &out)
            return
        }
        let event = SearchEvent.reported(trial: ref.trial, resource: report.resource, value: value,
                                         metrics: report.metrics)
        decide(feed(event, now: now, &out), now: now, &out)
    }

    private mutating func end(_ ref: AttemptRef, _ outcome: AttemptEnd, from w: WorkerName, now: Double,
                              _ out: inout [CoordinatorAction]) {
        guard let book = trials[ref.trial] else {
            out.append(.refuse(w, .unknownTrial(ref.trial)))
            return
        }
        guard isLive(ref, on: w) else {
            // A resend of an end already recorded (after a reconnect) has no effect and no answer;
            // an attempt never assigned or superseded by a later one is refused.
            if ref.attempt > book.attempt {
                out.append(.refuse(w, .unassignedAttempt(ref, current: book.attempt)))
            } else if ref.attempt < book.attempt {
                out.append(.refuse(w, .supersededAttempt(ref, current: book.live?.attempt)))
            }
            return
        }
        guard book.state == .running else {
            record(.ended(ref, outcome), now: now, &out)  // it was stopping or failing: slot freed
            return
        }
        let a = book.assignment
        var outcome = outcome
        if case .paused(let r) = outcome, r >= settings.maxResource - 1e-9 { outcome = .completed }
        switch outcome {
        case .stopped:
            // Stopped without being asked (the worker is shutting down): run it again elsewhere.
            lose(ref, worker: w, now: now, &out)
        case .machineFault(let reason):
            // Not the trial's fault: quarantine the worker, run the trial again elsewhere, uncounted.
            record(.ended(ref, outcome), now: now, &out)
            if quarantined[w] == nil {
                record(.quarantined(w, reason: reason), now: now, &out)
                out.append(.publish(.workerQuarantined(w, reason: reason)))
            }
            out.append(.publish(.lost(ref, worker: w)))
            decide(feed(.requeued(trial: ref.trial), now: now, &out), now: now, &out)
            out.append(.publish(.requeued(ref.trial)))
        case .failed(let reason):
            record(.ended(ref, outcome), now: now, &out)
            // A failure counts as the trial's own once it follows the trial to a second machine:
            // the first one on a machine is tried again on another worker, if one is connected.
            let failedOn = trials[ref.trial]?.failedOn ?? []
            let tried = Set(failedOn)
            let elsewhere = workers.contains { $0.value.introduced && !tried.contains($0.key) && quarantined[$0.key] == nil }
            if tried.count < 2, failedOn.count < settings.maxAttempts, elsewhere {
                record(.retried(ref, worker: w), now: now, &out)
                out.append(.publish(.attemptFailed(ref, worker: w, reason: reason)))
                decide(feed(.requeued(trial: ref.trial), now: now, &out), now: now, &out)
            } else {
                failTrial(ref.trial, reason: reason, now: now, &out)
            }
        case .paused, .completed:
            let needsMilestone = a.reportAt.contains { same($0, a.toResource) }
            let milestone = book.pendingMilestone
            if case .paused(let r) = outcome, !same(r, a.toResource) {
                record(.ended(ref, .failed(reason: "paused at \(r), expected \(a.toResource)")), now: now, &out)
                failTrial(ref.trial, reason: "paused at resource \(r) but was assigned up to \(a.toResource)", now: now, &out)
                return
            }
            if needsMilestone, milestone?.metrics[settings.objective] == nil {
                let reason = missingObjective(a.toResource, reported: milestone?.metrics)
                record(.ended(ref, .failed(reason: reason)), now: now, &out)
                failTrial(ref.trial, reason: reason, now: now, &out)
                return
            }
            record(.ended(ref, outcome), now: now, &out)
            quarantineSuspects(Set(book.failedOn).subtracting([w]), now: now, &out)
            if case .paused(let r) = outcome {
                record(.checkpointHeld(trial: ref.trial, resource: r, worker: w), now: now, &out)
                out.append(.publish(.paused(ref, resource: r)))
            } else {
                out.append(.publish(.completed(ref)))
            }
            if let m = milestone, let value = m.metrics[settings.objective] {
                let event = SearchEvent.reported(trial: ref.trial, resource: a.toResource, value: value,
                                                 metrics: m.metrics)
                decide(feed(event, now: now, &out), now: now, &out)
            }
        }
    }

    // MARK: - Helpers

    /// Quarantines each of `suspects` (workers on which a trial failed before it succeeded
    /// elsewhere) that has reached `quarantineAfter` such trials since its own last success.
    private mutating func quarantineSuspects(_ suspects: Set<WorkerName>, now: Double, _ out: inout [CoordinatorAction]) {
        for f in suspects.sorted() where quarantined[f] == nil {
            guard let s = strikes[f], s.count >= settings.quarantineAfter else { continue }
            let list = s.map { String($0.rawValue) }.joined(separator: ", ")
            let reason = "attempts of \(s.count) trials failed here and then succeeded on other workers (trials \(list)); last error here: \(lastFailure[f] ?? "unknown")"
            record(.quarantined(f, reason: reason), now: now, &out)
            out.append(.publish(.workerQuarantined(f, reason: reason)))
        }
    }

    /// Why a trial fails that did not report the objective: what it did report, so a misspelt
    /// metric name is seen at once.
    private func missingObjective(_ resource: Double, reported: MetricValues?) -> String {
        let what: String
        if let reported, !reported.isEmpty {
            what = "it reported " + reported.keys.sorted().joined(separator: ", ")
        } else {
            what = "it reported no metrics there (print a JSON line such as {\"epoch\": \(resourceLabel(resource)), \"\(settings.objective)\": 0.91})"
        }
        return "the report at epoch \(resourceLabel(resource)) has no value for the objective '\(settings.objective)'; \(what)"
    }

    /// Removes a worker (lease expired or goodbye): its attempts are lost.
    private mutating func retire(_ w: WorkerName, now: Double, _ out: inout [CoordinatorAction]) {
        for ref in (workers[w]?.running ?? []).sorted(by: { $0.trial < $1.trial }) {
            lose(ref, worker: w, now: now, &out)
        }
        workers[w] = nil
        out.append(.publish(.workerLeft(w)))
    }

    private mutating func lose(_ ref: AttemptRef, worker w: WorkerName, now: Double, _ out: inout [CoordinatorAction]) {
        let wasRunning = trials[ref.trial]?.state == .running
        record(.lost(ref, worker: w), now: now, &out)
        out.append(.publish(.lost(ref, worker: w)))
        guard wasRunning else { return }
        // A dead or departed worker is not the trial's fault: the attempt does not count.
        decide(feed(.requeued(trial: ref.trial), now: now, &out), now: now, &out)
        if let reason = engine.failure(of: ref.trial) {
            record(.failed(ref.trial, reason: reason), now: now, &out)
            out.append(.publish(.failed(ref.trial, reason: reason)))
        } else {
            out.append(.publish(.requeued(ref.trial)))
        }
    }

    private mutating func failTrial(_ t: TrialID, reason: String, now: Double, _ out: inout [CoordinatorAction]) {
        record(.failed(t, reason: reason), now: now, &out)
        out.append(.publish(.failed(t, reason: reason)))
        decide(feed(.failed(trial: t, reason: reason), now: now, &out), now: now, &out)
    }

    /// Journals an engine event, then feeds it.
    mutating func feed(_ event: SearchEvent, now: Double, _ out: inout [CoordinatorAction]) -> [Decision] {
        out.append(.persist(.engine(event, at: now)))
        if event != .slotFree { engineWaiting = false }
        return engine.handle(event, now: now)
    }

    /// Journals a record and applies it to the bookkeeping.
    mutating func record(_ r: JournalRecord, now: Double, _ out: inout [CoordinatorAction]) {
        out.append(.persist(r))
        apply(r, now: now)
    }
}

/// Resources are epochs counted as Doubles: equal within a small tolerance.
func same(_ a: Double, _ b: Double) -> Bool { abs(a - b) <= 1e-9 * max(1, abs(a), abs(b)) }
