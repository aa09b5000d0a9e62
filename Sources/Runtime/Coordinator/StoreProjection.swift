// How the coordinator's journal records and events become rows of the study store (trials,
// attempts, rung results, engine events, decisions) and PUB events — the form `rung status`,
// `rung logs --all` and `rung export` read. Leaves out the journal itself and the sockets.
import Foundation
import Search
import Store
import Wire

/// Writes journal records and coordinator events into the study store.
struct StoreProjection {
    /// The study's objective metric.
    var objective: String
    /// The rung milestones (resources), increasing.
    var rungs: [Double]

    /// Writes one record inside a store transaction at time `now` (wall seconds since 1970).
    func project(_ record: JournalRecord, _ tx: StoreTransaction, now: Double) throws {
        switch record {
        case .engine(let event, let at):
            try tx.appendEngineEvent(event, now: at)
        case .queued(let a):
            try tx.upsertTrial(a.trial, config: a.config, bracket: a.bracket,
                               state: a.fromResource > 0 ? .promoted : .queued, now: now)
        case .started(let order, let worker):
            let a = order.assignment
            try tx.beginAttempt(a.trial, worker: worker.rawValue, fromResource: a.fromResource,
                                toResource: a.toResource, now: now)
        case .epoch(let e):
            var mark: RungMark?
            if let index = rungs.firstIndex(where: { same($0, e.resource) }), let value = e.metrics[objective] {
                mark = RungMark(rung: index, resource: e.resource, value: value)
            }
            let outcome = try tx.recordReport(TrialReport(e, receivedAt: now, rung: mark))
            // The metric line also joins the trial's log (`rung logs --metrics`), in its place among
            // the other lines: seq × 1000, which no LOG line of the attempt uses (REPORT and LOG share seq).
            // (seq ≤ 2^40, checked by the decoder and the core, so the product cannot overflow.)
            let (logSeq, overflow) = e.seq.multipliedReportingOverflow(by: 1000)
            if outcome == .accepted || outcome == .repeatedRung, !overflow {
                _ = try tx.recordLog(LogLine(trial: e.trial, attempt: e.attempt, seq: logSeq, time: now,
                                             stream: .metrics, text: Journal.metricLine(e)))
            }
        case .ended(let ref, let end):
            switch end {
            case .paused:
                try tx.endAttempt(ref.trial, attempt: ref.attempt, outcome: .paused, now: now)
                try tx.setTrialState(ref.trial, .paused, now: now)
                try tx.clearTrialError(ref.trial)
            case .completed:
                try tx.endAttempt(ref.trial, attempt: ref.attempt, outcome: .completed, now: now)
                try tx.setTrialState(ref.trial, .completed, now: now)
                try tx.clearTrialError(ref.trial)
            case .failed(let reason):
                try tx.endAttempt(ref.trial, attempt: ref.attempt, outcome: .failed, now: now)
                try tx.setTrialState(ref.trial, .failed, error: reason, now: now)
            case .stopped:
                try tx.endAttempt(ref.trial, attempt: ref.attempt, outcome: .stopped, now: now)
            case .machineFault:
                try tx.endAttempt(ref.trial, attempt: ref.attempt, outcome: .lost, now: now)
                try tx.setTrialState(ref.trial, .queued, now: now)
            }
        case .lost(let ref, _):
            try tx.endAttempt(ref.trial, attempt: ref.attempt, outcome: .lost, now: now)
            try tx.setTrialState(ref.trial, .queued, now: now)
        case .retried(let ref, _):
            try tx.setTrialState(ref.trial, .queued, now: now)
        case .stopped(let t):
            try tx.setTrialState(t, .stopped, now: now)
        case .failed(let t, let reason):
            try tx.setTrialState(t, .failed, error: reason, now: now)
        case .checkpointHeld, .checkpointStored:
            break
        case .assignmentsPaused(let paused):
            if paused { try tx.setStudyState(.paused, from: .running) } else { try tx.setStudyState(.running, from: .paused) }
        case .draining:
            try tx.setStudyState(.draining)
        case .complete:
            try tx.setStudyState(.completed)
        case .quarantined(let w, let reason):
            try tx.setWorkerState(w.rawValue, .quarantined, note: reason)
        case .released(let w):
            try tx.releaseWorker(w.rawValue)
        }
    }

    /// "rung 1 (epoch 3) val_acc 0.8123": where a resource sits on the ladder, and the objective
    /// there when known.
    func rungText(_ resource: Double, _ value: RungValue?) -> String {
        var s = rungs.firstIndex(where: { same($0, resource) }).map { "rung \($0) (epoch \(resourceLabel(resource)))" }
            ?? "epoch \(resourceLabel(resource))"
        if let v = value, same(v.resource, resource) { s += " \(objective) \(Readable.metric(v.value))" }
        return s
    }

