// The artifact store: chunked uploads in any order, sha256 checks, downloads by chunk.
import Foundation
import RungBasics
import Testing
import Search
@testable import Store

@Test func chunkedUploadIsVerifiedAndRenamed() throws {
    let store = try makeStore()
    let payload = Data((0..<10_000).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ $0 >> 8) })
    let chunk = 4096
    // The first chunk opens the upload; the rest come in reverse order (hashed from the file).
    for offset in [0] + stride(from: chunk, to: payload.count, by: chunk).reversed() {
        try store.putCheckpointChunk(trial: TrialID(3), attempt: 2, offset: offset,
                                     data: payload.subdata(in: offset..<min(offset + chunk, payload.count)))
    }
    try store.putCheckpointChunk(trial: TrialID(3), attempt: 2, offset: 4096, data: payload.subdata(in: 4096..<8192))
    let record = try store.finishCheckpoint(trial: TrialID(3), attempt: 2, resource: 9, bytes: payload.count,
                                            sha256: SHA256.hex(payload), now: 50)
    #expect(record.path == "checkpoints/trial-3/attempt-2.ckpt.zip")
    let url = try #require(try store.checkpointURL(trial: TrialID(3), attempt: 2))
    #expect(try Data(contentsOf: url) == payload)
    #expect(!FileManager.default.fileExists(atPath: url.path + ".partial"))
    var downloaded = Data()
    while true {
        let piece = try store.readCheckpointChunk(trial: TrialID(3), attempt: 2, offset: downloaded.count, length: 3000)
        if piece.isEmpty { break }
        downloaded += piece
    }
    #expect(downloaded == payload)
}

@Test func corruptUploadIsRefused() throws {
    let store = try makeStore()
    try store.putCheckpointChunk(trial: TrialID(1), attempt: 1, offset: 0, data: Data([1, 2, 3]))
    do {
        try store.finishCheckpoint(trial: TrialID(1), attempt: 1, resource: 3, bytes: 3,
                                   sha256: SHA256.hex([1, 2, 4] as [UInt8]), now: 1)
        Issue.record("a wrong digest was accepted")
    } catch let error as StoreError {
        #expect(error.code == .checksumMismatch)
    }
    #expect(try store.checkpointURL(trial: TrialID(1), attempt: 1) == nil)
    #expect(try store.latestCheckpoint(TrialID(1)) == nil)
}

@Test func latestCheckpointIsAtTheHighestResource() throws {
    let store = try makeStore()
    try store.putCheckpoint(trial: TrialID(0), attempt: 1, resource: 3, data: Data([1]), now: 1)
    try store.putCheckpoint(trial: TrialID(0), attempt: 2, resource: 9, data: Data([2]), now: 2)
    try store.putCheckpoint(trial: TrialID(0), attempt: 3, resource: 3, data: Data([3]), now: 3)
    let latest = try #require(try store.latestCheckpoint(TrialID(0)))
    #expect(latest.attempt == 2 && latest.resource == 9 && latest.bytes == 1)
    #expect(latest.sha256 == SHA256.hex([2] as [UInt8]))
}

private func upload(_ store: StudyStore, _ payload: Data, trial: Int, chunk: Int = 1000) throws {
    for offset in stride(from: 0, to: payload.count, by: chunk) {
        try store.putCheckpointChunk(trial: TrialID(trial), attempt: 1, offset: offset,
                                     data: payload.subdata(in: offset..<min(offset + chunk, payload.count)))
    }
}

@Test func inOrderUploadAndRestartedUpload() throws {
    let store = try makeStore()
    let payload = Data((0..<5_500).map { UInt8(truncatingIfNeeded: $0 &* 13) })
    // An abandoned, longer upload first: the restart at offset 0 drops its bytes.
    try upload(store, payload + payload, trial: 1)
    try upload(store, payload, trial: 1)
    let record = try store.finishCheckpoint(trial: TrialID(1), attempt: 1, resource: 1, bytes: payload.count,
                                            sha256: SHA256.hex(payload), now: 1)
    #expect(record.bytes == payload.count)
    #expect(try Data(contentsOf: store.directory.root.appendingPathComponent(record.path)) == payload)
}

@Test func changedResendIsCaught() throws {
    let store = try makeStore()
    let payload = Data((0..<5_500).map { UInt8(truncatingIfNeeded: $0 &* 17) })
    try upload(store, payload, trial: 2)
    // A resent chunk with different bytes: the running digest no longer describes the file.
    try store.putCheckpointChunk(trial: TrialID(2), attempt: 1, offset: 1000, data: Data(repeating: 0, count: 1000))
    #expect(throws: StoreError.self) {
        try store.finishCheckpoint(trial: TrialID(2), attempt: 1, resource: 1, bytes: payload.count,
                                   sha256: SHA256.hex(payload), now: 1)
    }
}
