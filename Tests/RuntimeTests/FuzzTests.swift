// A fuzzer for the coordinator's edge: generated worker messages, mostly about the attempts really
// running, mutated (fields swapped to NaN, ±Infinity, 1e308, Int.max, negatives, huge strings, wrong
// types, unknown trial and attempt ids; fields dropped or doubled; bits flipped, bodies truncated,
// frames dropped or added, headers broken) go through `Envelope.decode` and, when they decode, through the mapping the process
// uses (`WorkerMessageInputs`) into `CoordinatorCore` with the real search engine. A trap fails the
// run; after every episode each persisted record must survive the journal's JSON round trip, and a
// core restored from them must equal the live one. The three inputs that once crashed the
// coordinator are the first messages of every run. CI: 100,000 messages; long mode:
// `RUNG_FUZZ_MESSAGES=10000000 swift test -c release --filter FuzzTests`.
import Foundation
import RungBasics
import Testing
import Search
import Wire
@testable import Runtime

/// What one run did.
struct FuzzTally: CustomStringConvertible {
    var messages = 0, refusedByDecoder = 0, decoded = 0, coreInputs = 0, records = 0, episodes = 0, assignments = 0
    var description: String {
        "\(messages) messages: \(refusedByDecoder) refused by the decoder, \(decoded) decoded, \(coreInputs) core inputs, "
            + "\(assignments) assignments, \(records) records replayed over \(episodes) episodes"
    }
}

/// The study the fuzzed coordinator runs: ASHA over 40 trials, rungs at 1, 3, 9.
private func fuzzStudy() throws -> Study {
    try Study.parse(yaml: """
        name: fuzz
        seed: 5
        trials: 40
        objective: {metric: acc, direction: maximize}
        budget: {min_resource: 1, max_resource: 9, reduction_factor: 3}
        scheduler: asha
        space:
          lr: {type: loguniform, low: 1e-4, high: 1e-1}
        task: {command: ["train", "{lr}"]}
        """)
}

