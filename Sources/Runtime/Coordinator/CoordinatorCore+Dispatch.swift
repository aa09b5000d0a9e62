// The coordinator state machine, second half: turning engine decisions into records, matching queued
// assignments to free slots (preferring the worker that holds the checkpoint), and the fold of
// journal records that both live handling and `restore` use. Leaves out the inputs (CoordinatorCore).
import Search

extension CoordinatorCore {
    /// Applies one journal record to the bookkeeping (no engine call, no actions).
    mutating func apply(_ r: JournalRecord, now: Double) {
        switch r {
        case .engine:
            break
        case .queued(let a):
            var book = trials[a.trial] ?? TrialBook(assignment: a)
            book.assignment = a
            if book.liveWorker == nil { book.state = .queued }
            trials[a.trial] = book
            queue.removeAll { $0.trial == a.trial }
            queue.append(a)
        case .started(let order, let w):
            let t = order.assignment.trial
            queue.removeAll { $0.trial == t }
            var book = trials[t] ?? TrialBook(assignment: order.assignment)
            book.assignment = order.assignment
            book.attempt = order.attempt
            book.state = .running
            book.liveWorker = w
            book.lastSeq = 0
            book.pendingMilestone = nil
            trials[t] = book
            if workers[w] == nil {
                workers[w] = WorkerBook(slots: 0, running: [], lastSeen: now, introduced: false)
            }
            workers[w]!.running.insert(order.ref)
            leaseHolders[order.ref] = w
        case .epoch(let e):
            guard var book = trials[e.trial], book.attempt == e.attempt else { return }
            book.lastSeq = max(book.lastSeq, e.seq)
            if let v = e.metrics[settings.objective], book.assignment.reportAt.contains(where: { same($0, e.resource) }) {
                book.lastRungValue = RungValue(resource: e.resource, value: v)
            }
            if same(e.resource, book.assignment.toResource) { book.pendingMilestone = e }
            trials[e.trial] = book
        case .ended(let ref, let outcome):
            guard var book = trials[ref.trial], book.attempt == ref.attempt, let w = book.liveWorker else { return }
            workers[w]?.running.remove(ref)
            book.liveWorker = nil
            if book.state == .running {
                // Per-machine failure bookkeeping (what quarantines a worker whose failures do not
                // follow the trials elsewhere).
                switch outcome {
                case .failed(let reason):
                    book.failedOn.append(w)
                    lastFailure[w] = reason
                case .paused, .completed:
                    for f in Set(book.failedOn) where f != w { strikes[f, default: []].append(ref.trial) }
                    strikes[w] = nil
                    book.failedOn = []
                case .stopped, .machineFault:
                    break
                }
            }
            if book.state == .running {
                switch outcome {
                case .paused(let r): book.state = .paused(resource: r)
                case .completed: book.state = .completed
                case .failed(let reason): book.state = .failed(reason: reason)
                case .stopped, .machineFault: book.state = .lost
                }
            }
            book.pendingMilestone = nil
            trials[ref.trial] = book
        case .lost(let ref, let w):
            workers[w]?.running.remove(ref)
            guard var book = trials[ref.trial], book.attempt == ref.attempt else { return }
            book.liveWorker = nil
            book.pendingMilestone = nil
            if book.state == .running { book.state = .lost }
            trials[ref.trial] = book
        case .retried(let ref, _):
            guard var book = trials[ref.trial], book.attempt == ref.attempt, case .failed = book.state else { return }
            book.state = .lost
            trials[ref.trial] = book
        case .stopped(let t):
            queue.removeAll { $0.trial == t }
            trials[t]?.state = .stopped
        case .failed(let t, let reason):
            queue.removeAll { $0.trial == t }
            trials[t]?.state = .failed(reason: reason)
        case .checkpointHeld(let t, let r, let w):
            guard var book = trials[t] else { return }
            if let cur = book.checkpointResource, same(cur, r) {
                book.checkpointHolders.insert(w)
            } else if book.checkpointResource.map({ r > $0 }) ?? true {
                book.checkpointResource = r; book.checkpointHolders = [w]; book.checkpointStored = false
            }
            trials[t] = book
        case .checkpointStored(let t, let r):
            guard var book = trials[t] else { return }
            if let cur = book.checkpointResource, same(cur, r) {
                book.checkpointStored = true
            } else if book.checkpointResource.map({ r > $0 }) ?? true {
                book.checkpointResource = r; book.checkpointHolders = []; book.checkpointStored = true
            }
            trials[t] = book
        case .complete:
            isComplete = true
        case .quarantined(let w, let reason):
            quarantined[w] = reason
        case .released(let w):
            quarantined[w] = nil
            strikes[w] = nil
        case .assignmentsPaused(let paused):
            isPaused = paused
            if !paused { engineWaiting = false }
        case .draining:
            isDraining = true
        }
    }

