// Slurm for real: a one-node cluster (munged, slurmctld, slurmd from Debian's packages, in a
// network namespace of its own) runs the coordinator as a job and an array of 2 worker jobs
// through sbatch, which finish a small study (deploy/slurm/test-cluster.sh).
import Foundation
import Testing

private let slurmPossible = canMakeNetworkNamespaces && which("slurmctld") != nil && which("slurmd") != nil && which("sbatch") != nil
    && which("munged") != nil && which("nsenter") != nil && rungBinary() != nil

@Suite("Slurm")
struct SlurmTests {
    @Test("sbatch runs the coordinator job and a 2-worker array job to the end of a study",
          .enabled(if: slurmPossible,
                   "needs network namespaces (root, iproute2) and Debian's slurmctld, slurmd, slurm-client and munge (deploy/test.sh installs them)"),
          .timeLimit(.minutes(3)))
    func studyThroughSbatch() throws {
        let run = try runScript(["bash", "deploy/slurm/test-cluster.sh", rungBinary()!], timeout: 150)
        #expect(run.status != 77, "the Slurm cluster did not start: \(run.output.suffix(3000))")
        #expect(run.status == 0, "\(run.output.suffix(5000))")
        let r = try #require(run.result, "no RESULT line: \(run.output.suffix(3000))")
        #expect(r["study_complete"] as? Int == 1)
        #expect(r["workers_used"] as? Int == 2)
        #expect(r["trials_finished"] as? Int == 8)
    }
}
