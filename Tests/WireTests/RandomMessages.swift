// Random protocol messages of every type for the property tests: awkward strings (quotes,
// backslashes, control characters, non-ASCII), extreme numbers, empty and large collections.
// Every number lies within `WireBounds` (the decoder refuses the others; FuzzTests sends those).
// Leaves out non-finite metrics (NaN ≠ NaN) — EnvelopeTests checks those by hand.

import Foundation
import RungBasics
import Search
@testable import Wire

struct RandomMessages {
    /// SplitMix64: one UInt64 from the property checker fixes a message.
    var r: SplitMix64
    init(seed: UInt64) { r = SplitMix64(seed: seed) }

    mutating func int(_ range: ClosedRange<Int> = -1_000_000...1_000_000) -> Int { Int.random(in: range, using: &r) }
    mutating func bool() -> Bool { Bool.random(using: &r) }
    mutating func count(_ max: Int = 4) -> Int { Int.random(in: 0...max, using: &r) }

    /// Finite doubles over many magnitudes, integral ones included.
    mutating func double() -> Double {
        switch int(0...4) {
        case 0: return Double.random(in: -1...1, using: &r)
        case 1: return Double.random(in: -1e-300...1e-300, using: &r)
        case 2: return Double.random(in: -1e300...1e300, using: &r) + 0.5
        case 3: return Double(int(-1000...1000))
        default: return Double.random(in: 0...100, using: &r)
        }
    }

    /// A resource: 0…1e6, integral half the time.
    mutating func resource() -> Double { bool() ? Double(int(0...1000)) : Double.random(in: 0...1e6, using: &r) }
    /// A time: seconds since 1970 up to 2033.
    mutating func time() -> Double { Double.random(in: 0...2e9, using: &r) }
    /// A SHA-256 in lowercase hex.
    mutating func sha() -> String { String((0..<64).map { _ in "0123456789abcdef".randomElement(using: &r)! }) }
    /// A non-empty string.
    mutating func name() -> String { string() + "n" }

    mutating func string() -> String {
        let pieces = ["a", "Z", "9", " ", "\"", "\\", "/", "\n", "\t", "\u{0}", "\u{1f}", "é", "Δ", "🚀", "{", "}", "[", "]", ":", ","]
        return String((0..<count(12)).map { _ in pieces.randomElement(using: &r)! }.joined())
    }

    mutating func trial() -> TrialID { TrialID(int(0...100_000)) }
    /// A per-class report of 1–4 classes (the wire does not check its shape; the store does).
    mutating func classReport() -> ClassReport {
        let k = int(1...4)
        return ClassReport(split: string(), classNames: (0..<k).map { _ in string() }, accuracy: double(),
                           precision: (0..<k).map { _ in double() }, recall: (0..<k).map { _ in double() },
                           f1: (0..<k).map { _ in double() }, support: (0..<k).map { _ in int(0...1000) },
                           confusion: (0..<k).map { _ in (0..<k).map { _ in int(0...1000) } })
    }

    mutating func optional<T>(_ make: (inout RandomMessages) -> T) -> T? { bool() ? make(&self) : nil }

    /// Parameter values, integral doubles included: the body encoder writes 2.0 as `2.0` and the
    /// decoder reads an Int only from an integer literal, so `.double(2)` stays `.double(2)`.
    mutating func parameter() -> ParameterValue {
        switch int(0...3) {
        case 0: return .double(double())
        case 1: return .int(int())
        case 2: return .string(string())
        default: return .bool(bool())
        }
    }

    mutating func config() -> Configuration {
        var c: Configuration = [:]
        for _ in 0..<count(5) { c[string()] = parameter() }
        return c
    }

    mutating func json(depth: Int = 0) -> JSONValue {
        switch int(0...(depth > 2 ? 4 : 6)) {
        case 0: return .null
        case 1: return .bool(bool())
        case 2: return .double(double())
        case 3: return .int(int())
        case 4: return .string(string())
        case 5: return .array((0..<count()).map { _ in json(depth: depth + 1) })
        default:
            var o: [String: JSONValue] = [:]
            for _ in 0..<count() { o[string()] = json(depth: depth + 1) }
            return .object(o)
        }
    }

