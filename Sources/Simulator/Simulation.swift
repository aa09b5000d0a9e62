// The discrete-event loop: N virtual workers carry out the engine's decisions in virtual time.
// A start or resume occupies a worker for the benchmark's cost (times its slowness); reports reach
// the engine at each milestone at the right virtual time; workers die at a given rate and come back
// after a delay; ticks let synchronous schedulers deal with stragglers. Events sit in a binary heap
// ordered by (time, sequence number), so runs are deterministic. Leaves out wall-clock time.
import Foundation
import HeapModule
import RungBasics
import Search

/// How the virtual cluster behaves.
public struct SimulationSettings: Sendable, Hashable {
    /// Number of virtual workers (≥ 1).
    public var workers: Int
    /// Seed of the simulator's own randomness (deaths, which workers are slow).
    public var seed: UInt64
    /// The study's maximum resource: reports there count toward the anytime curve.
    public var maxResource: Double
    /// Worker deaths per worker per virtual hour (0 = none). A death loses the running trial.
    public var deathRate: Double = 0
    /// Virtual seconds before a dead worker is back (a restart or a replacement).
    public var restartDelay: Double = 300
    /// Fraction of workers that are slow, in [0, 1].
    public var slowFraction: Double = 0
    /// How many times slower a slow worker is (≥ 1).
    public var slowFactor: Double = 1
    /// Virtual seconds between `.tick` events (0 = no ticks).
    public var tickInterval: Double = 60
    /// Consecutive ticks with nothing running and nothing started before the run is declared stalled.
    public var stallTicks: Int = 100_000
    /// Keep a `TrialTrace` per trial in the result (for `--trials-out`; off for scale runs).
    public var traceTrials = false

    /// Settings for `workers` workers and a study whose maximum resource is `maxResource`.
    public init(workers: Int, seed: UInt64, maxResource: Double) {
        self.workers = workers
        self.seed = seed
        self.maxResource = maxResource
    }

    /// Checks every setting, naming the first one out of range.
    public func validate() throws {
        func bad(_ s: String) -> SimulatorError { SimulatorError(.badSetting, s) }
        if workers < 1 { throw bad("workers is \(workers); it must be ≥ 1") }
        if !(maxResource > 0) { throw bad("the maximum resource is \(maxResource); it must be > 0") }
        if !(deathRate >= 0) || !deathRate.isFinite { throw bad("death rate is \(deathRate); it must be ≥ 0 (deaths per worker per virtual hour)") }
        if !(restartDelay >= 0) { throw bad("restart delay is \(restartDelay); it must be ≥ 0 seconds") }
        if !(0...1).contains(slowFraction) { throw bad("slow fraction is \(slowFraction); it must be in [0, 1]") }
        if !(slowFactor >= 1) { throw bad("slow factor is \(slowFactor); it must be ≥ 1") }
        if !(tickInterval >= 0) { throw bad("tick interval is \(tickInterval); it must be ≥ 0 seconds (0 = no ticks)") }
    }
}

/// A study run in virtual time against a benchmark.
public struct Simulation<Engine: SearchDriving> {
    /// The engine, as it stands after `run()`.
    public private(set) var engine: Engine
    /// The benchmark answering for training.
    public let benchmark: any Benchmark
    /// The cluster's behaviour.
    public let settings: SimulationSettings

    private struct Job {
        var assignment: Assignment
        var milestones: [Double]
        var start: Double
        var next: Int
        var lastResource: Double
        var lastReportTime: Double
    }

    private struct Worker {
        var speed: Double
        var alive = true
        var generation: UInt32 = 0
        var job: Job?
        var inIdleStack = false
    }

    private enum Kind { case report(Int, UInt32), death(Int), revive(Int), tick }

    private struct Scheduled: Comparable {
        var time: Double
        var sequence: UInt64
        var kind: Kind
        static func < (a: Scheduled, b: Scheduled) -> Bool {
            a.time != b.time ? a.time < b.time : a.sequence < b.sequence
        }
        static func == (a: Scheduled, b: Scheduled) -> Bool { a.time == b.time && a.sequence == b.sequence }
    }

    private var queue = Heap<Scheduled>()
    private var sequence: UInt64 = 0
    private var workers: [Worker] = []
    private var idle: [Int] = []
    private var pending: [Decision] = []
    private var running: [TrialID: Int] = [:]
    private var rng: SplitMix64
    private var now = 0.0
    private var complete = false
    private var started = false
    private var result: SimulationResult
    private var deathRatePerSecond: Double { settings.deathRate / 3600 }
    private let clock = ContinuousClock()

    /// A simulation of `engine` on `benchmark` with `settings`.
    public init(engine: Engine, benchmark: any Benchmark, settings: SimulationSettings) throws {
        try settings.validate()
        self.engine = engine
        self.benchmark = benchmark
        self.settings = settings
        rng = SplitMix64(seed: settings.seed ^ 0xD1B5_4A32_D192_ED03)
        result = SimulationResult(seed: settings.seed, workers: settings.workers, anytime: [], makespan: 0,
                                  busySeconds: 0, resourceUsed: 0, resourceLost: 0, decisions: DecisionCounts(),
                                  events: 0, reports: 0, deaths: 0, lostTrials: 0, engineSeconds: 0)
    }

