// Support for the integration tests: a study of a shell-script trainer in a temporary directory,
// the options of an in-process coordinator on loopback, and the trial id in a coordinator line. The `rung` binary and watched children are RungTestKit's.
import Foundation
import Testing
import Runtime
import RungTestKit

/// A study of `trials` trials of a shell-script trainer (ASHA, η 3, epochs 1 → 9) in a fresh directory.
struct ScriptStudy: InStudyFolder {
    let folder: StudyFolder
    let studyFile: URL

    /// `sleep` is the seconds each epoch takes.
    /// `crashTrial` exits with status 3 in its first epoch.
    init(trials: Int, sleep: Double, crashTrial: Int? = nil, name: String = #function) throws {
        let folder = try StudyFolder("rung-cluster", test: name)
        self.folder = folder
        // Accuracy rises with the epoch and is best for lr near 0.01; one log line per epoch, one
        // stderr line per attempt, the checkpoint is a file naming the epoch.
        let script = try folder.write("""
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
        """, to: "train.sh", executable: true)
        // Run through /bin/sh, not exec'd: a child spawned meanwhile by a test running in parallel
        // may still hold the file open for writing, and exec would fail with ETXTBSY.
        studyFile = try folder.writeStudy(
            name: "cluster-test", seed: 11, trials: trials,
            budget: "{resource: epochs, min_resource: 1, max_resource: 9, reduction_factor: 3}",
            space: ["lr: {type: loguniform, low: 1e-4, high: 1e-1}"], command: ["/bin/sh", script.path, "{lr}"])
    }
}

extension LoopbackEndpoints {
    /// The options of a coordinator in this process for `study`, keeping it in `directory`, bound
    /// to these endpoints.
    func coordinatorOptions(study: URL, directory: URL) -> CoordinatorOptions {
        var options = CoordinatorOptions(studyFile: study, directory: directory)
        options.bind = routerURL
        options.publish = publishURL
        return options
    }
}

/// The trial id in a coordinator line such as `12:00:01.000Z trial 7 attempt 2 on w1 …`.
func trialNumber(in line: String) -> Int? {
    guard let r = line.range(of: "trial ") else { return nil }
    return Int(line[r.upperBound...].prefix { $0.isNumber })
}
