// `rung bench-store`: REPORT ingestion into a fresh study store with durability on, in a temporary
// directory. Prints reports per second; a measurement, not a test.
import ArgumentParser
import Foundation
import Store

struct BenchStoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-store",
        abstract: "Measure REPORT ingestion into the SQLite study store (WAL), without sockets.",
        discussion: "Run a release build: swift build -c release && .build/release/rung bench-store")

    @Option(help: "Reports to ingest per run.")
    var reports = 200_000

    @Option(help: "Reports per transaction; pass several, comma-separated.")
    var batch = "1,16,64,256"

    @Option(help: "Durability: normal (WAL, synchronous=NORMAL) or full (fsync every commit); pass several, comma-separated.")
    var durability = "normal,full"

    func run() throws {
        let batches = batch.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        let modes = durability.split(separator: ",").compactMap { StudyStore.Durability(rawValue: String($0).trimmingCharacters(in: .whitespaces)) }
        guard !batches.isEmpty, batches.allSatisfy({ $0 >= 1 }) else { throw ValidationError("--batch must list positive integers, got '\(batch)'") }
        guard !modes.isEmpty else { throw ValidationError("--durability must list normal and/or full, got '\(durability)'") }
        guard reports >= 1 else { throw ValidationError("--reports is \(reports), but must be ≥ 1") }
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("rung-bench-store-\(getpid())")
        defer { try? FileManager.default.removeItem(at: root) }
        for mode in modes {
            for b in batches {
                let dir = StudyDirectory(root.appendingPathComponent("\(mode.rawValue)-\(b)"))
                // Full durability with one report per transaction is slow: measure fewer.
                let count = mode == .full && b < 16 ? min(reports, 5_000) : reports
                let result = try IngestBenchmark.run(directory: dir, reports: count, batch: b, durability: mode)
                print(result)
            }
        }
    }
}
