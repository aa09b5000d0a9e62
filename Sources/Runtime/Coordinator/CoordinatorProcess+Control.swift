// The coordinator's answers to an operator's control requests (STOP_STUDY, PAUSE, RESUME,
// STOP_TRIAL, ENQUEUE): checked here against the study (unknown trial, a configuration outside
// the search space), then fed to the state machine, which journals them so a restarted
// coordinator remembers them. Leaves out who may send them (the role check, by message type).
import Search
import Wire

extension CoordinatorProcess {
    /// The reply to a control request after feeding it to the state machine, or nil if `message`
    /// is not one.
    func control(_ message: Message, now: Double, _ steps: inout [Step]) -> Message? {
        func input(_ i: CoordinatorInput) { steps += core.handle(i, now: now).map(Step.core) }
        func refuse(_ code: WireError.Code, _ text: String, trial: TrialID? = nil) -> Message {
            .error(ErrorReply(code: code, message: text, regarding: message.type.rawValue, trial: trial))
        }
        func reply(_ changed: Bool, _ text: String) -> Message {
            onEvent?("operator: \(text)")
            return .controlReply(ControlReply(changed: changed, message: text))
        }
        let running = core.trials.values.filter { $0.liveWorker != nil }.count
        switch message {
        case .stopStudy(let r):
            let stopping = !core.isComplete
            let drain = r.drain ?? false
            onEvent?("\(drain ? "drain" : "stop") requested by a client: \(r.reason)")
            input(.stopStudy(drain: drain))
            return .stopStudyReply(StopStudyReply(stopping: stopping))
        case .pause:
            guard !core.isComplete else { return refuse(.unexpectedMessage, "the study is finished; there is nothing to pause") }
            guard !core.isPaused else { return reply(false, "already paused; `rung resume` goes on") }
            input(.pause)
            return reply(true, "paused: no new assignments; \(running) running attempt(s) go on to their next rung and pause or complete there")
        case .resume:
            guard !core.isComplete else { return refuse(.unexpectedMessage, "the study is finished; there is nothing to resume") }
            guard core.isPaused else { return reply(false, "not paused; assignments go on") }
            input(.resume)
            return reply(true, "resumed: assignments go on")
        case .stopTrial(let r):
            guard let book = core.trials[r.trial] else {
                let known = core.trials.keys.max().map { " (it has trials 0…\($0.rawValue))" } ?? " (it has no trials yet)"
                return refuse(.unknownTrial, "trial \(r.trial) is not part of this study\(known)", trial: r.trial)
            }
            guard !book.state.isFinal else {
                return reply(false, "trial \(r.trial) is already \(Self.phaseName(book.state)); nothing to stop")
            }
            let was = Self.phaseName(book.state)
            input(.stopTrial(r.trial))
            return reply(true, "trial \(r.trial) stopped (it was \(was))")
        case .enqueue(let r):
            let config = study.space.canonical(r.config)
            if let problem = core.engine.enqueueProblem(config) {
                return refuse(.unexpectedMessage, "cannot enqueue \(Readable.config(config)): \(problem)")
            }
            input(.enqueue(config))
            let started = core.engine.enqueuedCount == 0 ? "started as trial \(core.engine.trials.count - 1)" : "it runs as the next new trial"
            let paused = core.isPaused ? " (the study is paused: it starts after `rung resume`)" : ""
            return reply(true, "enqueued \(Readable.config(config)); \(started)\(paused)")
        default:
            return nil
        }
    }

    static func phaseName(_ p: TrialPhase) -> String {
        switch p {
        case .queued: return "queued"
        case .running: return "running"
        case .paused: return "paused at a rung"
        case .lost: return "queued again (its worker was lost)"
        case .completed: return "completed"
        case .stopped: return "stopped"
        case .failed: return "failed"
        }
    }
}
