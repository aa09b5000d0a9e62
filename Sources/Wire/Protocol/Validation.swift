// Range checks on every decoded body, before any receiver does arithmetic with it: ids, counts,
// sequence numbers, resources, sizes, offsets and times must be finite and within `WireBounds`, or
// the message is refused with MALFORMED_BODY naming the field and what is accepted. `Envelope.decode`
// runs them, so nothing from a socket reaches a journal, a store or an `Int(_:)` unchecked.
// Leaves out what a receiver refuses for its own state (stale attempts, unknown trials).

import Search

/// The ranges a decoded message's numbers must lie in (PROTOCOL.md §8 lists them).
public enum WireBounds {
    /// Largest trial id (ids fit an Int32, as every store and language can hold them).
    public static let maxTrial = Int(Int32.max)
    /// Largest attempt number.
    public static let maxAttempt = 1_000_000
    /// Largest `seq`: a LOG's journal position `seq × 1000 + index` stays far below `Int.max / 2`.
    public static let maxSeq = 1 << 40
    /// Most lines in one LOG (the journal numbers a batch's lines `seq × 1000 + index`).
    public static let maxLinesPerLog = 1000
    /// Largest resource (epochs, steps, …) in any message.
    public static let maxResource = 1e12
    /// Most slots a worker may offer in HELLO (the coordinator may cap lower), and largest `freeSlots`.
    public static let maxSlots = 1_000_000
    /// Latest time accepted, in seconds since 1970 (the year 5138); times are ≥ 0.
    public static let maxTime = 1e11
    /// Largest checkpoint, in bytes (1 TiB).
    public static let maxCheckpointBytes = 1 << 40
    /// Most chunks of one checkpoint.
    public static let maxChunks = 1 << 24
    /// Largest count, limit, cursor or process id in a request.
    public static let maxCount = Int(Int32.max)
    /// Longest interval in seconds (heartbeat, lease) a WELCOME may set.
    public static let maxSeconds = 1e7
    /// Longest name, host, checkpoint id or metric name, in bytes.
    public static let maxNameBytes = 1024
    /// Most entries in a list of ids (HELLO's `running` and `cachedCheckpoints`, HEARTBEAT's `running`).
    public static let maxListed = 100_000
}

/// Checks of one body's fields; each failure names the message type and the field.
struct FieldCheck {
    let type: MessageType

    func fail(_ field: String, _ got: String, _ accepted: String) -> WireError {
        WireError(.malformedBody, "\(type.rawValue) body: `\(field)` is \(got); accepted: \(accepted)")
    }

    func int(_ v: Int, _ field: String, _ range: ClosedRange<Int>) throws(WireError) {
        guard range.contains(v) else {
            throw fail(field, "\(v)", "an integer in \(range.lowerBound)…\(range.upperBound)")
        }
    }

    func number(_ v: Double, _ field: String, _ range: ClosedRange<Double>) throws(WireError) {
        guard v.isFinite, range.contains(v) else {
            throw fail(field, v.isNaN ? "NaN" : Self.show(v), "a finite number in \(Self.show(range.lowerBound))…\(Self.show(range.upperBound))")
        }
    }

    /// A number as a person writes it: `0`, `2.5`, `1e+12`, `inf`.
    static func show(_ v: Double) -> String {
        if v.isFinite, v == v.rounded(), abs(v) < 1e6, let i = Int(exactly: v) { return String(i) }
        return String(format: "%g", v)
    }

    func text(_ s: String, _ field: String, max: Int = WireBounds.maxNameBytes, nonEmpty: Bool = false) throws(WireError) {
        let n = s.utf8.count
        guard n <= max, !nonEmpty || n > 0 else {
            throw fail(field, n == 0 ? "empty" : "\(n) bytes long", nonEmpty ? "1…\(max) bytes" : "at most \(max) bytes")
        }
    }

    func count(_ n: Int, _ field: String, max: Int) throws(WireError) {
        guard n <= max else { throw fail(field, "a list of \(n) entries", "at most \(max)") }
    }

    func trial(_ t: TrialID, _ field: String = "trial") throws(WireError) { try int(t.rawValue, field, 0...WireBounds.maxTrial) }
    func attempt(_ a: Int, _ field: String = "attempt") throws(WireError) { try int(a, field, 1...WireBounds.maxAttempt) }
    func seq(_ s: Int) throws(WireError) { try int(s, "seq", 1...WireBounds.maxSeq) }
    func resource(_ r: Double, _ field: String = "resource") throws(WireError) { try number(r, field, 0...WireBounds.maxResource) }
    func time(_ t: Double?, _ field: String = "time") throws(WireError) {
        if let t { try number(t, field, 0...WireBounds.maxTime) }
    }
    func slots(_ n: Int, _ field: String, min: Int) throws(WireError) { try int(n, field, min...WireBounds.maxSlots) }

