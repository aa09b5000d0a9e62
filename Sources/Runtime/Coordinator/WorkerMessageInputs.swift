// How a worker's decoded message becomes the coordinator state machine's inputs and the log lines
// the store keeps: shared by `CoordinatorProcess` and the fuzz tests, so what is fuzzed is what runs.
// Leaves out checkpoints, clients and HELLO (the process handles those around the core).
import Search
import Store
import Wire

enum WorkerMessageInputs {
    /// The core inputs for a message from worker `w` (empty for a message that has none).
    static func inputs(_ message: Message, from w: WorkerName) -> [CoordinatorInput] {
        switch message {
        case .ready(let r):
            return [.ready(w, freeSlots: r.freeSlots)]
        case .heartbeat(let hb):
            return [.heartbeat(w, running: hb.running.map { AttemptRef(trial: $0.trial, attempt: $0.attempt) }),
                    .ready(w, freeSlots: hb.freeSlots)]
        case .report(let r):
            return [.report(w, r)]
        case .paused(let p):
            return [.ended(w, AttemptRef(trial: p.trial, attempt: p.attempt), .paused(resource: p.resource))]
        case .done(let d):
            return [.ended(w, AttemptRef(trial: d.trial, attempt: d.attempt), .completed)]
        case .failed(let f):
            let end: AttemptEnd = f.machine == true ? .machineFault(reason: f.error) : .failed(reason: f.error)
            return [.ended(w, AttemptRef(trial: f.trial, attempt: f.attempt), end)]
        case .bye:
            return [.goodbye(w)]
        default:
            return []
        }
    }

    /// The journal seq of a note about a refused per-class report: above any LOG line's.
    static let reportNoteSeq = Int.max / 2

    /// The store's lines of a LOG: line `i` of a batch with `seq` s is numbered `s × 1000 + i`.
    /// Nil when the numbers do not fit (the decoder's bounds, `WireBounds.maxSeq` and
    /// `maxLinesPerLog`, rule that out; checked again here, before any arithmetic is trusted).
    static func logLines(_ l: LogLines, now: Double) -> [LogLine]? {
        let (base, overflow) = l.seq.multipliedReportingOverflow(by: 1000)
        guard !overflow, l.seq >= 1, l.lines.count <= 1000, base < reportNoteSeq - 1000 else { return nil }
        let time = l.time.flatMap { $0.isFinite ? $0 : nil } ?? now
        let stream = Store.LogStream(rawValue: l.stream.rawValue) ?? .stdout
        return l.lines.enumerated().map { i, line in
            LogLine(trial: l.trial, attempt: l.attempt, seq: base + i, time: time, stream: stream, text: line)
        }
    }
}
