// A small virtual-time driver for tests: W workers run assignments at a cost per unit of
// resource, report scripted curve values at each `reportAt`, and free their slot when the
// assignment ends or the trial is stopped. Records every (event, now) and every reply.

@testable import Search

struct TestDriver {
    struct Job { var worker: Int; var a: Assignment; var start: Double; var next: Int }

    var engine: SearchEngine
    var log: [(SearchEvent, Double)] = []
    var replies: [[Decision]] = []
    var now: Double = 0
    var jobs: [Job] = []
    var idle: [Int]
    var done = false
    /// Seconds per unit of resource for a trial.
    var cost: (TrialID) -> Double = { _ in 1 }
    /// The value a trial reports at a resource.
    var curve: (TrialID, Configuration, Double) -> Double
    /// Trials that fail (at their first report after `failAfter`) instead of reporting.
    var failing: Set<TrialID> = []
    /// Trials whose worker vanishes at their next report, with how many times.
    var losing: [TrialID: Int] = [:]
    /// Called after each reply with the engine state before and after.
    var observe: ((SearchEvent, [Decision], SearchEngine, SearchEngine) -> Void)?

    init(study: Study, workers: Int, curve: @escaping (TrialID, Configuration, Double) -> Double) {
        engine = SearchEngine(study: study)
        idle = Array(0..<workers)
        self.curve = curve
    }

    mutating func send(_ e: SearchEvent) -> [Decision] {
        let before = engine
        let d = engine.handle(e, now: now)
        log.append((e, now)); replies.append(d)
        observe?(e, d, before, engine)
        for case .stop(let t) in d {
            if let j = jobs.firstIndex(where: { $0.a.trial == t }) { idle.append(jobs.remove(at: j).worker) }
        }
        return d
    }

    /// Gives every idle worker a chance at work.
    mutating func fill() {
        var stillIdle: [Int] = []
        var queue = idle
        idle = []
        while let w = queue.first {
            queue.removeFirst()
            guard !done else { stillIdle.append(w); continue }
            let d = send(.slotFree)
            var got = false
            for x in d {
                switch x {
                case .start(let a), .resume(let a):
                    jobs.append(Job(worker: w, a: a, start: now, next: 0)); got = true
                case .complete: done = true
                default: break
                }
            }
            if !got { stillIdle.append(w) }
            queue += idle; idle = []
        }
        idle = stillIdle
    }

    /// Runs until the engine says complete (or `maxEvents`).
    mutating func run(maxEvents: Int = 1_000_000, tickEvery: Double? = nil) {
        fill()
        var count = 0
        while !done && count < maxEvents {
            count += 1
            guard let (j, t) = nextJob() else {
                if let dt = tickEvery { now += dt; _ = send(.tick); fill(); continue }
                fill()
                if jobs.isEmpty { break }
                continue
            }
            if let dt = tickEvery, t > now + dt { now += dt; _ = send(.tick); fill(); continue }
            now = max(now, t)
            var job = jobs[j]
            let trial = job.a.trial
            let resource = job.a.reportAt[job.next]
            if failing.contains(trial) {
                jobs.remove(at: j); idle.append(job.worker)
                _ = send(.failed(trial: trial, reason: "scripted"))
            } else if let n = losing[trial], n > 0 {
                losing[trial] = n - 1
                jobs.remove(at: j); idle.append(job.worker)
                _ = send(.lost(trial: trial))
            } else {
                let v = curve(trial, job.a.config, resource)
                let d = send(.reported(trial: trial, resource: resource, value: v, metrics: [:]))
                if let k = jobs.firstIndex(where: { $0.a.trial == trial }) {
                    job.next += 1
                    if job.next >= job.a.reportAt.count || d.contains(.stop(trial)) {
                        jobs.remove(at: k); idle.append(job.worker)
                    } else { jobs[k] = job }
                }
            }
            fill()
        }
    }

    func nextJob() -> (Int, Double)? {
        var best: (Int, Double)?
        for (i, j) in jobs.enumerated() {
            let t = j.start + (j.a.reportAt[j.next] - j.a.fromResource) * cost(j.a.trial)
            if best == nil || t < best!.1 || (t == best!.1 && j.a.trial < jobs[best!.0].a.trial) { best = (i, t) }
        }
        return best
    }
}

/// A study in code for tests.
func testStudy(scheduler: SchedulerSpec = SchedulerSpec(), sampler: SamplerSpec = SamplerSpec(),
               trials: Int? = 40, r: Double = 1, R: Double = 27, eta: Int = 3, seed: UInt64 = 1,
               direction: Direction = .minimize, maxTotal: Double? = nil) -> Study {
    Study(name: "t", objective: Objective(metric: "loss", direction: direction),
          budget: Budget(minResource: r, maxResource: R, reductionFactor: eta),
          scheduler: scheduler, sampler: sampler, trials: trials, maxTotalResource: maxTotal, seed: seed,
          space: SearchSpace([
            Parameter("x", .uniform(low: 0, high: 1)),
            Parameter("lr", .logUniform(low: 1e-4, high: 1e-1)),
            Parameter("opt", .categorical([.string("adam"), .string("sgd")])),
          ]))
}

/// A learning curve: decreasing in resource toward a floor that depends on x.
func smoothCurve(_ t: TrialID, _ c: Configuration, _ resource: Double) -> Double {
    let x = c["x"]?.numeric ?? 0
    return (x - 0.3) * (x - 0.3) + 1 / (1 + resource)
}