    func sha256(_ s: String, _ field: String, allowEmpty: Bool) throws(WireError) {
        if allowEmpty && s.isEmpty { return }
        guard s.utf8.count == 64, s.utf8.allSatisfy({ (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }) else {
            throw fail(field, "\"\(s.prefix(80))\"", "64 lowercase hex digits")
        }
    }

    func running(_ list: [TrialAttempt], _ field: String) throws(WireError) {
        try count(list.count, field, max: WireBounds.maxListed)
        for (i, r) in list.enumerated() {
            try trial(r.trial, "\(field)[\(i)].trial")
            try attempt(r.attempt, "\(field)[\(i)].attempt")
        }
    }

    func chunk(_ c: CheckpointChunk) throws(WireError) {
        try text(c.checkpoint, "checkpoint", max: 256, nonEmpty: true)
        try trial(c.trial)
        try attempt(c.attempt)
        try resource(c.resource)
        try int(c.count, "count", 1...WireBounds.maxChunks)
        try int(c.index, "index", 0...(c.count - 1))
        try int(c.size, "size", 0...WireBounds.maxCheckpointBytes)
        try sha256(c.sha256, "sha256", allowEmpty: false)
    }

    func classReport(_ r: ClassReport?) throws(WireError) {
        guard let r else { return }
        for (i, n) in r.support.enumerated() { try int(n, "report.support[\(i)]", 0...WireBounds.maxCount) }
        for (i, row) in r.confusion.enumerated() {
            for (j, n) in row.enumerated() { try int(n, "report.confusion[\(i)][\(j)]", 0...WireBounds.maxCount) }
        }
    }

    func summary(_ s: TrialSummary, _ field: String) throws(WireError) {
        try trial(s.trial, "\(field).trial")
        try int(s.attempt, "\(field).attempt", 0...WireBounds.maxAttempt)
        try int(s.bracket, "\(field).bracket", 0...WireBounds.maxCount)
        try resource(s.resource, "\(field).resource")
    }

    func event(_ e: StudyEvent, _ field: String) throws(WireError) {
        if let t = e.trial { try trial(t, "\(field)trial") }
        if let a = e.attempt { try attempt(a, "\(field)attempt") }
        if let r = e.resource { try resource(r, "\(field)resource") }
        try time(e.time, "\(field)time")
    }

    func log(_ l: LogLines, _ field: String) throws(WireError) {
        try trial(l.trial, "\(field)trial")
        try attempt(l.attempt, "\(field)attempt")
        try seq(l.seq)
        try count(l.lines.count, "\(field)lines", max: WireBounds.maxLinesPerLog)
        try time(l.time, "\(field)time")
    }
}

extension Message {
    /// Checks every number of the body against `WireBounds` (and the HELLO's protocol version).
    /// Metric values and the figures of a per-class report may be non-finite: the protocol spells
    /// those as "NaN", "Infinity", "-Infinity" (a JSON number literal is always finite).
    func validate() throws(WireError) {
        let c = FieldCheck(type: type)
        switch self {
        case .hello(let h):
            try c.text(h.name, "name", nonEmpty: true)
            try c.text(h.host, "host")
            try c.int(h.pid, "pid", 0...WireBounds.maxCount)
            try c.slots(h.slots, "slots", min: 1)
            try c.int(h.protocolVersion, "protocolVersion", 1...Int.max)
            guard h.protocolVersion <= Envelope.version else {
                throw WireError(.unsupportedVersion,
                    "HELLO says protocolVersion \(h.protocolVersion); this coordinator speaks protocol \(Envelope.version) (\(Envelope.tag)) only")
            }
            try c.count(h.cachedCheckpoints.count, "cachedCheckpoints", max: WireBounds.maxListed)
            try c.running(h.running, "running")
        case .ready(let r):
            try c.slots(r.freeSlots, "freeSlots", min: 0)
        case .heartbeat(let h):
            try c.slots(h.freeSlots, "freeSlots", min: 0)
            try c.running(h.running, "running")
        case .report(let r):
            try c.trial(r.trial); try c.attempt(r.attempt); try c.seq(r.seq)
            try c.resource(r.resource)
            try c.count(r.metrics.count, "metrics", max: 10_000)
            for p in r.metrics.pairs { try c.text(p.key, "metrics key", nonEmpty: true) }
            try c.time(r.time)
        case .log(let l):
            try c.log(l, "")
        case .paused(let p):
            try c.trial(p.trial); try c.attempt(p.attempt); try c.seq(p.seq)
            try c.resource(p.resource)
            try c.text(p.checkpoint, "checkpoint", max: 256)
            try c.classReport(p.report)
        case .done(let d):
            try c.trial(d.trial); try c.attempt(d.attempt); try c.seq(d.seq)
            try c.resource(d.resource)
            try c.classReport(d.report)
        case .failed(let f):
            try c.trial(f.trial); try c.attempt(f.attempt); try c.seq(f.seq)
        case .checkpointPut(let k), .checkpoint(let k):
            try c.chunk(k)
        case .checkpointGet(let g):
            try c.text(g.checkpoint, "checkpoint", max: 256, nonEmpty: true)
        case .bye, .wait, .shutdown, .status, .stopStudy, .stopStudyReply, .queryReply,
             .pause, .resume, .enqueue, .controlReply:
            break
        case .workerRelease(let r):
            try c.text(r.worker, "worker", max: 256)
        case .workerReleaseReply(let r):
            for name in r.quarantined { try c.text(name, "quarantined", max: 256) }
        case .stopTrial(let s):
            try c.trial(s.trial)
        case .welcome(let w):
            try c.int(w.worker.rawValue, "worker", 1...WireBounds.maxCount)
            try c.number(w.heartbeatInterval, "heartbeatInterval", 0.001...WireBounds.maxSeconds)
            try c.number(w.leaseTimeout, "leaseTimeout", 0.001...WireBounds.maxSeconds)
            try c.int(w.maxBodyBytes, "maxBodyBytes", 1...WireBounds.maxCount)
            try c.int(w.maxChunkBytes, "maxChunkBytes", 1...WireBounds.maxCount)
        case .assign(let a):
            try c.trial(a.trial); try c.attempt(a.attempt)
            try c.resource(a.fromResource, "fromResource")
            try c.resource(a.toResource, "toResource")
            guard a.fromResource <= a.toResource else {
                throw c.fail("fromResource", "\(a.fromResource)", "at most `toResource` (\(a.toResource))")
            }
            try c.count(a.reportAt.count, "reportAt", max: WireBounds.maxListed)
            for (i, r) in a.reportAt.enumerated() { try c.resource(r, "reportAt[\(i)]") }
            try c.int(a.bracket, "bracket", 0...WireBounds.maxCount)
            if let o = a.objective {
                try c.text(o.metric, "objective.metric", nonEmpty: true)
                guard o.direction == "maximize" || o.direction == "minimize" else {
                    throw c.fail("objective.direction", "\"\(o.direction.prefix(40))\"", "\"maximize\" or \"minimize\"")
                }
            }
            if let ref = a.checkpoint {
                try c.text(ref.id, "checkpoint.id", max: 256, nonEmpty: true)
                try c.resource(ref.resource, "checkpoint.resource")
                try c.int(ref.size, "checkpoint.size", 0...WireBounds.maxCheckpointBytes)
                try c.sha256(ref.sha256, "checkpoint.sha256", allowEmpty: true)
            }
        case .stop(let s):
            try c.trial(s.trial); try c.attempt(s.attempt)
        case .checkpointStored(let s):
            try c.int(s.size, "size", 0...WireBounds.maxCheckpointBytes)
        case .error(let e):
            if let t = e.trial { try c.trial(t) }
            if let a = e.attempt { try c.attempt(a) }
            if let s = e.seq { try c.int(s, "seq", 0...WireBounds.maxSeq) }
        case .statusReply(let s):
            for (state, n) in s.trialsByState { try c.int(n, "trialsByState.\(state.rawValue)", 0...WireBounds.maxCount) }
            for (i, r) in s.rungs.enumerated() {
                try c.resource(r.resource, "rungs[\(i)].resource")
                try c.int(r.trials, "rungs[\(i)].trials", 0...WireBounds.maxCount)
            }
            for (i, w) in s.workers.enumerated() {
                try c.int(w.worker.rawValue, "workers[\(i)].worker", 0...WireBounds.maxCount)
                try c.slots(w.slots, "workers[\(i)].slots", min: 0)
                try c.running(w.running, "workers[\(i)].running")
                try c.time(w.lastSeen, "workers[\(i)].lastSeen")
            }
            if let b = s.best { try c.summary(b, "best") }
        case .trials:
            break
        case .trialsReply(let r), .bestReply(let r):
            for (i, s) in r.trials.enumerated() { try c.summary(s, "trials[\(i)]") }
        case .best(let b):
            try c.int(b.count, "count", 0...WireBounds.maxCount)
        case .logs(let l):
            if let t = l.trial { try c.trial(t) }
            try c.int(l.after, "after", 0...Int.max)
            try c.int(l.limit, "limit", 0...WireBounds.maxCount)
        case .logsReply(let r):
            try c.int(r.cursor, "cursor", 0...Int.max)
            for (i, l) in r.lines.enumerated() { try c.log(l, "lines[\(i)].") }
            for (i, e) in r.events.enumerated() { try c.event(e, "events[\(i)].") }
        case .query(let q):
            if let t = q.trial { try c.trial(t) }
            if let a = q.after { try c.int(a, "after", 0...Int.max) }
            if let l = q.limit { try c.int(l, "limit", 0...WireBounds.maxCount) }
            if let t = q.tail { try c.int(t, "tail", 0...WireBounds.maxCount) }
        case .event(let e):
            try c.event(e, "")
        }
    }
}