    /// The decision row and the PUB event for a coordinator event, if it has them. `value` gives a
    /// trial's objective at its last rung milestone (for pauses, promotions and completions).
    func describe(_ event: CoordinatorEvent, now: Double,
                  value: (TrialID) -> RungValue? = { _ in nil }) -> (DecisionRecord, Wire.StudyEvent?)? {
        func pair(_ kind: DecisionKind, _ wireKind: StudyEventKind?, trial: TrialID? = nil, attempt: Int? = nil,
                  worker: WorkerName? = nil, resource: Double? = nil, value: Double? = nil,
                  detail: String) -> (DecisionRecord, Wire.StudyEvent?)? {
            let d = DecisionRecord(time: now, kind: kind, trial: trial, attempt: attempt, worker: worker?.rawValue,
                                   detail: detail)
            let e = wireKind.map {
                Wire.StudyEvent(kind: $0, trial: trial, attempt: attempt, resource: resource, value: value,
                                worker: worker?.rawValue, detail: detail, time: now)
            }
            return (d, e)
        }
        switch event {
        case .started(let order, let w):
            let a = order.assignment
            let resumed = a.fromResource > 0
            let from = resumed ? " from its checkpoint at \(resourceLabel(a.fromResource))" : ""
            return pair(resumed ? .resumed : .started, resumed ? .resumed : .started, trial: a.trial,
                        attempt: order.attempt, worker: w, resource: a.toResource,
                        detail: "attempt \(order.attempt) on \(w)\(from), up to \(resourceLabel(a.toResource)) \(configText(a.config))")
        case .epoch:
            return nil
        case .paused(let ref, let r):
            let v = value(ref.trial)
            return pair(.paused, .paused, trial: ref.trial, attempt: ref.attempt, resource: r, value: v?.value,
                        detail: "paused at \(rungText(r, v)) with a checkpoint")
        case .completed(let ref):
            let v = value(ref.trial)
            let at = v.map { " at \(rungText($0.resource, $0))" } ?? ""
            return pair(.completed, .completed, trial: ref.trial, attempt: ref.attempt, resource: v?.resource,
                        value: v?.value, detail: "completed\(at)")
        case .promoted(let t, let to):
            let v = value(t)
            let from = v.map { " from \(rungText($0.resource, $0))" } ?? ""
            return pair(.promoted, .promoted, trial: t, resource: to, value: v?.value,
                        detail: "promoted\(from), to run up to epoch \(resourceLabel(to))")
        case .stopped(let t):
            return pair(.stopped, .stopped, trial: t, detail: "stopped: lost its rung")
        case .failed(let t, let reason):
            return pair(.failed, .failed, trial: t, detail: "failed: \(reason)")
        case .lost(let ref, let w):
            return pair(.lost, .lost, trial: ref.trial, attempt: ref.attempt, worker: w,
                        detail: "attempt \(ref.attempt) lost with worker \(w)")
        case .requeued(let t):
            return pair(.requeued, .requeued, trial: t, detail: "queued again from its last checkpoint")
        case .attemptFailed(let ref, let w, let reason):
            return pair(.requeued, .requeued, trial: ref.trial, attempt: ref.attempt, worker: w,
                        detail: "attempt \(ref.attempt) failed on \(w): \(reason); queued again for another worker (a failure counts when it follows the trial to a second machine)")
        case .workerJoined(let w, let slots):
            return pair(.workerJoined, nil, worker: w, detail: "worker \(w) joined with \(slots) slot(s)")
        case .workerLeft(let w):
            return pair(.workerLeft, nil, worker: w, detail: "worker \(w) left")
        case .workerQuarantined(let w, let reason):
            return pair(.workerQuarantined, nil, worker: w, detail: "worker \(w) quarantined (no new work until `rung worker-release \(w)` or its restart): \(reason)")
        case .workerReleased(let w):
            return pair(.workerReleased, nil, worker: w, detail: "worker \(w) released from quarantine")
        case .studyComplete:
            return pair(.studyCompleted, .finished, detail: "study complete")
        case .control(let c):
            switch c {
            case .paused:
                return pair(.note, nil, detail: "paused by an operator: no new assignments until `rung resume`; running attempts go on to their next rung")
            case .resumed:
                return pair(.note, nil, detail: "resumed by an operator: assignments go on")
            case .draining:
                return pair(.note, nil, detail: "draining (asked by an operator): nothing new starts; the study ends when the running attempts have finished")
            case .enqueued(let config):
                return pair(.note, nil, detail: "configuration enqueued by an operator, to run next: \(configText(config))")
            case .stopRequested(let t):
                return pair(.stopped, .stopped, trial: t, detail: "stopped by an operator")
            case .seeded(let n):
                return pair(.note, nil, detail: "sampler seeded with \(n) result(s) of an earlier study (warm start)")
            }
        }
    }
}

/// `{lr=0.01, layers=3}` in key order.
func configText(_ c: Configuration) -> String { Readable.config(c) }
