// The search engine: a pure state machine from `SearchEvent`s to `Decision`s (see Events.swift).
// It owns the trials, the budget, the lost-trial queue and the random source, and delegates
// ranking to a scheduler (SchedulerState: ASHA, SHA, none) and configurations to a sampler.
// No I/O, no clock.

/// The engine. Same study and same sequence of `(event, now)` ⇒ same decisions and same state;
/// a coordinator rebuilds it after a restart with `replay(study:events:)`.
///
/// Reply shapes: `.slotFree` gets exactly one of `.start`, `.resume`, `.wait`, `.complete`,
/// possibly preceded by `.stop`s (rungs decided, or paused trials stopped as the study ends);
/// `.reported`, `.failed` and `.tick` get zero or more `.stop`s; `.lost` gets nothing (the trial
/// is queued and resumed from its last rung result on a later `.slotFree`).
/// A `.stop` of a running trial frees its slot: the driver sends `.slotFree` for it.
///
/// Checkpoints: a worker keeps a checkpoint at every resource in its assignment's `reportAt`,
/// so a lost trial resumes from its last reported rung (`.resume` with `fromResource` 0 when it
/// had none: it starts over).
///
/// Cost: every event is O(log n) amortised in the number of trials n (heaps per rung, counters),
/// except the one `.complete` that stops the remaining paused trials, and TPE suggestions, whose
/// cost is bounded by `TPEOptions.maxObservations × candidates × d`.
public struct SearchEngine: Sendable, Equatable {
    /// The study being run.
    public let study: Study
    /// The rung milestones and Hyperband brackets.
    public let ladder: RungLadder
    /// Trials in id order: `trials[i].id == TrialID(i)`.
    public private(set) var trials: [TrialRecord] = []
    /// Whether the study is finished (every `.slotFree` now answers `.complete`).
    public private(set) var isComplete = false
    /// Resource handed out in assignments and not given back (Σ toResource − fromResource, less
    /// the unrun part of every assignment that was stopped, failed or lost): what
    /// `max_total_resource` caps. When the study completes it equals `usedResource`.
    public private(set) var committedResource: Double = 0
    /// Resource reported done so far (progress between successive rung results).
    public private(set) var usedResource: Double = 0
    /// Trials currently running.
    public private(set) var runningCount = 0
    /// Lost trials waiting to be resumed.
    public private(set) var queuedCount = 0
    /// Trials per state, indexed by `TrialState.ordinal`.
    private var stateCounts = Array(repeating: 0, count: TrialState.allCases.count)

    private var rng: RandomSource
    private var sampler: SamplerState
    private var scheduler: SchedulerState
    /// Lost trials in the order they were lost; `lostHead` is the next to look at.
    private var lostQueue: [Int] = []
    private var lostHead = 0
    /// Every rung's results in arrival order (TPE's data).
    private var observations: [[RankedEntry]]
    /// The best result: highest rung first, then smallest loss (ties: smaller id).
    private var bestRung = -1
    private var bestEntry: RankedEntry?
    /// The best feasible result per rung.
    private var bestPerRung: [RankedEntry?]
    private var intakeClosed = false
    /// Configurations an operator enqueued, taken by the next new trials in this order.
    private var enqueued: [Configuration] = []
    /// Warm-start results of an earlier study: their configurations, and per rung their entries
    /// (with trial index −1 − j for `priorConfigs[j]`, so they never collide with this study's).
    private var priorConfigs: [Configuration] = []
    private var priorObservations: [[RankedEntry]]

    /// The rung milestones (resource values), increasing; the last is R.
    public var rungs: [Double] { ladder.rungs }

    /// A fresh engine for `study`.
    public init(study: Study) {
        self.study = study
        ladder = RungLadder(study.budget)
        rng = RandomSource(seed: study.seed)
        sampler = SamplerState(spec: study.sampler, space: study.space)
        observations = Array(repeating: [], count: ladder.rungs.count)
        bestPerRung = Array(repeating: nil, count: ladder.rungs.count)
        priorObservations = Array(repeating: [], count: ladder.rungs.count)
        scheduler = SchedulerState(study: study, ladder: ladder)
    }

