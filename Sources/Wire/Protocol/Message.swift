// Every message of Rung's protocol as one enum: its type, its body, and its chunk frame.
// The coordinator and workers switch over it; nothing in code names a type by string.
// Leaves out the framing (Envelope) and the sockets (Transport).

import Foundation
import RungBasics
import Search

/// One protocol message: its type and the decoded body (and chunk frame) together.
/// Bodies larger than a REPORT are `indirect` (boxed), so a message is about a REPORT's size
/// (57 bytes, not 169; a `RoutedMessage` 104, not 216) and the hot path copies no more than that.
public enum Message: Hashable, Sendable {
    // Worker → coordinator.
    indirect case hello(Hello)
    case ready(Ready)
    case heartbeat(Heartbeat)
    case report(Report)
    case log(LogLines)
    indirect case paused(Paused)
    indirect case done(Done)
    case failed(Failed)
    indirect case checkpointPut(CheckpointChunk)
    case checkpointGet(CheckpointRequest)
    case bye(Bye)
    // Coordinator → worker.
    case welcome(Welcome)
    indirect case assign(Assign)
    case stop(Stop)
    case wait(Wait)
    case shutdown(Shutdown)
    indirect case checkpoint(CheckpointChunk)
    case checkpointStored(CheckpointStored)
    indirect case error(ErrorReply)
    // Clients ↔ coordinator.
    case status(StatusRequest)
    indirect case statusReply(StatusReply)
    case trials(TrialsRequest)
    case trialsReply(TrialsReply)
    case best(BestRequest)
    case bestReply(TrialsReply)
    case logs(LogsRequest)
    case logsReply(LogsReply)
    case stopStudy(StopStudyRequest)
    case stopStudyReply(StopStudyReply)
    case workerRelease(WorkerReleaseRequest)
    case workerReleaseReply(WorkerReleaseReply)
    indirect case query(QueryRequest)
    case queryReply(QueryReply)
    case pause(PauseRequest)
    case resume(ResumeRequest)
    case stopTrial(StopTrialRequest)
    case enqueue(EnqueueRequest)
    case controlReply(ControlReply)
    // PUB only.
    indirect case event(StudyEvent)

    /// The message's type (named in its header line).
    public var type: MessageType {
        switch self {
        case .hello: .hello
        case .ready: .ready
        case .heartbeat: .heartbeat
        case .report: .report
        case .log: .log
        case .paused: .paused
        case .done: .done
        case .failed: .failed
        case .checkpointPut: .checkpointPut
        case .checkpointGet: .checkpointGet
        case .bye: .bye
        case .welcome: .welcome
        case .assign: .assign
        case .stop: .stop
        case .wait: .wait
        case .shutdown: .shutdown
        case .checkpoint: .checkpoint
        case .checkpointStored: .checkpointStored
        case .error: .error
        case .status: .status
        case .statusReply: .statusReply
        case .trials: .trials
        case .trialsReply: .trialsReply
        case .best: .best
        case .bestReply: .bestReply
        case .logs: .logs
        case .logsReply: .logsReply
        case .stopStudy: .stopStudy
        case .stopStudyReply: .stopStudyReply
        case .workerRelease: .workerRelease
        case .workerReleaseReply: .workerReleaseReply
        case .query: .query
        case .queryReply: .queryReply
        case .pause: .pause
        case .resume: .resume
        case .stopTrial: .stopTrial
        case .enqueue: .enqueue
        case .controlReply: .controlReply
        case .event: .event
        }
    }

    /// The body to encode as JSON.
    var body: any Encodable {
        switch self {
        case .hello(let b): b
        case .ready(let b): b
        case .heartbeat(let b): b
        case .report(let b): b
        case .log(let b): b
        case .paused(let b): b
        case .done(let b): b
        case .failed(let b): b
        case .checkpointPut(let b): b
        case .checkpointGet(let b): b
        case .bye(let b): b
        case .welcome(let b): b
        case .assign(let b): b
        case .stop(let b): b
        case .wait(let b): b
        case .shutdown(let b): b
        case .checkpoint(let b): b
        case .checkpointStored(let b): b
        case .error(let b): b
        case .status(let b): b
        case .statusReply(let b): b
        case .trials(let b): b
        case .trialsReply(let b): b
        case .best(let b): b
        case .bestReply(let b): b
        case .logs(let b): b
        case .logsReply(let b): b
        case .stopStudy(let b): b
        case .stopStudyReply(let b): b
        case .workerRelease(let b): b
        case .workerReleaseReply(let b): b
        case .query(let b): b
        case .queryReply(let b): b
        case .pause(let b): b
        case .resume(let b): b
        case .stopTrial(let b): b
        case .enqueue(let b): b
        case .controlReply(let b): b
        case .event(let b): b
        }
    }

