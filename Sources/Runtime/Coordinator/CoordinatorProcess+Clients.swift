// The coordinator's answers to CLI clients over the ROUTER (STATUS, TRIALS, BEST, LOGS, QUERY,
// STOP_STUDY), read from the study store and the live worker table. QUERY hands out the store's
// own read models, so `rung status --connect` prints what `--dir` prints. Leaves out the printing
// (RungCLI).
import Foundation
import Search
import Store
import Wire

extension CoordinatorProcess {
    /// The reply to a client request, or nil if `message` is not one.
    func clientAnswer(_ message: Message) -> Message? {
        do {
            switch message {
            case .status:
                return .statusReply(try status())
            case .trials(let r):
                let all = try store.trials().map(summary)
                return .trialsReply(TrialsReply(trials: r.state.map { s in all.filter { $0.state == s } } ?? all))
            case .best(let r):
                return .bestReply(TrialsReply(trials: try store.leaderboard(limit: max(1, r.count)).map(summary)))
            case .logs(let r):
                return .logsReply(try logs(r))
            case .query(let q):
                return Self.answer(q, store: store, publish: options.publish)
            case .stopStudy:
                return nil  // a state machine input (CoordinatorProcess.handle)
            default:
                return nil
            }
        } catch {
            return .error(ErrorReply(code: .internal, message: "cannot read the study store: \(error)",
                                     regarding: message.type.rawValue))
        }
    }

    /// The reply to a QUERY: what it asks for, read from the study store (a GRDB reader; the
    /// socket thread hands QUERYs to `queries`, so a long read does not hold up ingestion).
    static func answer(_ q: QueryRequest, store: StudyStore, publish: String) -> Message {
        if q.query == .trial || q.query == .report, q.trial == nil {
            return .error(ErrorReply(code: .malformedBody, message: "QUERY `\(q.query.rawValue)` needs the field `trial` (an int)", regarding: "QUERY"))
        }
        do {
            return .queryReply(try read(q, store: store, publish: publish))
        } catch {
            return .error(ErrorReply(code: .internal, message: "cannot read the study store: \(error)", regarding: "QUERY"))
        }
    }

    private static func read(_ q: QueryRequest, store: StudyStore, publish: String) throws -> QueryReply {
        switch q.query {
        case .info:
            return try QueryReply(query: q.query, publish: publish, result: store.studyInfo())
        case .summary:
            return try QueryReply(query: q.query, publish: publish, result: store.summary())
        case .trials:
            return try QueryReply(query: q.query, publish: publish, result: store.trials())
        case .trial:
            return try QueryReply(query: q.query, publish: publish, result: q.trial.flatMap { try store.trial($0) })
        case .leaderboard:
            return try QueryReply(query: q.query, publish: publish, result: store.leaderboard(limit: max(1, q.limit ?? 10)))
        case .journal:
            let query = LogQuery(trial: q.trial, after: Int64(q.after ?? 0), limit: max(1, min(q.limit ?? 5000, 5000)),
                                 tail: q.tail, includeDecisions: q.decisions ?? true)
            return try QueryReply(query: q.query, publish: publish, result: store.logs(query))
        case .export:
            return try QueryReply(query: q.query, publish: publish, result: store.exportRows(allAttempts: q.allAttempts ?? false))
        case .report:
            return try QueryReply(query: q.query, publish: publish, result: q.trial.flatMap { try store.classReport($0) })
        }
    }

    private func status() throws -> StatusReply {
        let s = try store.summary()
        var byState: [Search.TrialState: Int] = [:]
        var byRung: [Double: Int] = [:]
        let rungs = projection.rungs
        for c in s.counts {
            if let w = wireState(c.state) { byState[w, default: 0] += c.count }
            if let r = c.rung, r >= 0, r < rungs.count { byRung[rungs[r], default: 0] += c.count }
        }
        let workers = core.workers.keys.sorted().map { name -> WorkerSummary in
            let w = core.workers[name]!
            let h = hosts[name]
            return WorkerSummary(worker: Wire.WorkerID(h?.id ?? 0), name: name.rawValue, host: h?.host ?? "?",
                                 slots: w.slots,
                                 running: w.running.sorted { $0.trial < $1.trial }.map { TrialAttempt(trial: $0.trial, attempt: $0.attempt) },
                                 lastSeen: w.lastSeen)
        }
        return StatusReply(study: study.name, finished: core.isComplete, trialsByState: byState,
                           rungs: byRung.keys.sorted().map { RungCount(resource: $0, trials: byRung[$0]!) },
                           workers: workers, best: s.best.map(summary))
    }

    private func logs(_ r: LogsRequest) throws -> LogsReply {
        let limit = max(1, min(r.limit, 5000))
        let page = try store.logs(LogQuery(trial: r.trial, after: Int64(r.after), limit: limit,
                                           includeDecisions: r.events || r.trial == nil))
        var lines: [LogLines] = []
        var events: [Wire.StudyEvent] = []
        for e in page.entries {
            if let kind = e.decision {
                guard r.events, let k = StudyEventKind(rawValue: kind.rawValue == "studyCompleted" ? "finished" : kind.rawValue) else { continue }
                events.append(Wire.StudyEvent(kind: k, trial: e.trial, attempt: e.attempt, worker: e.worker,
                                              detail: e.text, time: e.time))
            } else if let t = e.trial, e.stream != .metrics {  // LOGS carries LOG bodies; reports are not LOGs
                lines.append(LogLines(trial: t, attempt: e.attempt ?? 0, seq: e.seq ?? 0,
                                      stream: Wire.LogStream(rawValue: e.stream?.rawValue ?? "stdout") ?? .stdout,
                                      lines: [e.text], time: e.time))
            }
        }
        return LogsReply(lines: lines, events: events, cursor: Int(page.cursor), complete: page.entries.count < limit)
    }

    private func summary(_ t: StoredTrial) -> TrialSummary {
        TrialSummary(trial: t.id, state: wireState(t.state) ?? .queued, attempt: t.attempt, config: t.config,
                     bracket: t.bracket, resource: t.resource, value: t.value, worker: t.worker)
    }

    private func summary(_ e: LeaderboardEntry) -> TrialSummary {
        TrialSummary(trial: e.trial, state: wireState(e.state) ?? .queued, attempt: e.attempt, config: e.config,
                     resource: e.resource, value: e.value, worker: e.worker)
    }

    private func wireState(_ s: TrialStatus) -> Search.TrialState? {
        switch s {
        case .queued, .promoted: return .queued
        case .leased, .running: return .running
        case .paused: return .paused
        case .completed: return .completed
        case .stopped: return .stopped
        case .failed: return .failed
        }
    }
}
