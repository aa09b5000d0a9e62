// `rung logs --connect … --follow` after the history: a SUB socket on the coordinator's PUB hears
// that a trial's lines (or a decision) were committed, and the follower then reads the journal
// after its cursor over the ROUTER. The store is the one source of what is printed, so nothing is
// lost or printed twice at the seam between history and live, nor when PUB drops a message for a
// slow subscriber (a quiet spell of 2 s also triggers a read). Leaves out the printing (RungCLI).
import Foundation
import Search
import Store
import Wire

/// Why following ended.
public enum FollowEnding: Sendable, Equatable {
    /// The followed trial reached a final state: nothing more will be written about it.
    case trialEnded(TrialID, TrialStatus)
    /// The study is no longer running.
    case studyEnded(String, StudyState)
    /// The caller asked to stop (Ctrl-C).
    case interrupted
}

/// Follows a study's journal live: one trial's entries (all its attempts, on any worker) or all.
public final class LiveLogFollower {
    private let reader: LiveStudyReader
    private let context: ZMQContext
    private let sub: ZMQSocket
    private let trial: TrialID?
    /// Where the SUB socket is connected.
    public let publishEndpoint: String

    /// Subscribes at once (before the caller reads the history): `log/<study>/<trial>/` (or
    /// `log/<study>/` for every trial) and `event/<study>/`. `publish` overrides the endpoint
    /// derived from the coordinator's reply (its PUB port on the ROUTER's host).
    public init(reader: LiveStudyReader, study: String, trial: TrialID?, publish: String? = nil) throws {
        self.reader = reader
        self.trial = trial
        guard let endpoint = publish ?? ClientEndpoint.publish(router: reader.endpoint, bound: reader.publishBinding) else {
            throw RuntimeError(.invalidArgument, "cannot tell the coordinator's publish endpoint from \(reader.endpoint); give --publish tcp://HOST:PORT")
        }
        publishEndpoint = endpoint
        let logTopic = trial.map { Topic.logs(study: study, trial: $0) } ?? Topic.logs(study: study)
        do {
            context = try ZMQContext()
            sub = try ZMQSocket(context, .sub, options: [
                .linger(milliseconds: 0), .reconnectInterval(milliseconds: 200), .receiveHighWaterMark(100_000),
                .subscribe(Data(logTopic.utf8)), .subscribe(Data(Topic.events(study: study).utf8)),
            ] + (reader.curve?.socketOptions ?? []))
            try sub.connect(endpoint)
        } catch {
            throw RuntimeError(.invalidArgument, "cannot subscribe to the coordinator's live events at \(endpoint): \(error)")
        }
    }

    deinit { sub.close() }

    /// Prints (through `emit`) every journal entry after `query.after` as it is committed, until the
    /// followed trial or the study ends (after the last entry) or `interrupted()` is true.
    public func follow(_ query: LogQuery, emit: ([JournalEntry]) -> Void,
                       interrupted: () -> Bool) async throws -> FollowEnding {
        var query = query
        query.tail = nil
        func drain() async throws {
            while true {
                let page = try await reader.logs(query)
                if page.entries.isEmpty { return }
                emit(page.entries)
                query.after = page.cursor
            }
        }
        var check = true
        var quietSince = Date()
        while true {
            if interrupted() { return .interrupted }
            if check {
                check = false
                if let end = try await ending() {
                    try await drain()
                    return end
                }
            }
            var woke = false
            var frames = try receive(wait: .milliseconds(200))
            while let f = frames {
                woke = true
                if case .event(let e)? = try? Envelope.decodePublished(f).message, ends(e) { check = true }
                frames = try receive(wait: nil)
            }
            if woke {
                quietSince = Date()
                try await drain()
            } else if Date().timeIntervalSince(quietSince) >= 2 {
                quietSince = Date()
                try await drain()
                check = true
            }
        }
    }

    /// True for an event after which the follower should check whether it is done.
    private func ends(_ e: Wire.StudyEvent) -> Bool {
        if e.kind == .finished { return true }
        guard let trial, e.trial == trial else { return false }
        return e.kind == .completed || e.kind == .failed || e.kind == .stopped
    }

    private func ending() async throws -> FollowEnding? {
        if let trial, let t = try await reader.trial(trial), t.state.isFinal { return .trialEnded(trial, t.state) }
        let info = try await reader.studyInfo()
        return info.state == .running ? nil : .studyEnded(info.name, info.state)
    }

    /// One published message's frames: waiting up to `wait`, or only what is queued (nil).
    private func receive(wait: Duration?) throws -> [Data]? {
        do {
            if let wait { return try sub.receive(timeout: wait) }
            return try sub.receive(wait: false)
        } catch {
            throw RuntimeError(.io, "cannot receive from the coordinator's live events at \(publishEndpoint): \(error)")
        }
    }
}
