// Support for the live dashboard test: a gated shell-script study in a temporary directory. The
// `rung` binary and children whose output can be awaited with a deadline are RungTestKit's.
import Foundation
import RungTestKit

/// A study of a shell-script trainer over lr (matters most) and dropout (a little) that reports
/// `latency_ms` (a second objective) and, at its last epoch, a per-class report. The first trial
/// to reach its last epoch creates `firstFinal` and every trial waits there until `gate` exists,
/// so the study cannot end before the test lets it.
struct GatedStudy: InStudyFolder {
    let folder: StudyFolder, studyFile: URL
    var gate: URL { root.appendingPathComponent("gate") }
    var firstFinal: URL { root.appendingPathComponent("first-final") }

    init(trials: Int, sleep: Double = 0.05, name: String = #function) throws {
        folder = try StudyFolder("rung-dash", test: name, letters: 20)
        let root = folder.root
        let script = try folder.write("""
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
        """, to: "train.sh", executable: true)
        studyFile = try folder.writeStudy(
            name: "dashboard-demo", seed: 3, trials: trials,
            objective: "{metric: acc, direction: maximize, secondary: {metric: latency_ms, direction: minimize}}",
            budget: "{resource: epochs, min_resource: 1, max_resource: 9, reduction_factor: 3}",
            space: ["lr: {type: loguniform, low: 1e-4, high: 1e-1}", "dropout: {type: uniform, low: 0.0, high: 0.5}"],
            command: ["/bin/sh", script.path, "{lr}", "{dropout}"])
    }
}
