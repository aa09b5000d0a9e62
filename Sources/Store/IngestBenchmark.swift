// A measurement of REPORT ingestion into a fresh study store (`rung bench store` calls it): many
// trials, one open attempt each, reports with four metrics and a rung mark every tenth epoch,
// committed in batches as a coordinator draining its socket would. Leaves out the socket: the
// runtime's benchmark adds ZeroMQ on top. A measurement, never a test assertion.
import Foundation
import Search

/// REPORT ingestion benchmark.
public enum IngestBenchmark {
    /// What one run measured.
    public struct Result: Sendable, CustomStringConvertible {
        public var reports: Int
        /// Reports per transaction.
        public var batch: Int
        public var durability: StudyStore.Durability
        public var seconds: Double
        /// Reports committed per second.
        public var perSecond: Double { Double(reports) / seconds }

        public var description: String {
            let rate = Int(perSecond.rounded())
            return "\(reports) reports, batch \(batch), synchronous=\(durability.rawValue.uppercased()): "
                + "\(String(format: "%.3f", seconds)) s, \(rate) reports/s"
        }
    }

    /// Creates a study in `directory` (which must not hold one), ingests `reports` reports over
    /// `trials` trials in transactions of `batch` reports, and returns the wall time.
    public static func run(directory: StudyDirectory, reports: Int = 100_000, trials: Int = 100,
                           batch: Int = 64, durability: StudyStore.Durability = .normal) throws -> Result {
        precondition(reports > 0 && trials > 0 && batch > 0, "reports, trials and batch must be positive, got \(reports), \(trials), \(batch)")
        let info = StudyInfo(name: "bench", yaml: "name: bench\n", objective: "val_loss", direction: .minimize, created: 0)
        let store = try StudyStore.create(directory, info: info, durability: durability)
        defer { try? store.close() }
        try store.write { tx in
            for t in 0..<trials {
                try tx.upsertTrial(TrialID(t), config: ["lr": .double(0.001 * Double(t + 1)), "layers": .int(t % 4)],
                                   bracket: 0, state: .queued, now: 0)
                try tx.beginAttempt(TrialID(t), worker: "w\(t % 8)", fromResource: 0, toResource: 1e9, now: 0)
            }
        }
        var pending: [TrialReport] = []
        pending.reserveCapacity(batch)
        let clock = ContinuousClock()
        let start = clock.now
        for i in 0..<reports {
            let trial = i % trials, epoch = i / trials + 1
            let loss = 1.0 / Double(epoch) + Double(trial) * 1e-4
            let rung = epoch % 10 == 0 ? RungMark(rung: epoch / 10 - 1, resource: Double(epoch), value: loss) : nil
            pending.append(TrialReport(trial: TrialID(trial), attempt: 1, seq: epoch, epoch: epoch,
                                       metrics: ["val_loss": loss, "train_loss": loss * 0.9, "val_acc": 1 - loss, "lr": 0.001],
                                       time: Double(i) * 1e-4, rung: rung))
            if pending.count == batch || i == reports - 1 {
                let outcomes = try store.recordReports(pending)
                precondition(outcomes.allSatisfy { $0 == .accepted }, "benchmark report refused: \(outcomes)")
                pending.removeAll(keepingCapacity: true)
            }
        }
        let elapsed = clock.now - start
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        return Result(reports: reports, batch: batch, durability: durability, seconds: seconds)
    }
}