    /// A fresh engine fed the recorded events in order (rebuild after a restart). Trials still
    /// `running` in the result were running when the log ended: a coordinator whose workers did
    /// not come back sends `.lost` for each, and they are resumed from their last rung.
    public static func replay(study: Study, events: [(SearchEvent, Double)]) -> SearchEngine {
        var engine = SearchEngine(study: study)
        for (event, now) in events { _ = engine.handle(event, now: now) }
        return engine
    }

    /// How many trials are in `state` now (O(1)).
    public func count(_ state: TrialState) -> Int { stateCounts[state.ordinal] }

    /// The trial with this id, if it exists.
    public func trial(_ id: TrialID) -> TrialRecord? {
        trials.indices.contains(id.rawValue) ? trials[id.rawValue] : nil
    }

    /// The best trial so far: among feasible results at the highest rung any feasible result
    /// reached, the one with the best objective (ties: smaller id).
    public var best: TrialRecord? { bestEntry.map { trials[$0.trial] } }

    /// The trial with the best feasible result at rung `k` (O(1)); `best(atRung: rungs.count − 1)`
    /// is the best trial trained to the maximum resource.
    public func best(atRung k: Int) -> TrialRecord? {
        guard bestPerRung.indices.contains(k), let e = bestPerRung[k] else { return nil }
        return trials[e.trial]
    }

    /// The objective value of `best` at that rung.
    public var bestValue: Double? { best?.results.first { $0.rung == bestRung }?.value }

    /// Handles one event at time `now` (seconds) and returns the decisions that follow.
    public mutating func handle(_ event: SearchEvent, now: Double) -> [Decision] {
        switch event {
        case .slotFree: return slotFree(now)
        case .reported(let t, let resource, let value, let metrics):
            return reported(t.rawValue, resource, value, metrics, now)
        case .failed(let t, let reason): return fail(t.rawValue, reason, now)
        case .lost(let t): return lost(t.rawValue, now)
        case .requeued(let t): return lost(t.rawValue, now, counted: false)
        case .tick: return tick(now)
        case .enqueued(let config):
            guard enqueueProblem(config) == nil else { return [] }
            enqueued.append(study.space.canonical(config))
            return []
        case .stopRequested(let t):
            return stopRequested(t.rawValue, now)
        case .seeded(let results):
            seed(results)
            return []
        }
    }

    // MARK: Operator control

    /// Configurations enqueued and not started yet.
    public var enqueuedCount: Int { enqueued.count }

    /// Warm-start results the sampler holds.
    public var priorCount: Int { priorConfigs.count }

    /// Why `config` cannot be enqueued now (it does not fit the search space, the study takes no
    /// more new trials), or nil when it can. The text names the parameter and what is accepted.
    public func enqueueProblem(_ config: Configuration) -> String? {
        if isComplete { return "the study is finished" }
        if intakeClosed || !resourceLeft { return "the study starts no more new trials (its budget is spent)" }
        if let n = study.trials, trials.count + enqueued.count >= n {
            return "the study's budget of \(n) trials is taken (\(trials.count) started, \(enqueued.count) enqueued)"
        }
        return study.space.problem(with: config)
    }

    private mutating func stopRequested(_ i: Int, _ now: Double) -> [Decision] {
        guard trials.indices.contains(i), !trials[i].state.isFinal else { return [] }
        var out = stop([i], now)
        out += stop(scheduler.left(trial: i), now)
        return out
    }

    private mutating func seed(_ results: [PriorResult]) {
        for r in results {
            guard let k = ladder.rungs.lastIndex(where: { $0 <= r.resource * (1 + 1e-9) }),
                  study.space.problem(with: r.config) == nil else { continue }
            let config = study.space.canonical(r.config)
            let feasible = r.feasible && !r.value.isNaN
            priorObservations[k].append(RankedEntry(loss: feasible ? study.objective.loss(r.value) : .infinity,
                                                    trial: -1 - priorConfigs.count))
            priorConfigs.append(config)
        }
    }

    // MARK: Budget

    /// Whether the trial budget lets a new trial start (trial count, grid size).
    private var newTrialsLeft: Int {
        var left = Int.max
        if let n = study.trials { left = max(0, n - trials.count) }
        if let g = sampler.remaining { left = min(left, g + enqueued.count) }
        if study.trials == nil && study.maxTotalResource == nil && sampler.remaining == nil { left = enqueued.count }
        return left
    }

    private var resourceLeft: Bool {
        guard let cap = study.maxTotalResource else { return true }
        return committedResource < cap
    }

