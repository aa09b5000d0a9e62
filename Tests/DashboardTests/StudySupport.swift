// Support for the live dashboard test: the `rung` binary, a gated shell-script study in a temporary
// directory, and child processes whose output can be awaited with a deadline (the same helpers as
// RuntimeTests' ClusterSupport; test targets cannot share files).
import Foundation
import Synchronization
import Testing
import Runtime

/// The `rung` executable built beside the test bundle.
func rungBinary() -> String? {
    let candidates = [
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("rung"),
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent(".build/debug/rung"),
    ]
    return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) }?.path
}

/// A study of a shell-script trainer over lr (matters most) and dropout (a little) that reports
/// `latency_ms` (a second objective) and, at its last epoch, a per-class report. The first trial
/// to reach its last epoch creates `firstFinal` and every trial waits there until `gate` exists,
/// so the study cannot end before the test lets it.
struct GatedStudy {
    let root: URL, studyFile: URL, directory: URL
    var gate: URL { root.appendingPathComponent("gate") }
    var firstFinal: URL { root.appendingPathComponent("first-final") }

    init(trials: Int, sleep: Double = 0.05, name: String = #function) throws {
        root = FileManager.default.temporaryDirectory
            .appendingPathComponent("rung-dash-\(name.filter(\.isLetter).prefix(20))-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        let script = root.appendingPathComponent("train.sh")
        try """
        #!/bin/sh
        lr=$1
        dropout=$2
        e=$RUNG_FROM_EPOCH
        t=$RUNG_TRIAL_ID
        echo "trial $t attempt $RUNG_ATTEMPT from epoch $e" >&2
        while [ "$e" -lt "$RUNG_TO_EPOCH" ]; do
          e=$((e+1))
          sleep \(sleep)
          if [ "$e" = "9" ]; then
            mkdir "\(root.path)/first-final" 2>/dev/null
            while [ ! -e "\(root.path)/gate" ]; do sleep 0.05; done
          fi
          acc=$(awk -v lr="$lr" -v d="$dropout" -v e="$e" 'BEGIN { x = log(lr) / log(10) + 2; print 0.95 - x * x / 12 - 0.06 * d - 0.4 / (e + 1) }')
          lat=$(awk -v lr="$lr" -v d="$dropout" 'BEGIN { print 2 + 40 * lr + d }')
          echo "epoch $e acc $acc"
          echo "{\\"epoch\\": $e, \\"acc\\": $acc, \\"loss\\": $(awk -v a="$acc" 'BEGIN { print 1 - a }'), \\"latency_ms\\": $lat}"
        done
        echo "epoch $e" > "$RUNG_CHECKPOINT_DIR/state"
        if [ "$e" = "9" ]; then
          echo "{\\"rung_report\\": {\\"split\\": \\"test\\", \\"class_names\\": [\\"cat\\", \\"dog\\", \\"bird\\"], \\"accuracy\\": 0.8, \\"precision\\": [0.9, 0.75, 0.7], \\"recall\\": [0.8, 0.9, 0.6], \\"f1\\": [0.85, 0.82, 0.65], \\"support\\": [10, 10, 5], \\"confusion\\": [[8, 1, 1], [1, 9, 0], [1, 1, 3]]}}"
        fi
        """.write(to: script, atomically: true, encoding: .utf8)
        chmod(script.path, 0o755)
        studyFile = root.appendingPathComponent("study.yaml")
        try """
        name: dashboard-demo
        seed: 3
        trials: \(trials)
        objective:
          metric: acc
          direction: maximize
          secondary: {metric: latency_ms, direction: minimize}
        budget: {resource: epochs, min_resource: 1, max_resource: 9, reduction_factor: 3}
        scheduler: asha
        sampler: random
        space:
          lr: {type: loguniform, low: 1e-4, high: 1e-1}
          dropout: {type: uniform, low: 0.0, high: 0.5}
        task:
          command: ["/bin/sh", "\(script.path)", "{lr}", "{dropout}"]
        """.write(to: studyFile, atomically: true, encoding: .utf8)
        directory = root.appendingPathComponent("run", isDirectory: true)
    }

    func cache(_ worker: String) -> URL { root.appendingPathComponent("cache-\(worker)", isDirectory: true) }
    func remove() { try? FileManager.default.removeItem(at: root) }
}

/// A child process whose stdout lines are collected as they arrive.
final class Watched: Sendable {
    let process: ChildProcess
    private let box = Box()

    final class Box: Sendable {
        let lock = Mutex<(lines: [String], stderr: [String], exit: ChildExit?)>(([], [], nil))
    }

    init(_ launch: ChildLaunch) throws {
        process = try ChildProcess.spawn(launch)
        let events = process.events
        let box = self.box
        Task.detached {
            for await e in events {
                box.lock.withLock { s in
                    switch e {
                    case .stdout(let l): s.lines.append(l)
                    case .stderr(let l): s.stderr.append(l)
                    case .exit(let x): s.exit = x
                    }
                }
            }
        }
    }

    var lines: [String] { box.lock.withLock { $0.lines } }
    var stderr: [String] { box.lock.withLock { $0.stderr } }
    var exit: ChildExit? { box.lock.withLock { $0.exit } }

    /// Waits until a stdout line satisfies `match` (returns it) or `seconds` pass (nil).
    func line(within seconds: Double, _ match: (String) -> Bool) async -> String? {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if let l = lines.first(where: match) { return l }
            if exit != nil { return lines.first(where: match) }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return nil
    }

    /// Waits for the exit up to `seconds`; SIGKILLs the process if it is still running then.
    func waitExit(within seconds: Double) async -> ChildExit? {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if let e = exit { return e }
            try? await Task.sleep(for: .milliseconds(20))
        }
        process.signal(SIGKILL)
        return nil
    }
}
