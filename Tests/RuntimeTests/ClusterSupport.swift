// Support for the integration tests: the `rung` binary, a study of a shell-script trainer in a
// temporary directory, and child processes whose output can be awaited with a deadline.
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

/// A study of `trials` trials of a shell-script trainer (ASHA, η 3, epochs 1 → 9) in a fresh directory.
struct ScriptStudy {
    let root: URL
    let studyFile: URL
    let directory: URL

    /// `sleep` is the seconds each epoch takes.
    /// `crashTrial` exits with status 3 in its first epoch.
    init(trials: Int, sleep: Double, crashTrial: Int? = nil, name: String = #function) throws {
        root = FileManager.default.temporaryDirectory
            .appendingPathComponent("rung-cluster-\(name.filter(\.isLetter))-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        let script = root.appendingPathComponent("train.sh")
        // Accuracy rises with the epoch and is best for lr near 0.01; one log line per epoch, one
        // stderr line per attempt, the checkpoint is a file naming the epoch.
        try """
        #!/bin/sh
        lr=$1
        e=$RUNG_FROM_EPOCH
        if [ "$e" -gt 0 ]; then read saved < "$RUNG_CHECKPOINT_DIR/state"; echo "resumed from $saved"; fi
        echo "attempt $RUNG_ATTEMPT of trial $RUNG_TRIAL_ID" >&2
        if [ "$RUNG_TRIAL_ID" = "\(crashTrial ?? -1)" ]; then echo "diverged: loss is nan" >&2; exit 3; fi
        if [ -n "$RUNG_TEST_BROKEN_MACHINE" ]; then echo "ImportError: libcudnn.so.9: cannot open shared object file" >&2; exit 1; fi
        while [ "$e" -lt "$RUNG_TO_EPOCH" ]; do
          e=$((e+1))
          sleep \(sleep)
          acc=$(awk -v lr="$lr" -v e="$e" 'BEGIN { x = log(lr) / log(10) + 2; print 1 - x * x / 16 - 0.5 / (e + 1) }')
          echo "trial $RUNG_TRIAL_ID epoch $e"
          echo "{\\"epoch\\": $e, \\"acc\\": $acc}"
        done
        echo "epoch $e" > "$RUNG_CHECKPOINT_DIR/state"
        """.write(to: script, atomically: true, encoding: .utf8)
        // Run through /bin/sh, not exec'd: a child spawned meanwhile by a test running in parallel
        // may still hold the file open for writing, and exec would fail with ETXTBSY.
        chmod(script.path, 0o755)
        studyFile = root.appendingPathComponent("study.yaml")
        try """
        name: cluster-test
        seed: 11
        trials: \(trials)
        objective: {metric: acc, direction: maximize}
        budget: {resource: epochs, min_resource: 1, max_resource: 9, reduction_factor: 3}
        scheduler: asha
        sampler: random
        space:
          lr: {type: loguniform, low: 1e-4, high: 1e-1}
        task:
          command: ["/bin/sh", "\(script.path)", "{lr}"]
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

/// The trial id in a coordinator line such as `12:00:01.000Z trial 7 attempt 2 on w1 …`.
func trialNumber(in line: String) -> Int? {
    guard let r = line.range(of: "trial ") else { return nil }
    return Int(line[r.upperBound...].prefix { $0.isNumber })
}