    /// Whether assignments run to R reporting at every rung (stopping variant and `none`).
    private var runsToMax: Bool {
        let k = study.scheduler.bracketKind
        return k == .ashaStopping || k == .none
    }

    // MARK: Events

    private mutating func slotFree(_ now: Double) -> [Decision] {
        if isComplete { return [.complete] }
        if let d = resumeLost(now) { return [d] }
        var out: [Decision] = []
        if resourceLeft, let d = promote(now) { return [d] }
        let left = resourceLeft ? newTrialsLeft : 0
        if left > 0 {
            if let d = startNew(now, available: left) { return [d] }
        } else if !intakeClosed {
            intakeClosed = true
            out += stop(scheduler.closeIntake(), now)
            if resourceLeft, let d = promote(now) { return out + [d] }
        }
        if runningCount + queuedCount > 0 { return out + [.wait] }
        // With nothing running or queued, an SHA bracket that refused a new trial would have to be
        // waiting on nobody, which `SHAScheduler.decide` rules out; finish rather than wait forever.
        assert(left == 0 || !scheduler.isSynchronous, "SHA refused a new trial with nothing running")
        return out + finish(now)
    }

    private mutating func reported(_ i: Int, _ resource: Double, _ value: Double,
                                   _ metrics: MetricValues, _ now: Double) -> [Decision] {
        guard trials.indices.contains(i), trials[i].state == .running,
              let k = ladder.index(of: resource) else { return [] }
        let record = trials[i]
        guard k >= record.bracket, (record.lastRung ?? -1) < k,
              resource <= record.target * (1 + 1e-9) else { return [] }
        let feasible = study.objective.isFeasible(value: value, metrics: metrics)
        let loss = feasible ? study.objective.loss(value) : .infinity
        usedResource += resource - record.resourceDone
        trials[i].results.append(RungResult(rung: k, resource: resource, value: value, metrics: metrics,
                                            feasible: feasible, loss: loss))
        trials[i].updatedAt = now
        let entry = RankedEntry(loss: loss, trial: i)
        observations[k].append(entry)
        if loss < .infinity,
           k > bestRung || (k == bestRung && bestEntry.map { RankedEntry.better(entry, $0) } ?? true) {
            bestRung = k; bestEntry = entry
        }
        if loss < .infinity, bestPerRung[k].map({ RankedEntry.better(entry, $0) }) ?? true { bestPerRung[k] = entry }
        let top = ladder.rungs.count - 1
        if abs(resource - record.target) <= 1e-9 * max(1, record.target) {
            setState(i, k == top ? .completed : .paused, now)
        }
        return stop(scheduler.record(trial: i, bracket: record.bracket, rung: k, loss: loss, now: now), now)
    }

    private mutating func fail(_ i: Int, _ reason: String, _ now: Double) -> [Decision] {
        guard trials.indices.contains(i), !trials[i].state.isFinal else { return [] }
        releaseUnrun(i)
        setState(i, .failed, now)
        trials[i].failureReason = reason
        scheduler.dropped(trial: i, bracket: trials[i].bracket)
        return stop(scheduler.left(trial: i), now)
    }

    private mutating func lost(_ i: Int, _ now: Double, counted: Bool = true) -> [Decision] {
        guard trials.indices.contains(i), trials[i].state == .running else { return [] }
        if counted { trials[i].losses += 1 }
        if counted, trials[i].losses >= study.maxAttempts {
            return fail(i, "lost \(trials[i].losses) times", now)
        }
        releaseUnrun(i)
        setState(i, .queued, now)
        lostQueue.append(i)
        return []
    }

    private mutating func tick(_ now: Double) -> [Decision] {
        guard !isComplete, scheduler.isSynchronous else { return [] }
        let cut: [Int]
        do {
            // A read-only view for the scheduler; it ends before `stop` mutates `trials`, so no copy.
            let view = trials
            cut = scheduler.tick(now: now) { t in
                let s = view[t].state
                return s == .running || s == .queued ? view[t].assignedAt : nil
            }
        }
        return stop(cut, now)
    }

    // MARK: Actions

