// `rung demo`: a whole transfer-learning study on this machine. It pretrains a small CNN on
// Fashion-MNIST classes 0–4 into the zoo (once), then runs a coordinator and N workers as child
// processes on loopback: ASHA over backbones (from scratch or pretrained) and fine-tuning
// strategies on classes 5–9 with 20 labels per class; then the leaderboard with cost columns.
// `--task tabular` runs the older study of an MLP on the built-in synthetic table (no data needed).
import ArgumentParser
import FineTune
import Foundation
import RungLab
import Search
import Runtime
import Store

struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Run a transfer-learning study (Fashion-MNIST 0–4 → 5–9, 20 labels per class) with local workers.",
        discussion: """
            Needs Fashion-MNIST (Debian package dataset-fashion-mnist, installed by deploy/setup.sh). The first \
            run pretrains a small CNN on classes 0–4 (about a minute) and keeps it in the zoo directory as \
            \(DemoCommand.pretrainedName); later runs reuse it. Then ASHA (η = 3, 1 → 9 epochs) chooses among \
            the small CNN from scratch and the pretrained one fine-tuned by linear probe, full fine-tuning or \
            gradual unfreezing, with learning rates, head dropout, augmentation and label smoothing. The \
            leaderboard shows validation and test accuracy beside parameters, latency and throughput.
            --task tabular runs the former demo instead: an MLP on Rung's built-in synthetic table.
            """)

    /// The zoo entry the demo pretrains and fine-tunes.
    static let pretrainedName = "smallcnn-fmnist-0-4"

    @Option(help: "Worker processes to start.")
    var workers = 2

    @Option(help: "Trials to sample (default 20 for image, 40 for tabular).")
    var trials: Int?

    @Option(help: "Study directory (default: runs/demo-<date>-<time>).")
    var dir: String?

    @Option(help: "Which study: image (transfer learning) or tabular.")
    var task: String = "image"

    @Option(help: "Zoo directory for the pretrained backbone.")
    var zoo = "zoo"

    @Option(help: "IDX directory of Fashion-MNIST.")
    var data = ImageTrialConfig.fashionMNISTDirectory

    func validate() throws {
        guard workers >= 1 else { throw ValidationError("--workers is \(workers); it must be at least 1") }
        if let trials, trials < 1 { throw ValidationError("--trials is \(trials); it must be at least 1") }
        guard ["image", "tabular"].contains(task) else { throw ValidationError("--task is \(task); accepted: image, tabular") }
    }

    static func tabularStudy(trials: Int) -> String {
        """
        # The study `rung demo --task tabular` runs: ASHA over an MLP on Rung's built-in synthetic table.
        name: demo
        seed: 1
        trials: \(trials)
        objective: {metric: val_loss, direction: minimize}
        budget: {resource: epochs, min_resource: 1, max_resource: 27, reduction_factor: 3}
        scheduler: asha
        sampler: random
        space:
          learning_rate: {type: loguniform, low: 1e-4, high: 3e-2}
          hidden_units: {type: int, low: 16, high: 256, log: true}
          layers: {type: int, low: 1, high: 3}
          dropout: {type: uniform, low: 0.0, high: 0.5}
          weight_decay: {type: loguniform, low: 1e-5, high: 1e-1}
        task:
          builtin: tabular
          epochs: 27
        """
    }

    static func imageStudy(trials: Int, zoo: String, data: String) -> String {
        """
        # The study `rung demo` runs: transfer from Fashion-MNIST classes 0–4 to classes 5–9 with 20
        # labels per class. ASHA over from-scratch and pretrained backbones and fine-tuning strategies.
        name: demo-transfer
        seed: 1
        trials: \(trials)
        objective: {metric: accuracy, direction: maximize}
        budget: {resource: epochs, min_resource: 1, max_resource: 9, reduction_factor: 3}
        scheduler: asha
        sampler: random
        space:
          backbone: [smallcnn, \(pretrainedName)]
          strategy: {type: categorical, choices: [linear_probe, full, gradual], when: {backbone: [\(pretrainedName)]}}
          backbone_lr_mult: {type: loguniform, low: 0.03, high: 1.0, when: {strategy: [full, gradual]}}
          learning_rate: {type: loguniform, low: 3e-4, high: 1e-2}
          head_dropout: {type: uniform, low: 0.0, high: 0.5}
          augment: {type: uniform, low: 0.0, high: 0.6}
          label_smoothing: [0.0, 0.1]
        task:
          builtin: image
          data: \(data)
          zoo: \(zoo)
          classes: [5, 6, 7, 8, 9]
          shots: 20
          validation_per_class: 100
          batch_size: 16
          epochs: 9
        """
    }

    func run() async throws {
        let stamp: String = {
            let f = DateFormatter()
            f.dateFormat = "yyyyMMdd-HHmmss"
            return f.string(from: Date())
        }()
        let started = Date()
        let image = task == "image"
        let trialCount = trials ?? (image ? 20 : 40)
        let zooPath = URL(fileURLWithPath: zoo, isDirectory: true).standardizedFileURL.path
        let studyText: String
        if image {
            try prepareImageDemo(zooPath: zooPath)
            studyText = Self.imageStudy(trials: trialCount, zoo: zooPath, data: data)
        } else {
            studyText = Self.tabularStudy(trials: trialCount)
        }
        let directory = URL(fileURLWithPath: dir ?? "runs/demo-\(stamp)", isDirectory: true).standardizedFileURL
        let studyFile = FileManager.default.temporaryDirectory.appendingPathComponent("rung-demo-\(stamp)-\(getpid()).yaml")
        try studyText.write(to: studyFile, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: studyFile) }
        let cluster = LocalCluster(rung: currentExecutablePath(), endpoints: try LoopbackEndpoints())
        if image {
            print("rung demo: \(trialCount) trials on Fashion-MNIST classes 5–9 (20 labels per class): small CNN from scratch or \(Self.pretrainedName) by linear probe, full or gradual fine-tuning; ASHA (η=3, 1→9 epochs), \(workers) worker(s)")
        } else {
            print("rung demo: \(trialCount) trials of an MLP on the built-in synthetic table, ASHA (η=3, 1→27 epochs), \(workers) worker(s)")
        }
        print("  coordinator \(cluster.endpoints.routerURL), study directory \(directory.path)\n")
        fflush(nil)
        let studyStarted = Date()
        let coordinator = try ChildProcess.spawn(cluster.coordinator(study: studyFile, directory: directory))
        var children: [ChildProcess] = []
        for i in 1...workers {
            let cache = directory.appendingPathComponent("worker-cache/w\(i)", isDirectory: true)
            children.append(try ChildProcess.spawn(cluster.worker(name: "w\(i)", cache: cache)))
        }
        let workerProcesses = children
        let signals = onTerminationSignals { _ in
            coordinator.signal(SIGTERM)
            for c in workerProcesses { c.signal(SIGTERM) }
        }
        var exit: ChildExit?
        for await event in coordinator.events {
            switch event {
            case .stdout(let line):
                print(line)  // decision lines carry the coordinator's own [x/N done, ETA] counter
                fflush(nil)
            case .stderr(let line):
                FileHandle.standardError.write(Data("coordinator: \(line)\n".utf8))
            case .exit(let e):
                exit = e
            }
        }
        for c in children {
            for await event in c.events {
                if case .stderr(let line) = event, line.contains("failed") { FileHandle.standardError.write(Data("\(line)\n".utf8)) }
            }
        }
        _ = signals
        guard exit == .exited(0) else {
            throw ValidationError("the coordinator ended with \(exit.map { "\($0)" } ?? "no status"); see \(directory.path)")
        }
        if image {
            do {
                let store = try StudyStore.open(StudyDirectory(path: directory.path), role: .reader)
                print("\n" + Self.costLeaderboard(try store.leaderboard(limit: 8)), terminator: "")
            } catch {
                FileHandle.standardError.write(Data("cannot read the leaderboard: \(error)\n".utf8))
            }
        }
        let rung = Self.commandName()
        print("\nfinished in \(Readable.duration(Date().timeIntervalSince(started))) (study \(Readable.duration(Date().timeIntervalSince(studyStarted)))). Look closer: \(rung) best --dir \(directory.path) · \(rung) logs --dir \(directory.path) --all")
    }

    /// Checks the data and pretrains the source backbone when the zoo lacks it.
    func prepareImageDemo(zooPath: String) throws {
        do {
            _ = try ImageSplits.idxFiles(data, stem: "train")
            _ = try ImageSplits.idxFiles(data, stem: "t10k")
        } catch {
            FileHandle.standardError.write(Data("""
                error: rung demo needs Fashion-MNIST at \(data): \(error)
                Install it with deploy/setup.sh (or: sudo apt-get install dataset-fashion-mnist), give --data DIR, \
                or run the data-free study with --task tabular.

                """.utf8))
            throw ExitCode(1)
        }
        if let info = PretrainedZoo.info(Self.pretrainedName, in: zooPath) {
            print("rung demo: using \(info.name) from \(zooPath) (\(info.sourceTask), source test accuracy \(String(format: "%.4f", info.accuracy)))")
            return
        }
        var c = ImageTrialConfig()
        c.data = data
        c.zoo = zooPath
        c.classes = [0, 1, 2, 3, 4]
        c.shots = 2000
        c.epochs = 2
        c.batchSize = 64
        c.learningRate = 2e-3
        c.augment = 0.3
        print("rung demo: no \(Self.pretrainedName) in \(zooPath) yet; pretraining a small CNN on Fashion-MNIST classes 0–4 (10,000 images, 2 epochs) first")
        do {
            _ = try Lab.pretrain(c, name: Self.pretrainedName, label: "rung demo pretrain")
        } catch {
            FileHandle.standardError.write(Data("error: pretraining the source backbone failed: \(error)\n".utf8))
            throw ExitCode(1)
        }
        print("")
    }

    /// The leaderboard with validation and test accuracy and the cost columns.
    static func costLeaderboard(_ entries: [LeaderboardEntry]) -> String {
        if entries.isEmpty { return "No rung result yet: nothing to rank.\n" }
        func m4(_ v: Double?) -> String { v.map(Readable.metric) ?? "-" }
        func n(_ v: Double?) -> String { StudyText.number(v) }
        let rows = entries.enumerated().map { i, e -> [String] in
            let m = e.metrics
            let backbone = e.config["backbone"].map(Readable.parameter) ?? "-"
            let strategy = e.config["strategy"].map(Readable.parameter) ?? (backbone == "smallcnn" ? "scratch" : "-")
            return [String(i + 1), String(e.trial.rawValue), backbone, strategy, Readable.metric(e.value),
                    m4(m["test_accuracy"]), n(e.resource), n(m["params_total"].map { $0.rounded() }),
                    n(m["params_trainable"].map { $0.rounded() }), n(m["latency_ms"]), n(m["images_per_s"]), n(m["memory_mb"])]
        }
        return "Leaderboard (validation accuracy at the highest rung; test accuracy once a trial completes):\n"
            + StudyText.table(["#", "trial", "backbone", "strategy", "val acc", "test acc", "epochs", "params", "trained",
                               "latency ms", "images/s", "MiB"], rows)
    }

    /// `rung` when that name on PATH is this executable, else the path to type (e.g. `.build/release/rung`).
    static func commandName() -> String {
        let me = currentExecutablePath()
        let paths = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":")
        for dir in paths {
            let candidate = URL(fileURLWithPath: String(dir)).appendingPathComponent("rung").path
            if FileManager.default.isExecutableFile(atPath: candidate),
               URL(fileURLWithPath: candidate).resolvingSymlinksInPath().path == URL(fileURLWithPath: me).resolvingSymlinksInPath().path {
                return "rung"
            }
        }
        let cwd = FileManager.default.currentDirectoryPath + "/"
        return me.hasPrefix(cwd) ? String(me.dropFirst(cwd.count)) : me
    }
}