    /// Runs the study to completion and returns what happened (once per simulation).
    /// - Throws: `SimulatorError.stalled` when the engine waits forever with nothing running.
    public mutating func run() throws -> SimulationResult {
        precondition(!started, "Simulation.run() runs once; make a new Simulation for another run")
        started = true
        setUpWorkers()
        if settings.tickInterval > 0 { schedule(at: settings.tickInterval, .tick) }
        offerIdleWorkers()
        var quietTicks = 0
        while !complete {
            guard let event = queue.popMin() else {
                throw SimulatorError(.stalled, "the engine answered `wait` with no trial running and no ticks to wake it (at virtual time \(now) s); the study cannot finish")
            }
            now = event.time
            switch event.kind {
            case .report(let w, let generation):
                guard workers[w].generation == generation, workers[w].job != nil else { continue }
                report(worker: w)
            case .death(let w):
                die(worker: w)
            case .revive(let w):
                workers[w].alive = true
                scheduleDeath(of: w)
                makeIdle(w)
            case .tick:
                deliver(.tick, slot: nil)
                if running.isEmpty && pending.isEmpty {
                    quietTicks += 1
                    if quietTicks > settings.stallTicks {
                        throw SimulatorError(.stalled, "nothing has run for \(quietTicks) ticks (virtual time \(now) s) and the study is not complete; the engine keeps answering `wait`")
                    }
                } else { quietTicks = 0 }
                if !complete { schedule(at: now + settings.tickInterval, .tick) }
            }
            if !complete { offerIdleWorkers() }
        }
        // Work still running when the engine declared completion (it should be none) counts as busy.
        for w in workers.indices { if let job = workers[w].job { result.busySeconds += now - job.start } }
        result.makespan = now
        return result
    }

    // MARK: - Workers

    private mutating func setUpWorkers() {
        let n = settings.workers
        var order = Array(0..<n)
        order.shuffle(using: &rng)
        let slowCount = Int((settings.slowFraction * Double(n)).rounded())
        var speeds = [Double](repeating: 1, count: n)
        for w in order.prefix(slowCount) { speeds[w] = settings.slowFactor }
        workers = speeds.map { Worker(speed: $0) }
        // Offered from the top of the stack: worker 0 first.
        for w in stride(from: n - 1, through: 0, by: -1) { makeIdle(w); scheduleDeath(of: w) }
    }

    private mutating func scheduleDeath(of w: Int) {
        guard deathRatePerSecond > 0 else { return }
        schedule(at: now + rng.nextExponential(rate: deathRatePerSecond), .death(w))
    }

    private mutating func makeIdle(_ w: Int) {
        guard !workers[w].inIdleStack else { return }
        workers[w].inIdleStack = true
        idle.append(w)
    }

    /// Pops the top idle worker that is alive and free, dropping stale entries.
    private mutating func popIdle() -> Int? {
        while let w = idle.popLast() {
            workers[w].inIdleStack = false
            if workers[w].alive && workers[w].job == nil { return w }
        }
        return nil
    }

    /// Offers free workers to the engine until it has nothing more to start.
    private mutating func offerIdleWorkers() {
        while !complete, let w = popIdle() {
            if let decision = pending.first {
                pending.removeFirst()
                if case .start(let a) = decision { begin(a, on: w) } else if case .resume(let a) = decision { begin(a, on: w) }
                continue
            }
            if !deliver(.slotFree, slot: w) {
                makeIdle(w)
                break
            }
        }
    }

    private mutating func schedule(at time: Double, _ kind: Kind) {
        sequence += 1
        queue.insert(Scheduled(time: time, sequence: sequence, kind: kind))
    }

    // MARK: - Engine

    /// Hands one event to the engine and carries out its decisions. Returns true when an assignment
    /// went to `slot`.
    @discardableResult
    private mutating func deliver(_ event: SearchEvent, slot: Int?) -> Bool {
        let started = clock.now
        let decisions = engine.handle(event, now: now)
        result.engineSeconds += (clock.now - started).seconds
        result.events += 1
        var slotUsed = false
        for decision in decisions {
            switch decision {
            case .start(let a), .resume(let a):
                if case .start = decision { result.decisions.starts += 1 } else { result.decisions.resumes += 1 }
                if let s = slot, !slotUsed, workers[s].alive, workers[s].job == nil {
                    slotUsed = true
                    begin(a, on: s)
                } else if let w = popIdle() {
                    begin(a, on: w)
                } else {
                    pending.append(decision)
                }
            case .stop(let trial):
                result.decisions.stops += 1
                if settings.traceTrials, result.trials.indices.contains(trial.rawValue) { result.trials[trial.rawValue].stopped = true }
                if let w = running[trial] { end(worker: w, lost: false) }
            case .wait:
                result.decisions.waits += 1
            case .complete:
                result.decisions.completes += 1
                complete = true
            }
        }
        return slotUsed
    }