    private mutating func resumeLost(_ now: Double) -> Decision? {
        while lostHead < lostQueue.count {
            let i = lostQueue[lostHead]
            lostHead += 1
            if lostHead >= 1024 && lostHead * 2 >= lostQueue.count {
                lostQueue.removeFirst(lostHead); lostHead = 0
            }
            guard trials[i].state == .queued else { continue }
            return .resume(assign(i, from: trials[i].resourceDone, to: trials[i].target, now))
        }
        return nil
    }

    private mutating func promote(_ now: Double) -> Decision? {
        guard let (i, k) = scheduler.nextPromotion() else { return nil }
        precondition(trials[i].state == .paused, "promoted trial \(i) is \(trials[i].state), not paused")
        return .resume(assign(i, from: ladder.rungs[k], to: ladder.rungs[k + 1], now))
    }

    private mutating func startNew(_ now: Double, available: Int) -> Decision? {
        let i = trials.count
        guard let bracket = scheduler.admitNewTrial(i, available: available) else { return nil }
        let config: Configuration
        if !enqueued.isEmpty {
            config = enqueued.removeFirst()
        } else if priorConfigs.isEmpty {
            config = sampler.suggest(space: study.space, rng: &rng, observations: observations, trials: trials)
        } else {
            let merged = zip(priorObservations, observations).map { $0 + $1 }
            config = sampler.suggest(space: study.space, rng: &rng, observations: merged, trials: trials, priors: priorConfigs)
        }
        let to = runsToMax ? ladder.rungs[ladder.rungs.count - 1] : ladder.rungs[bracket]
        trials.append(TrialRecord(id: TrialID(i), config: config, bracket: bracket, state: .queued,
                                  results: [], target: to, losses: 0, startedAt: now, assignedAt: now,
                                  updatedAt: now, failureReason: nil))
        queuedCount += 1
        stateCounts[TrialState.queued.ordinal] += 1
        return .start(assign(i, from: 0, to: to, now))
    }

    /// Marks trial i running toward `to` and builds its assignment.
    private mutating func assign(_ i: Int, from: Double, to: Double, _ now: Double) -> Assignment {
        setState(i, .running, now)
        trials[i].target = to
        trials[i].assignedAt = now
        committedResource += to - from
        let b = trials[i].bracket
        let reportAt = ladder.rungs[b...].filter { $0 > from * (1 + 1e-12) && $0 <= to * (1 + 1e-12) }
        return Assignment(trial: TrialID(i), config: trials[i].config, fromResource: from, toResource: to,
                          reportAt: reportAt, bracket: b)
    }

    /// Stops the listed trials that are not final yet.
    private mutating func stop(_ ids: [Int], _ now: Double) -> [Decision] {
        var out: [Decision] = []
        for i in ids where !trials[i].state.isFinal {
            releaseUnrun(i)
            setState(i, .stopped, now)
            scheduler.dropped(trial: i, bracket: trials[i].bracket)
            out.append(.stop(TrialID(i)))
        }
        return out
    }

    /// Gives back the part of trial i's assignment it has not run (it is stopped, failed or lost;
    /// a lost trial's resume commits it again). Nothing for a trial that is not running (a queued
    /// lost trial gave its part back when it was lost).
    private mutating func releaseUnrun(_ i: Int) {
        guard trials[i].state == .running else { return }
        committedResource -= max(0, trials[i].target - trials[i].resourceDone)
    }

    /// Ends the study: paused trials will never be promoted.
    private mutating func finish(_ now: Double) -> [Decision] {
        var out: [Decision] = []
        for i in trials.indices where trials[i].state == .paused {
            setState(i, .stopped, now)
            out.append(.stop(TrialID(i)))
        }
        isComplete = true
        return out + [.complete]
    }

    private mutating func setState(_ i: Int, _ s: TrialState, _ now: Double) {
        let old = trials[i].state
        if old == .running { runningCount -= 1 }
        if old == .queued { queuedCount -= 1 }
        if s == .running { runningCount += 1 }
        if s == .queued { queuedCount += 1 }
        stateCounts[old.ordinal] -= 1
        stateCounts[s.ordinal] += 1
        trials[i].state = s
        trials[i].updatedAt = now
    }
}

extension TrialState {
    /// A distinct index in 0..<6 per state, for the engine's per-state counters.
    fileprivate var ordinal: Int {
        switch self {
        case .queued: 0
        case .running: 1
        case .paused: 2
        case .completed: 3
        case .stopped: 4
        case .failed: 5
        }
    }
}
