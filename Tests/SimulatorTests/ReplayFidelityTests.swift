// The replay is faithful: budget accounting with `max_total_resource` under every scheduler (a
// stopped trial gives back its unrun epochs), parameter names checked against the recording,
// log-aware and categorical-exact matching, no max_resource past the recording, seed resampling,
// the richer anytime CSV and the per-trial dump, and `--cost-per-epoch`.
import Foundation
import Search
import Testing
@testable import Simulator

@Suite struct ReplayFidelityTests {
    static func write(_ text: String, _ ext: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("fidelity-\(UUID().uuidString).\(ext)")
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url
    }

    /// A recording of 2 seeds × 6 learning rates (1e-6 … 1e-1) × 2 optimizers over epochs 1…9:
    /// the curve falls toward a final value set by lr and optimizer; seed 1 is seed 0 + 0.05.
    static func recording() -> String {
        var rows = ["trial,seed,epoch,val_error,seconds,param.lr,param.optimizer"]
        var id = 0
        for opt in ["adam", "sgd"] {
            for e in 1...6 {
                let lr = pow(10.0, Double(-7 + e))
                let final = opt == "adam" ? Double(e) : 10 - Double(e)
                for seed in 0..<2 {
                    for epoch in 1...9 {
                        let v = final + 10 / Double(epoch) + 0.05 * Double(seed)
                        rows.append("\(id),\(seed),\(epoch),\(v),\(opt == "adam" ? 2 : 3),\(lr),\(opt)")
                    }
                }
                id += 1
            }
        }
        return rows.joined(separator: "\n") + "\n"
    }

    static func study(_ space: String, maxResource: Int = 9, extra: String = "trials: 20") throws -> Study {
        try Study.parse(yaml: """
            objective: {metric: val_error, direction: minimize}
            budget: {min_resource: 1, max_resource: \(maxResource), reduction_factor: 3}
            scheduler: asha
            \(extra)
            space:
            \(space)
            """, source: "replay-test.yaml")
    }

    static let space = """
          lr: {type: loguniform, low: 1.0e-6, high: 1.0e-1}
          optimizer: {type: categorical, choices: [adam, sgd]}
        """

    // Bug 1: every scheduler spends the whole `max_total_resource`, and no more than one trial's
    // worth beyond it; the stopping variant used to end after committing R per trial.
    @Test(arguments: ["asha", "asha-stopping", "sha", "{type: hyperband, over: asha}",
                      "{type: hyperband, over: asha-stopping}", "{type: hyperband, over: sha}", "none"])
    func maxTotalResourceIsSpentUnderEveryScheduler(scheduler: String) throws {
        let study = try Study.parse(yaml: """
            objective: {metric: loss}
            budget: {min_resource: 1, max_resource: 27, reduction_factor: 3}
            scheduler: \(scheduler)
            max_total_resource: 400
            seed: 2
            space:
              lr: {type: loguniform, low: 1.0e-5, high: 1.0e-1}
              dropout: {type: uniform, low: 0, high: 0.5}
            """, source: "budget.yaml")
        let bench = try BenchmarkCatalog.make("synthetic", study: study)
        var settings = SimulationSettings(workers: 4, seed: 2, maxResource: 27)
        settings.tickInterval = 600
        var sim = try Simulation(engine: SearchEngine(study: study), benchmark: bench, settings: settings)
        let r = try sim.run()
        #expect(r.resourceUsed >= 400, "\(scheduler) ended having used \(r.resourceUsed) of 400 epochs")
        #expect(r.resourceUsed < 400 + 27)
        #expect(abs(sim.engine.committedResource - sim.engine.usedResource) < 1e-9)
        #expect(abs(sim.engine.usedResource - r.resourceUsed) < 1e-9)
    }

