// The Kubernetes manifests, validated offline (no cluster here): yamllint, kubernetes-validate
// --strict against the Kubernetes OpenAPI schemas, and their cross-references and rung flags
// (deploy/k8s/validate.sh). A manifest with a misspelt field must fail the same validation.
import Foundation
import Testing

private let validatorsPresent = which("yamllint") != nil && which("kubernetes-validate") != nil && which("python3") != nil

@Suite("Kubernetes manifests")
struct KubernetesTests {
    @Test("pass yamllint, schema validation (strict) and the reference and flag checks",
          .enabled(if: validatorsPresent, "needs yamllint and kubernetes-validate from PyPI (deploy/test.sh installs them)"),
          .enabled(if: rungBinary() != nil, "needs the rung binary for the flag check"))
    func manifestsValidate() throws {
        let run = try runScript(["bash", "deploy/k8s/validate.sh", rungBinary()!], timeout: 120)
        #expect(run.status == 0, "\(run.output.suffix(4000))")
        #expect(run.output.contains("resources consistent"))
    }

    @Test("the schema check rejects a misspelt field",
          .enabled(if: validatorsPresent, "needs kubernetes-validate from PyPI (deploy/test.sh installs it)"))
    func schemaCheckRejectsTypo() throws {
        let original = try String(contentsOf: repositoryRoot.appendingPathComponent("deploy/k8s/workers.yaml"), encoding: .utf8)
        #expect(original.contains("  replicas: 4"))
        let bad = FileManager.default.temporaryDirectory.appendingPathComponent("rung-k8s-\(UUID().uuidString.prefix(8)).yaml")
        try original.replacingOccurrences(of: "  replicas: 4", with: "  replcas: 4").write(to: bad, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: bad) }
        let run = try runScript(["kubernetes-validate", "--strict", "--quiet", bad.path], timeout: 60)
        #expect(run.status != 0, "a Deployment with `replcas` passed: \(run.output)")
    }
}
