// Who may send what to a coordinator: the three peer roles (worker, reader, operator) and, for each
// message type, the role it needs. This is the one place a new message type declares its role; the
// coordinator checks the sender's roles (from its CURVE key's folder in the allow-list) against it
// before the message reaches any handler. Leaves out the keys (KeyFiles.swift) and the check itself
// (CoordinatorProcess.handle).
import Wire

/// A role a CURVE key holds, by the allow-list folder its `.pub` file is in (PROTOCOL.md §9).
public enum PeerRole: String, Sendable, Hashable, CaseIterable, Comparable {
    /// Runs trials: HELLO, REPORT, LOG, PAUSED/DONE/FAILED, checkpoints (`allow/workers/`).
    case worker
    /// Reads the study: STATUS, TRIALS, BEST, LOGS, QUERY (`allow/clients/`).
    case reader
    /// Reads and steers the study: STOP_STUDY and the control messages (`allow/operators/`).
    case `operator`

    /// The allow-list folder whose `.pub` files hold this role.
    public var folder: String {
        switch self {
        case .worker: "workers"
        case .reader: "clients"
        case .operator: "operators"
        }
    }

    /// The roles a key in this role's folder holds: an operator also reads, a worker also reads
    /// (so `rung status` works with a worker's key on its own host).
    public var implied: Set<PeerRole> {
        switch self {
        case .worker: [.worker, .reader]
        case .reader: [.reader]
        case .operator: [.operator, .reader]
        }
    }

    public static func < (a: PeerRole, b: PeerRole) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }
}

extension MessageType {
    /// The role a peer needs for the coordinator to accept this message from it; nil for a type
    /// only the coordinator sends (refused as UNEXPECTED_MESSAGE whoever sends it). A new message
    /// type must be added here (the switch is exhaustive on purpose).
    public var requiredRole: PeerRole? {
        switch self {
        case .hello, .ready, .heartbeat, .report, .log, .paused, .done, .failed,
             .checkpointPut, .checkpointGet, .bye:
            return .worker
        case .status, .trials, .best, .logs, .query:
            return .reader
        case .stopStudy, .pause, .resume, .stopTrial, .enqueue, .workerRelease:
            return .operator
        case .welcome, .assign, .stop, .wait, .shutdown, .checkpoint, .checkpointStored, .error,
             .statusReply, .trialsReply, .bestReply, .logsReply, .stopStudyReply, .queryReply, .controlReply, .workerReleaseReply, .event:
            return nil
        }
    }
}
