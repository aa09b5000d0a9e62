// A measurement of REPORT ingestion into a fresh study store (`rung bench store` calls it): many
// trials, one open attempt each, reports with four metrics and a rung mark every tenth epoch,
// committed in batches as a coordinator draining its socket would. Leaves out the socket: the
// runtime's benchmark adds ZeroMQ on top. A measurement, never a test assertion.
import Foundation
import Search
import Store

/// REPORT ingestion benchmark.
public enum IngestBenchmark {
    /// What one run measured.
    public struct Result: Sendable, CustomStringConvertible {
        /// Reports ingested.
        public var reports: Int
        /// Reports per transaction.
        public var batch: Int
        /// How commits were pushed to disk.
        public var durability: StudyStore.Durability
        /// Wall time of the ingestion.
        public var seconds: Double
        /// CPU time (user + system) of the whole process meanwhile: on a shared machine the wall
        /// time includes waiting for a core, the CPU time does not.
        public var cpuSeconds: Double
        /// Reports committed per second of wall time.
        public var perSecond: Double { Double(reports) / seconds }
        /// Reports committed per CPU second: the rate on a core of its own.
        public var perCPUSecond: Double { Double(reports) / cpuSeconds }

        /// One line with both rates.
        public var description: String {
            let rate = Int(perSecond.rounded())
            return "\(reports) reports, batch \(batch), synchronous=\(durability.rawValue.uppercased()): "
                + "\(String(format: "%.3f", seconds)) s wall, \(rate) reports/s; "
                + "\(String(format: "%.3f", cpuSeconds)) s CPU, \(Int(perCPUSecond.rounded())) reports per CPU-second"
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
        let cpuStart = cpuTime()
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
        let cpu = cpuTime() - cpuStart
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        return Result(reports: reports, batch: batch, durability: durability, seconds: seconds, cpuSeconds: cpu)
    }

    /// User + system CPU seconds of this process so far.
    static func cpuTime() -> Double {
        var usage = rusage()
        #if os(Linux)
        getrusage(RUSAGE_SELF.rawValue, &usage)
        #else
        getrusage(RUSAGE_SELF, &usage)
        #endif
        func seconds(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) * 1e-6 }
        return seconds(usage.ru_utime) + seconds(usage.ru_stime)
    }
}
