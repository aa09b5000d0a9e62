// `rung demo`: a whole study on this machine — a coordinator and N workers as child processes on
// loopback, ASHA over the built-in tabular task (synthetic data, no download), live progress,
// then the leaderboard and where the study directory is.
import ArgumentParser
import Foundation
import Runtime

struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Run an ASHA study of the built-in tabular task with a local coordinator and workers.")

    @Option(help: "Worker processes to start.")
    var workers = 2

    @Option(help: "Trials to sample.")
    var trials = 40

    @Option(help: "Study directory (default: runs/demo-<date>-<time>).")
    var dir: String?

    func validate() throws {
        guard workers >= 1 else { throw ValidationError("--workers is \(workers); it must be at least 1") }
        guard trials >= 1 else { throw ValidationError("--trials is \(trials); it must be at least 1") }
    }

    static func studyText(trials: Int) -> String {
        """
        # The study `rung demo` runs: ASHA over an MLP on Rung's built-in synthetic table.
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

    func run() async throws {
        let stamp: String = {
            let f = DateFormatter()
            f.dateFormat = "yyyyMMdd-HHmmss"
            return f.string(from: Date())
        }()
        let directory = URL(fileURLWithPath: dir ?? "runs/demo-\(stamp)", isDirectory: true).standardizedFileURL
        let studyFile = FileManager.default.temporaryDirectory.appendingPathComponent("rung-demo-\(stamp)-\(getpid()).yaml")
        try Self.studyText(trials: trials).write(to: studyFile, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: studyFile) }
        let cluster = LocalCluster(rung: currentExecutablePath(), endpoints: try LoopbackEndpoints())
        print("rung demo: \(trials) trials of an MLP on the built-in synthetic table, ASHA (η=3, 1→27 epochs), \(workers) worker(s)")
        print("  coordinator \(cluster.endpoints.routerURL), study directory \(directory.path)\n")
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
        let started = Date()
        var finished = 0
        var exit: ChildExit?
        for await event in coordinator.events {
            switch event {
            case .stdout(let line):
                if line.contains(" completed") || line.contains(" stopped: ") || line.contains(" failed: ") { finished += 1 }
                let elapsed = String(format: "%5.1fs", Date().timeIntervalSince(started))
                print(line.isEmpty || line.hasPrefix(" ") || line.hasPrefix("study") || line.hasPrefix("best") || line.hasPrefix("rung ")
                      ? line : "[\(elapsed) \(finished)/\(trials) done] \(line)")
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
        let rung = Self.commandName()
        print(String(format: "\nfinished in %.1f s. Look closer: %@ status --dir %@ · %@ logs --dir %@ --all",
                     Date().timeIntervalSince(started), rung, directory.path, rung, directory.path))
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