    // Bug 2: a study parameter that is not a recorded column is refused, naming the columns.
    @Test func misnamedParameterIsRefused() throws {
        let url = try Self.write(Self.recording(), "csv")
        let study = try Self.study("""
              learning_rate: {type: loguniform, low: 1.0e-6, high: 1.0e-1}
              optimizer: {type: categorical, choices: [adam, sgd]}
            """)
        #expect(throws: SimulatorError(.badRecording,
            "the study's parameter `learning_rate` is not recorded in replay:\(url.path); its param.* columns are: lr, optimizer (rename the study's parameters to match)")) {
            try BenchmarkCatalog.make("replay:\(url.path)", study: study)
        }
    }

    // Bug 3: a max_resource past the last recorded epoch is refused.
    @Test func maxResourceBeyondTheRecordingIsRefused() throws {
        let url = try Self.write(Self.recording(), "csv")
        let study = try Self.study(Self.space, maxResource: 27)
        #expect(throws: SimulatorError(.badRecording,
            "the study's max_resource is 27.0 but replay:\(url.path) records epochs up to 9.0; set budget.max_resource ≤ 9.0 (epochs past the recording were never run)")) {
            try BenchmarkCatalog.make("replay:\(url.path)", study: study)
        }
    }

    // Bug 4: learning rates below 1e-3 are told apart (log space), categoricals match exactly.
    @Test func matchingIsLogAwareAndCategoricalsExact() throws {
        let url = try Self.write(Self.recording(), "csv")
        let bench = try #require(try BenchmarkCatalog.make("replay:\(url.path)", study: try Self.study(Self.space)) as? ReplayBenchmark)
        func id(_ lr: Double, _ opt: String) -> String { bench.recorded(trial: TrialID(0), config: ["lr": .double(lr), "optimizer": .string(opt)]).id }
        // Linear distance would send all of 1e-6…1e-4 to the same recorded trial.
        #expect(id(1.1e-6, "adam") == "0")
        #expect(id(0.9e-5, "adam") == "1")
        #expect(id(1.2e-4, "adam") == "2")
        #expect(id(1.2e-4, "sgd") == "8")
        // An exact categorical match beats any numeric closeness.
        #expect(id(0.1, "sgd") == "11")
    }

    // Noise injection: a trial replays one seed's curve; the true value is the mean over seeds.
    @Test func seedsAreResampledAndTheTrueValueIsTheirMean() throws {
        let url = try Self.write(Self.recording(), "csv")
        let study = try Self.study(Self.space)
        let bench = try #require(try BenchmarkCatalog.make("replay:\(url.path)", study: study) as? ReplayBenchmark)
        let config: Configuration = ["lr": .double(1e-6), "optimizer": .string("adam")]
        let values = Set((0..<40).map { bench.value(trial: TrialID($0), config: config, resource: 9) })
        #expect(values.count == 2)
        #expect(values.contains { abs($0 - (1 + 10.0 / 9)) < 1e-9 } && values.contains { abs($0 - (1.05 + 10.0 / 9)) < 1e-9 })
        #expect(abs(bench.trueFinalValue(trial: TrialID(3), config: config) - (1.025 + 10.0 / 9)) < 1e-9)
        #expect(abs(bench.optimum! - (1.025 + 10.0 / 9)) < 1e-9)
        var options = BenchmarkOptions()
        options.replayNoise = .mean
        let quiet = try BenchmarkCatalog.make("replay:\(url.path)", study: study, options: options)
        #expect(Set((0..<10).map { quiet.value(trial: TrialID($0), config: config, resource: 9) }).count == 1)
    }

    // Bug 5: the anytime CSV names the resource run so far, the recorded run and the configuration;
    // the per-trial traces add up; --cost-per-epoch replaces recorded seconds.
    @Test func csvAndTrialTracesCarryConfigurationRecordedRunAndEpochs() throws {
        let url = try Self.write(Self.recording(), "csv")
        let study = try Self.study(Self.space, extra: "trials: 30\nseed: 5")
        var options = BenchmarkOptions()
        options.costPerEpoch = 10
        let bench = try BenchmarkCatalog.make("replay:\(url.path)", study: study, options: options)
        #expect(bench.cost(trial: TrialID(0), config: ["lr": .double(1e-6), "optimizer": .string("sgd")], fromResource: 1, toResource: 9) == 80)
        var sim = StudySimulation(study: study, benchmark: bench, workers: 3)
        sim.settings.traceTrials = true
        let r = try sim.run(seed: 5)
        let csv = AnytimeSummary([r], direction: .minimize).csv.split(separator: "\n")
        #expect(csv[0] == "seed,time,resource,best,regret,trial,recorded,param.lr,param.optimizer")
        #expect(csv.count == r.anytime.count + 1)
        let first = csv[1].split(separator: ",", omittingEmptySubsequences: false)
        #expect(first.count == 9)
        #expect(first[6].contains("#"))                         // recorded id and seed
        #expect(Double(first[2])! >= 9)                         // at least one full trial run
        #expect(r.trials.count == 30)
        #expect(abs(r.trials.map(\.resource).reduce(0, +) - r.resourceUsed) < 1e-9)
        #expect(r.trials.allSatisfy { $0.recorded != nil && $0.config["lr"] != nil })
        #expect(r.trials.allSatisfy { abs($0.seconds - 10 * $0.resource) < 1e-6 })
        #expect(r.trials.filter { $0.finalValue != nil }.count == r.trials.filter { $0.reached == 9 }.count)
        let rows = r.traceRows(parameters: ["lr", "optimizer"])
        #expect(rows.count == 30)
        #expect(SimulationResult.traceHeader(parameters: ["lr"]).hasPrefix("seed,trial,recorded,resource,reached"))
    }

    @Test func gzippedRecordingsLoad() throws {
        let url = try Self.write(Self.recording(), "csv")
        let gz = url.appendingPathExtension("gz")
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["sh", "-c", "gzip -c '\(url.path)' > '\(gz.path)'"]
        try p.run()
        p.waitUntilExit()
        let a = try RecordedCurves.load(contentsOf: url, metric: "val_error")
        let b = try RecordedCurves.load(contentsOf: gz, metric: "val_error")
        #expect(a.trials == b.trials)
        #expect(b.trials.count == 12 && b.trials[0].seedCount == 2)
    }
}
