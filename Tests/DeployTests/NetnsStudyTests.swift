// A study across real network hosts: network namespaces (coordinator + 3 workers) joined by a
// link with 20 ms ± 5 delay and 1% loss, one worker cut off longer than the lease timeout and
// back. deploy/netns/run_study.py does the orchestration and the checks; this test runs it.
import Foundation
import Testing

private let netnsPossible = canMakeNetworkNamespaces && which("python3") != nil
    && FileManager.default.fileExists(atPath: "/dev/net/tun") && rungBinary() != nil

@Suite("Study across network-namespace hosts")
struct NetnsStudyTests {
    @Test("3 worker hosts, delay and loss, a partition that heals: no result lost or duplicated, stale reports fenced",
          .enabled(if: netnsPossible, "needs network namespaces (root with CAP_SYS_ADMIN and CAP_NET_ADMIN, iproute2), python3, /dev/net/tun and the rung binary"),
          .timeLimit(.minutes(4)))
    func partitionedStudyCompletes() throws {
        let run = try runScript(["bash", "deploy/netns/run-study.sh", "--rung", rungBinary()!, "--mode", "netns",
                                 "--partition-seconds", "10", "--lease-timeout", "3"], timeout: 200)
        #expect(run.status != 77, "skipped by the script: \(run.output.suffix(500))")
        #expect(run.status == 0, "\(run.output.suffix(6000))")
        let r = try #require(run.result, "no RESULT line: \(run.output.suffix(3000))")
        #expect(r["lost"] as? Int == 0)
        #expect(r["duplicated"] as? Int == 0)
        #expect(r["failed"] as? Int == 0)
        #expect(r["wrong_values"] as? Int == 0)
        #expect((r["refusals_in_log"] as? Int ?? 0) >= 1, "the partitioned worker's stale reports were not refused")
        #expect((r["refusals_of_cut_attempt"] as? Int ?? 0) >= 1, "the cut-off attempt's reports were not refused")
        #expect(r["reports_recorded_after_heal"] as? Int == 0)
        #expect((r["trials_resumed_on_another_host"] as? Int ?? 0) >= 1)
        #expect((r["link_lost"] as? Int ?? 0) > 0, "the link dropped no packet, so loss was not applied: \(run.output.suffix(2000))")
        #expect((r["link_partitioned"] as? Int ?? 0) > 0, "the partition dropped no packet: \(run.output.suffix(2000))")
    }
}