    mutating func metrics() -> MetricValues {
        var m = MetricValues()
        for _ in 0..<count(6) { m[name()] = double() }
        return m
    }

    mutating func attempt() -> TrialAttempt { TrialAttempt(trial: trial(), attempt: int(1...9)) }
    mutating func logLines() -> LogLines {
        LogLines(trial: trial(), attempt: int(1...9), seq: int(1...1_000_000), stream: LogStream.allCases.randomElement(using: &r)!,
                 lines: (0..<count(5)).map { _ in string() }, time: optional { $0.time() })
    }
    mutating func chunk() -> CheckpointChunk {
        let n = int(1...50)
        return CheckpointChunk(checkpoint: name(), trial: trial(), attempt: int(1...9), resource: resource(),
                               index: int(0...(n - 1)), count: n, size: int(0...1 << 30), sha256: sha(),
                               bytes: Data((0..<count(300)).map { _ in UInt8.random(in: 0...255, using: &r) }))
    }
    mutating func summary() -> TrialSummary {
        TrialSummary(trial: trial(), state: TrialState.allCases.randomElement(using: &r)!, attempt: int(1...9),
                     config: config(), bracket: int(0...5), resource: resource(), value: optional { $0.double() },
                     worker: optional { $0.string() })
    }
    mutating func event() -> StudyEvent {
        StudyEvent(kind: StudyEventKind.allCases.randomElement(using: &r)!, trial: optional { $0.trial() },
                   attempt: optional { $0.int(1...9) }, resource: optional { $0.resource() }, value: optional { $0.double() },
                   worker: optional { $0.string() }, detail: optional { $0.string() }, time: time())
    }

