// Status and leaderboard: trials by state and rung, the best-so-far order in both directions.
import Foundation
import Testing
import Search
@testable import Store

private func race(_ direction: Direction) throws -> StudyStore {
    let store = try makeStore(direction: direction)
    // Trial 0: rung 0 value 0.2. Trial 1: rung 1 value 0.5. Trial 2: rung 1 value 0.3.
    // Trial 3: rung 1 diverged (NaN). Trial 4: no result yet.
    let script: [(Int, [Double])] = [(0, [0.2]), (1, [0.6, 0.5]), (2, [0.4, 0.3]), (3, [0.7, .nan]), (4, [])]
    for (t, values) in script {
        try lease(store, t, worker: "w\(t % 2)")
        for (rung, v) in values.enumerated() {
            #expect(try store.recordReport(report(t, attempt: 1, seq: rung + 1, epoch: 3 * (rung + 1), loss: v, rung: rung)) == .accepted)
        }
    }
    try store.setTrialState(TrialID(0), .stopped, now: 50)
    try store.setTrialState(TrialID(2), .paused, now: 50)
    try store.upsertWorker(WorkerRecord(id: "w0", name: "alpha", host: "h1", slots: 2, lastHeartbeat: 60, joined: 1))
    return store
}

@Test func leaderboardMinimize() throws {
    let board = try race(.minimize).leaderboard(limit: 10)
    #expect(board.map(\.trial.rawValue) == [2, 1, 3, 0])
    #expect(board[0].value == 0.3 && board[0].rung == 1 && board[0].resource == 6)
    #expect(board[0].metrics["acc"] == 0.7)
    #expect(board[2].value.isNaN)
}

@Test func leaderboardMaximize() throws {
    #expect(try race(.maximize).leaderboard(limit: 2).map(\.trial.rawValue) == [1, 2])
}

@Test func summaryCountsByStateAndRung() throws {
    let summary = try race(.minimize).summary()
    #expect(summary.counts == [
        StateCount(state: .leased, rung: nil, count: 1),
        StateCount(state: .running, rung: 1, count: 2),
        StateCount(state: .paused, rung: 1, count: 1),
        StateCount(state: .stopped, rung: 0, count: 1),
    ])
    #expect(summary.best?.trial == TrialID(2))
    #expect(summary.trialCount == 5 && summary.reportCount == 7 && summary.rungResultCount == 7)
    #expect(summary.workers.map(\.name) == ["alpha"])
}