    // MARK: - Jobs

    private mutating func begin(_ a: Assignment, on w: Int) {
        if settings.traceTrials {
            let i = a.trial.rawValue
            while result.trials.count <= i {
                let id = TrialID(result.trials.count)
                result.trials.append(TrialTrace(trial: id, config: [:], recorded: nil, started: now, ended: now))
            }
            if result.trials[i].recorded == nil && result.trials[i].config.isEmpty {
                result.trials[i].config = a.config
                result.trials[i].recorded = benchmark.recordedID(trial: a.trial, config: a.config)
                result.trials[i].started = now
            }
        }
        var milestones = a.reportAt.filter { $0 > a.fromResource && $0 <= a.toResource }
        if milestones.last.map({ $0 < a.toResource }) ?? true { milestones.append(a.toResource) }
        workers[w].generation &+= 1
        workers[w].job = Job(assignment: a, milestones: milestones, start: now, next: 0,
                             lastResource: a.fromResource, lastReportTime: now)
        running[a.trial] = w
        scheduleNextReport(of: w)
    }

    private mutating func scheduleNextReport(of w: Int) {
        let job = workers[w].job!
        let a = job.assignment
        let seconds = benchmark.cost(trial: a.trial, config: a.config, fromResource: a.fromResource,
                                     toResource: job.milestones[job.next])
        schedule(at: job.start + workers[w].speed * seconds, .report(w, workers[w].generation))
    }

    private mutating func report(worker w: Int) {
        var job = workers[w].job!
        let a = job.assignment
        let resource = job.milestones[job.next]
        let value = benchmark.value(trial: a.trial, config: a.config, resource: resource)
        result.reports += 1
        result.resourceUsed += resource - job.lastResource
        if settings.traceTrials, result.trials.indices.contains(a.trial.rawValue) {
            result.trials[a.trial.rawValue].resource += resource - job.lastResource
            result.trials[a.trial.rawValue].reached = max(result.trials[a.trial.rawValue].reached, resource)
            result.trials[a.trial.rawValue].lastValue = value
            if resource >= settings.maxResource * (1 - 1e-12) { result.trials[a.trial.rawValue].finalValue = value }
        }
        job.lastResource = resource
        job.lastReportTime = now
        job.next += 1
        let last = job.next == job.milestones.count
        workers[w].job = job
        if resource >= settings.maxResource * (1 - 1e-12) { record(trial: a.trial, config: a.config, value: value) }
        if last { end(worker: w, lost: false) }
        let generation = workers[w].generation
        let metrics = benchmark.metrics(trial: a.trial, config: a.config, resource: resource)
        deliver(.reported(trial: a.trial, resource: resource, value: value, metrics: metrics), slot: nil)
        if !last && workers[w].generation == generation && workers[w].job != nil { scheduleNextReport(of: w) }
    }

    /// Frees worker `w` from its job (finished, stopped or lost with the worker).
    private mutating func end(worker w: Int, lost: Bool) {
        guard let job = workers[w].job else { return }
        result.busySeconds += now - job.start
        if settings.traceTrials, result.trials.indices.contains(job.assignment.trial.rawValue) {
            result.trials[job.assignment.trial.rawValue].seconds += now - job.start
            result.trials[job.assignment.trial.rawValue].ended = now
        }
        if lost, job.next < job.milestones.count {
            // Linear estimate of the resource run since the last report.
            let target = job.milestones[job.next]
            let a = job.assignment
            let full = workers[w].speed * benchmark.cost(trial: a.trial, config: a.config, fromResource: a.fromResource, toResource: target)
                - (job.lastReportTime - job.start)
            if full > 0 { result.resourceLost += (target - job.lastResource) * min(1, (now - job.lastReportTime) / full) }
        }
        running[job.assignment.trial] = nil
        workers[w].job = nil
        workers[w].generation &+= 1
        if workers[w].alive { makeIdle(w) }
    }

    private mutating func die(worker w: Int) {
        result.deaths += 1
        workers[w].alive = false
        schedule(at: now + settings.restartDelay, .revive(w))
        guard let trial = workers[w].job?.assignment.trial else { return }
        end(worker: w, lost: true)
        result.lostTrials += 1
        deliver(.lost(trial: trial), slot: nil)
    }

    private mutating func record(trial: TrialID, config: Configuration, value: Double) {
        if let best = result.anytime.last, !benchmark.direction.isBetter(value, than: best.best) { return }
        let regret = benchmark.optimum.map {
            benchmark.direction.regret(benchmark.trueFinalValue(trial: trial, config: config), optimum: $0)
        }
        result.anytime.append(AnytimePoint(time: now, best: value, regret: regret, trial: trial,
                                           resource: result.resourceUsed, recorded: benchmark.recordedID(trial: trial, config: config),
                                           config: config))
    }
}

extension Duration {
    /// The duration in seconds as a double.
    var seconds: Double {
        let (s, atto) = components
        return Double(s) + Double(atto) * 1e-18
    }
}