    /// A random message of type `type`.
    mutating func message(_ type: MessageType) -> Message {
        switch type {
        case .hello:
            return .hello(Hello(name: name(), host: string(), pid: int(1...4_000_000), slots: int(1...64),
                                protocolVersion: 1, cachedCheckpoints: (0..<count()).map { _ in string() },
                                running: (0..<count()).map { _ in attempt() }))
        case .ready: return .ready(Ready(freeSlots: int(0...64)))
        case .heartbeat: return .heartbeat(Heartbeat(running: (0..<count()).map { _ in attempt() }, freeSlots: int(0...8)))
        case .report:
            return .report(Report(trial: trial(), attempt: int(1...9), seq: int(1...1_000_000), resource: resource(),
                                  metrics: metrics(), atRung: bool(), time: optional { $0.time() }))
        case .log: return .log(logLines())
        case .paused:
            return .paused(Paused(trial: trial(), attempt: int(1...9), seq: int(1...999), resource: resource(), checkpoint: string(),
                                  report: optional { $0.classReport() }))
        case .done:
            return .done(Done(trial: trial(), attempt: int(1...9), seq: int(1...999), resource: resource(),
                              report: optional { $0.classReport() }))
        case .failed: return .failed(Failed(trial: trial(), attempt: int(1...9), seq: int(1...999), error: string(),
                                            machine: optional { $0.bool() }))
        case .checkpointPut: return .checkpointPut(chunk())
        case .checkpointGet: return .checkpointGet(CheckpointRequest(checkpoint: name()))
        case .bye: return .bye(Bye(reason: string()))
        case .welcome:
            return .welcome(Welcome(worker: WorkerID(int(1...1000)), study: string(), heartbeatInterval: Double.random(in: 0.01...100, using: &r),
                                    leaseTimeout: Double.random(in: 0.01...1000, using: &r), maxBodyBytes: int(1...1 << 24), maxChunkBytes: int(1...1 << 24)))
        case .assign:
            let from = resource()
            return .assign(Assign(trial: trial(), attempt: int(1...9), config: config(), task: json(),
                                  fromResource: from, toResource: from + resource(), reportAt: (0..<count()).map { _ in resource() },
                                  bracket: int(0...5), final: bool(),
                                  checkpoint: optional { CheckpointRef(id: $0.name(), resource: $0.resource(), size: $0.int(0...1 << 30), sha256: $0.sha()) },
                                  objective: optional { ObjectiveRef(metric: $0.name(), direction: $0.bool() ? "maximize" : "minimize") }))
        case .stop: return .stop(Stop(trial: trial(), attempt: int(1...9), reason: string()))
        case .wait: return .wait(Wait(reason: string()))
        case .shutdown: return .shutdown(Shutdown(reason: string()))
        case .checkpoint: return .checkpoint(chunk())
        case .checkpointStored: return .checkpointStored(CheckpointStored(checkpoint: string(), size: int(0...1 << 30)))
        case .error:
            return .error(ErrorReply(code: WireError.Code.allCases.randomElement(using: &r)!, message: string(),
                                     regarding: optional { $0.string() }, trial: optional { $0.trial() }, attempt: optional { $0.int(1...9) },
                                     seq: optional { $0.int(1...99) }))
        case .status: return .status(StatusRequest())
        case .statusReply:
            var byState: [TrialState: Int] = [:]
            for s in TrialState.allCases where bool() { byState[s] = int(0...500) }
            return .statusReply(StatusReply(
                study: string(), finished: bool(), trialsByState: byState,
                rungs: (0..<count()).map { _ in RungCount(resource: resource(), trials: int(0...500)) },
                workers: (0..<count(3)).map { _ in
                    WorkerSummary(worker: WorkerID(int(1...99)), name: string(), host: string(), slots: int(1...8),
                                  running: (0..<count(2)).map { _ in attempt() }, lastSeen: time())
                },
                best: optional { $0.summary() }))
        case .trials: return .trials(TrialsRequest(state: optional { TrialState.allCases.randomElement(using: &$0.r)! }))
        case .trialsReply: return .trialsReply(TrialsReply(trials: (0..<count()).map { _ in summary() }))
        case .best: return .best(BestRequest(count: int(1...50)))
        case .bestReply: return .bestReply(TrialsReply(trials: (0..<count()).map { _ in summary() }))
        case .logs:
            return .logs(LogsRequest(trial: optional { $0.trial() }, after: int(0...1_000_000), events: bool(), limit: int(1...5000)))
        case .logsReply:
            return .logsReply(LogsReply(lines: (0..<count()).map { _ in logLines() }, events: (0..<count()).map { _ in event() },
                                        cursor: int(0...1_000_000), complete: bool()))
        case .stopStudy: return .stopStudy(StopStudyRequest(reason: string(), drain: optional { $0.bool() }))
        case .pause: return .pause(PauseRequest(reason: optional { $0.string() }))
        case .resume: return .resume(ResumeRequest())
        case .stopTrial: return .stopTrial(StopTrialRequest(trial: trial()))
        case .enqueue: return .enqueue(EnqueueRequest(config: config()))
        case .controlReply: return .controlReply(ControlReply(changed: bool(), message: string()))
        case .stopStudyReply: return .stopStudyReply(StopStudyReply(stopping: bool()))
        case .workerRelease: return .workerRelease(WorkerReleaseRequest(worker: string()))
        case .workerReleaseReply:
            return .workerReleaseReply(WorkerReleaseReply(released: bool(), quarantined: (0..<count()).map { _ in string() }))
        case .query:
            return .query(QueryRequest(query: QueryKind.allCases.randomElement(using: &r)!, trial: optional { $0.trial() },
                                       after: optional { $0.int(0...1_000_000) }, limit: optional { $0.int(1...5000) },
                                       tail: optional { $0.int(1...100) }, decisions: optional { $0.bool() },
                                       allAttempts: optional { $0.bool() }))
        case .queryReply:
            return .queryReply(try! QueryReply(query: QueryKind.allCases.randomElement(using: &r)!, publish: optional { $0.string() },
                                               result: (0..<count()).map { _ in summary() }))
        case .event: return .event(event())
        }
    }
}

/// The JSON body of a message frame: the bytes after its header line (`RUNG2 TYPE\n`).
func body(ofFrame frame: Data) -> Data {
    frame.subdata(in: (frame.firstIndex(of: 0x0A)! + 1)..<frame.endIndex)
}