struct CoordinatorFuzzer {
    typealias Core = CoordinatorCore<SearchEngine>
    /// SplitMix64, so one seed fixes a whole run.
    private var rng: SplitMix64
    private let study: Study
    private let settings: Core.Settings
    private var core: Core
    private var records: [JournalRecord] = []
    private var live: [AttemptRef: (worker: WorkerName, order: WorkOrder)] = [:]
    private var seqs: [AttemptRef: Int] = [:]
    private var now = 1_764_000_000.0
    private var sinceCheck = 0
    private(set) var tally = FuzzTally()
    private let workers = ["w0", "w1", "w2"].map { WorkerName($0) }
    private let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.outputFormatting = .sortedKeys
        e.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
        return e
    }()
    private let decoder: JSONDecoder = {
        let d = JSONDecoder()
        d.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
        return d
    }()

    init(seed: UInt64) throws {
        rng = SplitMix64(seed: seed)
        study = try fuzzStudy()
        settings = Core.Settings(objective: "acc", maxResource: 9, leaseTimeout: 30)
        core = Core(engine: SearchEngine(study: study), settings: settings, now: now)
    }

    private mutating func int(_ r: ClosedRange<Int>) -> Int { Int.random(in: r, using: &rng) }
    private mutating func chance(_ p: Double) -> Bool { Double.random(in: 0..<1, using: &rng) < p }

    /// The messages that once crashed the coordinator: a LOG with seq ≥ 9.2e15, REPORTs with a
    /// resource of NaN, ±Infinity and 1e308, two HELLOs with slots near Int.max.
    static let crashSeeds: [(type: String, body: String)] = [
        ("LOG", #"{"trial":0,"attempt":1,"seq":9300000000000000,"stream":"stdout","lines":["x"]}"#),
        ("REPORT", #"{"trial":0,"attempt":1,"seq":2,"resource":"NaN","metrics":{"acc":0.5},"atRung":true}"#),
        ("REPORT", #"{"trial":0,"attempt":1,"seq":3,"resource":"Infinity","metrics":{"acc":0.5},"atRung":true}"#),
        ("REPORT", #"{"trial":0,"attempt":1,"seq":4,"resource":"-Infinity","metrics":{"acc":0.5},"atRung":true}"#),
        ("REPORT", #"{"trial":0,"attempt":1,"seq":5,"resource":1e308,"metrics":{"acc":0.5},"atRung":true}"#),
        ("HELLO", #"{"name":"w1","host":"h","pid":1,"slots":9223372036854775806,"protocolVersion":1,"cachedCheckpoints":[],"running":[]}"#),
        ("HELLO", #"{"name":"w2","host":"h","pid":2,"slots":9223372036854775806,"protocolVersion":1,"cachedCheckpoints":[],"running":[]}"#),
    ]

    /// Runs `count` messages (the crash seeds first), checking the replay after every episode.
    mutating func run(messages count: Int) throws {
        feed(WorkerName("w0"), frames("HELLO", #"{"name":"w0","host":"h","pid":1,"slots":2,"protocolVersion":1,"cachedCheckpoints":[],"running":[]}"#))
        for seed in Self.crashSeeds { feed(workers[0], frames(seed.type, seed.body)) }
        // The same values handed to the core directly (as a buggy decoder would): refused there too.
        let w0 = workers[0], first = live.keys.first ?? AttemptRef(trial: TrialID(0), attempt: 1)
        for r in [Double.nan, .infinity, -.infinity, 1e308] {
            let out = core.handle(.report(w0, EpochReport(trial: first.trial, attempt: first.attempt, seq: 2, resource: r,
                                                          metrics: ["acc": 0.5])), now: now)
            precondition(out.allSatisfy { if case .refuse(_, .malformed) = $0 { return true } else { return false } } && out.count == 1)
        }
        for name in ["h1", "h2"] {
            let out = core.handle(.hello(WorkerName(name), slots: Int.max - 1, running: []), now: now)
            precondition(out.count == 1, "\(out)")
        }
        precondition(WorkerMessageInputs.logLines(LogLines(trial: first.trial, attempt: first.attempt, seq: 9_300_000_000_000_000,
                                                           stream: .stdout, lines: ["x"]), now: now) == nil)
        while tally.messages < count {
            step()
            sinceCheck += 1
            if sinceCheck >= 2_000 || core.isComplete { try checkReplayAndRestart() }
        }
        try checkReplayAndRestart()
    }

    private func frames(_ type: String, _ body: String) -> [Data] {
        var f = [Envelope.frame(type: type, body: body.utf8)]
        if type == "CHECKPOINT_PUT" { f.append(Data([1, 2, 3])) }
        return f
    }

    // MARK: Generation

    /// A JSON value that breaks a field: non-finite, huge, negative, fractional, or the wrong type.
    private mutating func extreme() -> String {
        let pool = [#""NaN""#, #""Infinity""#, #""-Infinity""#, "1e308", "-1e308", "1e999", "-1e999", "9223372036854775807",
                    "-9223372036854775808", "9223372036854775808", "9300000000000000", "-1", "0", "2.5", "1e-320",
                    #""""#, #""x""#, "[]", "{}", "null", "true", "[1,2]", #"{"a":1}"#, "99999", "2147483648"]
        if chance(0.002) { return "\"" + String(repeating: "x", count: int(1_000...200_000)) + "\"" }
        return pool[int(0...(pool.count - 1))]
    }

    /// A message about one of the attempts running now (or a made-up one), as JSON fields.
    private mutating func fields() -> (worker: WorkerName, type: String, fields: [(String, String)]) {
        let runningNow = live.keys.sorted { ($0.trial, $0.attempt) < ($1.trial, $1.attempt) }
        var ref = AttemptRef(trial: TrialID(int(0...45)), attempt: int(1...3))
        var worker = workers[int(0...2)]
        var order: WorkOrder?
        if !runningNow.isEmpty, chance(0.9) {
            ref = runningNow[int(0...(runningNow.count - 1))]
            worker = live[ref]!.worker
            order = live[ref]!.order
        }
        let seq = (seqs[ref] ?? 0) + 1
        seqs[ref] = seq
        let a = order?.assignment
        let target = a?.toResource ?? Double(int(0...9))
        let milestones = a?.reportAt ?? [target]
        let resource = chance(0.7) ? milestones[int(0...(milestones.count - 1))] : Double(int(0...9)) + (chance(0.5) ? 0.5 : 0)
        let acc = chance(0.05) ? #""NaN""# : String(Double.random(in: 0...1, using: &rng))
        let id: [(String, String)] = [("trial", "\(ref.trial.rawValue)"), ("attempt", "\(ref.attempt)"), ("seq", "\(seq)")]
        let running = "[" + runningNow.filter { live[$0]?.worker == worker }
            .map { #"{"trial":\#($0.trial.rawValue),"attempt":\#($0.attempt)}"# }.joined(separator: ",") + "]"
        switch int(0...99) {
        case 0..<38:
            var metrics = #"{"acc":\#(acc),"loss":\#(chance(0.1) ? #""Infinity""# : "0.5")}"#
            if chance(0.03) { metrics = #"{"loss":0.5}"# }  // the objective missing
            return (worker, "REPORT", id + [("resource", "\(resource)"), ("metrics", metrics), ("atRung", "true"),
                                            ("time", "\(now)")])
        case 38..<50:
            let lines = "[" + (0..<int(0...3)).map { #""line \#($0)""# }.joined(separator: ",") + "]"
            return (worker, "LOG", id + [("stream", #""stdout""#), ("lines", lines), ("time", "\(now)")])
        case 50..<62:
            return (worker, "PAUSED", id + [("resource", "\(target)"), ("checkpoint", #""t\#(ref.trial.rawValue)-a\#(ref.attempt)-r\#(target)""#)])
        case 62..<70:
            return (worker, "DONE", id + [("resource", "\(target)")])
        case 70..<73:
            return (worker, "FAILED", id + [("error", #""boom""#)])
        case 73..<81:
            return (worker, "HEARTBEAT", [("running", running), ("freeSlots", "\(int(0...2))")])
        case 81..<89:
            return (worker, "READY", [("freeSlots", "\(int(0...2))")])
        case 89..<92:
            return (worker, "CHECKPOINT_PUT", [("checkpoint", #""c""#), ("trial", "\(ref.trial.rawValue)"), ("attempt", "\(ref.attempt)"),
                                               ("resource", "\(target)"), ("index", "0"), ("count", "1"), ("size", "3"),
                                               ("sha256", "\"" + String(repeating: "ab", count: 32) + "\"")])
        case 92..<97:
            return (worker, "HELLO", [("name", "\"\(worker.rawValue)\""), ("host", #""h""#), ("pid", "1"), ("slots", "\(int(1...3))"),
                                      ("protocolVersion", "1"), ("cachedCheckpoints", "[]"), ("running", running)])
        case 97:
            return (worker, "BYE", [("reason", #""SIGTERM""#)])
        default:
            let types = MessageType.allCases
            return (worker, types[int(0...(types.count - 1))].rawValue, id)
        }
    }

    /// One generated message, mutated a third of the time, sent.
    private mutating func step() {
        if chance(0.02) {
            now += Double(int(0...40))
            tally.coreInputs += 1
            absorb(core.handle(.tick, now: now))
            return
        }
        now += 0.01
        var (worker, type, fields) = fields()
        if chance(0.25), !fields.isEmpty {
            let i = int(0...(fields.count - 1))
            switch int(0...5) {
            case 0, 1, 2: fields[i].1 = extreme()
            case 3: fields.remove(at: i)
            case 4: fields.append((fields[i].0, extreme()))
            default: fields.append(("unknown\(int(0...9))", extreme()))
            }
        }
        var body = Data(("{" + fields.map { "\"\($0.0)\":\($0.1)" }.joined(separator: ",") + "}").utf8)
        var header = Data("\(Envelope.tag) \(type)\n".utf8)
        var f = frames(type, "")
        if chance(0.08) {
            switch int(0...5) {
            case 0, 1:
                if !body.isEmpty { let k = int(0...(body.count - 1)); body[k] ^= UInt8(1 << int(0...7)) }
            case 2: body = body.prefix(int(0...body.count))
            case 3:
                // The header: a byte more after the tag or the type, its newline or space gone, or a bit flipped.
                switch int(0...3) {
                case 0: header.insert(UInt8(int(0...255)), at: Envelope.tag.utf8.count)
                case 1: header.insert(UInt8(int(0...255)), at: header.count - 1)
                case 2: header.remove(at: int(0...1) == 0 ? header.count - 1 : Envelope.tag.utf8.count)
                default: let k = int(0...(header.count - 1)); header[k] ^= UInt8(1 << int(0...7))
                }
            case 4: f.removeLast()
            default: f.append(Data([0]))
            }
        }
        if !f.isEmpty { f[0] = header + body }
        if chance(0.01) { worker = WorkerName("stranger\(int(0...3))") }
        feed(worker, f)
    }

    // MARK: Driving the core

    /// Decodes `frames` from `worker` and hands the message to the core as the process does.
    private mutating func feed(_ worker: WorkerName, _ frames: [Data]) {
        tally.messages += 1
        let message: Message
        do {
            message = try Envelope.decode(frames)
        } catch {
            tally.refusedByDecoder += 1
            return
        }
        tally.decoded += 1
        var inputs: [CoordinatorInput]
        switch message {
        case .hello(let h):
            inputs = [.hello(WorkerName(h.name), slots: h.slots,
                             running: h.running.map { AttemptRef(trial: $0.trial, attempt: $0.attempt) })]
        case .log(let l):
            if let lines = WorkerMessageInputs.logLines(l, now: now) {
                precondition(lines.allSatisfy { $0.seq < WorkerMessageInputs.reportNoteSeq })
            }
            return
        default:
            inputs = WorkerMessageInputs.inputs(message, from: worker)
        }
        for input in inputs {
            tally.coreInputs += 1
            absorb(core.handle(input, now: now))
        }
    }

    /// Keeps the persisted records and follows which attempts run where.
    private mutating func absorb(_ actions: [CoordinatorAction]) {
        for action in actions {
            switch action {
            case .persist(let r): records.append(r)
            case .send(let w, .assign(let order)):
                tally.assignments += 1
                live[order.ref] = (w, order)
            default: break
            }
        }
        for ref in Array(live.keys) {
            guard let book = core.trials[ref.trial], let l = book.live, l.attempt == ref.attempt else {
                live[ref] = nil
                continue
            }
        }
    }

    /// Every record must survive the journal's JSON round trip, and a core restored from the
    /// records must equal the live one; then a new episode starts with a fresh study.
    private mutating func checkReplayAndRestart() throws {
        var replayed: [JournalRecord] = []
        replayed.reserveCapacity(records.count)
        for r in records {
            let bytes = try encoder.encode(r)
            let back = try decoder.decode(JournalRecord.self, from: bytes)
            guard try encoder.encode(back) == bytes else {
                throw FuzzFailure("record does not read back as written: \(String(decoding: bytes, as: UTF8.self))")
            }
            replayed.append(back)
        }
        let restored = Core.restore(engine: SearchEngine(study: study), settings: settings, journal: replayed, now: now)
        func digest(_ c: Core) -> String {
            let trials = c.trials.keys.sorted().map { t -> String in
                let b = c.trials[t]!
                return "\(t.rawValue):\(b.state):\(b.attempt):\(b.liveWorker?.rawValue ?? "-"):\(b.lastSeq):\(b.checkpointResource ?? -1)"
            }
            let running = c.workers.keys.sorted().map { w in "\(w.rawValue)=\(c.workers[w]!.running.sorted { $0.trial < $1.trial })" }
            return "\(trials) queue=\(c.queue.map(\.trial.rawValue)) complete=\(c.isComplete) running=\(running.filter { !$0.hasSuffix("=[]") })"
        }
        let live = digest(core), back = digest(restored)
        guard live == back else { throw FuzzFailure("restore differs from the live core:\nlive:     \(live)\nrestored: \(back)") }
        tally.records += records.count
        tally.episodes += 1
        records = []
        self.live = [:]
        seqs = [:]
        sinceCheck = 0
        core = Core(engine: SearchEngine(study: study), settings: settings, now: now)
        feed(workers[int(0...2)], frames("HELLO", #"{"name":"w\#(int(0...2))","host":"h","pid":1,"slots":\#(int(1...3)),"protocolVersion":1,"cachedCheckpoints":[],"running":[]}"#))
    }
}

struct FuzzFailure: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}

@Suite struct FuzzTests {
    /// The bounded pass CI runs every time (RUNG_FUZZ_MESSAGES raises it for the long mode).
    @Test func coordinatorEdgeSurvivesGeneratedAndMutatedMessages() throws {
        let count = ProcessInfo.processInfo.environment["RUNG_FUZZ_MESSAGES"].flatMap { Int($0) } ?? 100_000
        let seed = ProcessInfo.processInfo.environment["RUNG_FUZZ_SEED"].flatMap { UInt64($0) } ?? 20261206
        var fuzzer = try CoordinatorFuzzer(seed: seed)
        let start = ContinuousClock.now
        try fuzzer.run(messages: count)
        let seconds = (ContinuousClock.now - start) / .seconds(1)
        print("fuzz: \(fuzzer.tally) in \(String(format: "%.1f", seconds)) s, 0 crashes (seed \(seed))")
        #expect(fuzzer.tally.messages >= count)
        // The run reached deep states, not only the decoder's refusals.
        #expect(fuzzer.tally.assignments > count / 100, "\(fuzzer.tally)")
        #expect(fuzzer.tally.refusedByDecoder > count / 20, "\(fuzzer.tally)")
        #expect(fuzzer.tally.decoded > count / 2, "\(fuzzer.tally)")
    }
}