    /// Turns engine decisions into records, commands and events.
    mutating func decide(_ decisions: [Decision], now: Double, _ out: inout [CoordinatorAction]) {
        for d in decisions {
            switch d {
            case .start(let a):
                record(.queued(a), now: now, &out)
            case .resume(let a):
                if case .paused = trials[a.trial]?.state {
                    out.append(.publish(.promoted(a.trial, toResource: a.toResource)))
                }
                record(.queued(a), now: now, &out)
            case .stop(let t):
                guard let book = trials[t], !book.state.isFinal else { continue }
                record(.stopped(t), now: now, &out)
                out.append(.publish(t == operatorStop ? .control(.stopRequested(t)) : .stopped(t)))
                if let live = book.live { stopLive(AttemptRef(trial: t, attempt: live.attempt), on: live.worker, now: now, &out) }
            case .wait:
                break
            case .complete:
                guard !isComplete else { continue }
                record(.complete, now: now, &out)
                out.append(.publish(.studyComplete))
                for w in workers.keys.sorted() where workers[w]!.introduced {
                    out.append(.send(w, .shutdown))
                }
            }
        }
    }

    /// Sends STOP for a live attempt and frees its slot at once (PROTOCOL.md: after STOP the worker
    /// sends nothing more about the attempt).
    mutating func stopLive(_ ref: AttemptRef, on w: WorkerName, now: Double, _ out: inout [CoordinatorAction]) {
        record(.ended(ref, .stopped), now: now, &out)
        out.append(.send(w, .stop(ref)))
    }

    /// Free slots over all introduced workers that are not quarantined (saturating: it only needs to be compared).
    var idleSlots: Int {
        workers.reduce(0) { sum, w in
            guard quarantined[w.key] == nil else { return sum }
            let (total, overflow) = sum.addingReportingOverflow(w.value.idle)
            return overflow ? Int.max : total
        }
    }

    /// Hands queued assignments to free slots, then asks the engine for work while free slots
    /// outnumber the queue. Stops at the first answer that starts nothing (wait or complete).
    mutating func dispatch(now: Double, _ out: inout [CoordinatorAction]) {
        guard !isPaused, !isDraining else { return }
        var asks = 0
        while true {
            assignQueued(now: now, &out)
            guard !isComplete, !engineWaiting, idleSlots > queue.count, asks < 1_000 else { return }
            asks += 1
            let decisions = feed(.slotFree, now: now, &out)
            decide(decisions, now: now, &out)
            let startsWork = decisions.contains {
                switch $0 {
                case .start, .resume: return true
                default: return false
                }
            }
            if !startsWork {
                engineWaiting = true
                return
            }
        }
    }

    /// Matches each queued assignment with a free slot, if one fits.
    private mutating func assignQueued(now: Double, _ out: inout [CoordinatorAction]) {
        for a in queue {
            guard idleSlots > 0 else { return }
            guard let (w, order) = placement(for: a) else { continue }
            record(.started(order, worker: w), now: now, &out)
            if let free = workers[w]?.announced { workers[w]!.announced = max(0, free - 1) }
            out.append(.publish(.started(order, worker: w)))
            out.append(.send(w, .assign(order)))
        }
    }

    /// Chooses a worker for an assignment: a free worker that holds its checkpoint; else any free
    /// worker if the coordinator holds it (or none is needed); nil while the checkpoint is still on
    /// its way. If no worker that held the checkpoint is known any more and the coordinator never
    /// got it, the trial runs again from resource 0 — the only way left to reach `toResource`.
    private func placement(for a: Assignment) -> (WorkerName, WorkOrder)? {
        guard let book = trials[a.trial] else { return nil }
        let attempt = book.attempt + 1
        let isFinal = a.toResource >= settings.maxResource - 1e-9
        // Not again on a worker where the trial failed, while any other worker could take it.
        let failedOn = Set(book.failedOn)
        let avoid = failedOn.isEmpty || !workers.contains { $0.value.introduced && !failedOn.contains($0.key) && quarantined[$0.key] == nil }
            ? Set<WorkerName>() : failedOn
        let free = workers.filter { $0.value.idle > 0 && quarantined[$0.key] == nil && !avoid.contains($0.key) }
            .sorted { ($0.value.idle, $1.key) > ($1.value.idle, $0.key) }.map(\.key)
        guard let anyFree = free.first else { return nil }
        if a.fromResource <= 0 {
            return (anyFree, WorkOrder(assignment: a, attempt: attempt, checkpoint: .none, isFinal: isFinal))
        }
        let matches = book.checkpointResource.map { same($0, a.fromResource) } ?? false
        if matches {
            if let holder = free.first(where: { book.checkpointHolders.contains($0) }) {
                return (holder, WorkOrder(assignment: a, attempt: attempt, checkpoint: .local, isFinal: isFinal))
            }
            if book.checkpointStored {
                return (anyFree, WorkOrder(assignment: a, attempt: attempt, checkpoint: .coordinator, isFinal: isFinal))
            }
            if book.checkpointHolders.contains(where: { workers[$0] != nil && !avoid.contains($0) }) { return nil }
        }
        var fromScratch = a
        fromScratch.fromResource = 0
        return (anyFree, WorkOrder(assignment: fromScratch, attempt: attempt, checkpoint: .none, isFinal: isFinal))
    }
}