    /// Appends the JSON body to `w`; the hot types skip the existential `body` and Codable.
    func encodeBody(into w: inout JSONWriter) throws {
        switch self {
        case .report(let b): b.writeJSON(&w)
        case .log(let b): b.writeJSON(&w)
        case .heartbeat(let b): b.writeJSON(&w)
        case .ready(let b): b.writeJSON(&w)
        default: w.bytes.append(contentsOf: try BodyEncoder.encode(body))
        }
    }

    /// The bytes of the chunk frame, for the types that carry one.
    var binary: Data? {
        switch self {
        case .checkpointPut(let c), .checkpoint(let c): c.bytes
        default: nil
        }
    }

    /// Decodes the body of a message of type `type`; `binary` is the chunk frame if any.
    static func decode(_ type: MessageType, body: Data, binary: Data?) throws -> Message {
        // The hottest body, read without a tree when it is a plain one; anything else (and every
        // refusal) goes the tree's way below.
        if type == .report, let report = EpochReport.plain(body) { return .report(report) }
        let tree = try BodyDecoder.tree(body)
        func b<T: Decodable>(_: T.Type = T.self) throws -> T { try Scalar.decode(T.self, tree, []) }
        switch type {
        case .hello: return .hello(try b())
        // The hot path: hand-written readers, no Codable containers (FastBodies.swift).
        case .ready: return .ready(try Ready(json: tree, path: []))
        case .heartbeat: return .heartbeat(try Heartbeat(json: tree, path: []))
        case .report: return .report(try Report(json: tree, path: []))
        case .log: return .log(try LogLines(json: tree, path: []))
        case .paused: return .paused(try b())
        case .done: return .done(try b())
        case .failed: return .failed(try b())
        case .checkpointPut, .checkpoint:
            var chunk: CheckpointChunk = try b()
            chunk.bytes = binary ?? Data()
            return type == .checkpoint ? .checkpoint(chunk) : .checkpointPut(chunk)
        case .checkpointGet: return .checkpointGet(try b())
        case .bye: return .bye(try b())
        case .welcome: return .welcome(try b())
        case .assign: return .assign(try b())
        case .stop: return .stop(try b())
        case .wait: return .wait(try b())
        case .shutdown: return .shutdown(try b())
        case .checkpointStored: return .checkpointStored(try b())
        case .error: return .error(try b())
        case .status: return .status(try b())
        case .statusReply: return .statusReply(try b())
        case .trials: return .trials(try b())
        case .trialsReply: return .trialsReply(try b())
        case .best: return .best(try b())
        case .bestReply: return .bestReply(try b())
        case .logs: return .logs(try b())
        case .logsReply: return .logsReply(try b())
        case .stopStudy: return .stopStudy(try b())
        case .stopStudyReply: return .stopStudyReply(try b())
        case .workerRelease: return .workerRelease(try b())
        case .workerReleaseReply: return .workerReleaseReply(try b())
        case .query: return .query(try b())
        case .queryReply: return .queryReply(try QueryReply(body: body))
        case .pause: return .pause(try b())
        case .resume: return .resume(try b())
        case .stopTrial: return .stopTrial(try b())
        case .enqueue: return .enqueue(try b())
        case .controlReply: return .controlReply(try b())
        case .event: return .event(try b())
        }
    }
}

extension Message {
    /// The trial, attempt and `seq` a worker's message is about, where it has them (an ERROR
    /// refusing it repeats them, PROTOCOL.md §4.2).
    public var subject: (trial: TrialID, attempt: Int, seq: Int?)? {
        switch self {
        case .report(let b): (b.trial, b.attempt, b.seq)
        case .log(let b): (b.trial, b.attempt, b.seq)
        case .paused(let b): (b.trial, b.attempt, b.seq)
        case .done(let b): (b.trial, b.attempt, b.seq)
        case .failed(let b): (b.trial, b.attempt, b.seq)
        case .checkpointPut(let b): (b.trial, b.attempt, nil)
        default: nil
        }
    }
}
