// The release tarball (deploy/build-release.sh) runs where no Swift toolchain is: its binary,
// with the toolchain folder hidden by a private mount, answers --version and --help and runs a
// study with a coordinator and two workers (deploy/release-check.sh).
import Foundation
import Testing

/// The newest tarball in dist/, which deploy/test.sh builds before the suite runs.
private func releaseTarball() -> URL? {
    let dist = repositoryRoot.appendingPathComponent("dist")
    let files = (try? FileManager.default.contentsOfDirectory(at: dist, includingPropertiesForKeys: [.contentModificationDateKey])) ?? []
    return files.filter { $0.lastPathComponent.hasPrefix("rung-") && $0.lastPathComponent.hasSuffix(".tar.gz") }
        .max { a, b in
            let da = (try? a.resourceValues(forKeys: [.contentModificationDateKey]).contentModificationDate) ?? .distantPast
            let db = (try? b.resourceValues(forKeys: [.contentModificationDateKey]).contentModificationDate) ?? .distantPast
            return da < db
        }
}

/// The version in Sources/RungCLI/Version.swift.
private func sourceVersion() throws -> String {
    let text = try String(contentsOf: repositoryRoot.appendingPathComponent("Sources/RungCLI/Version.swift"), encoding: .utf8)
    let line = try #require(text.split(separator: "\n").first { $0.hasPrefix("let rungVersion = ") })
    return String(line.split(separator: "\"")[1])
}

@Suite("Release tarball")
struct ReleaseTarballTests {
    @Test("runs --help and a coordinator with two workers with the Swift toolchain folder hidden",
          .enabled(if: releaseTarball() != nil,
                   "no dist/rung-*.tar.gz: deploy/test.sh builds it (deploy/build-release.sh, several minutes); RUNG_TEST_RELEASE=0 skipped that"),
          .enabled(if: canMakeNetworkNamespaces, "hiding the toolchain needs root and unshare (private mount and network namespaces)"),
          .timeLimit(.minutes(2)))
    func runsWithoutToolchain() throws {
        let tarball = try #require(releaseTarball())
        #expect(tarball.lastPathComponent == "rung-\(try sourceVersion())-linux-x86_64.tar.gz",
                "the tarball's version is not the sources' (rebuild it with deploy/build-release.sh)")
        let run = try runScript(["bash", "deploy/release-check.sh", tarball.path], timeout: 100)
        #expect(run.status == 0, "\(run.output.suffix(4000))")
        #expect(run.output.contains("toolchain folder"), "the toolchain was not hidden: \(run.output.suffix(2000))")
        #expect(run.output.contains("study 'release-check': 6 trials"), "\(run.output.suffix(2000))")
    }

    @Test("lists the Debian packages the binary loads, and its SHA-256",
          .enabled(if: releaseTarball() != nil, "no dist/rung-*.tar.gz (deploy/build-release.sh makes it)"))
    func listsPackages() throws {
        let tarball = try #require(releaseTarball())
        let name = tarball.lastPathComponent.replacingOccurrences(of: ".tar.gz", with: "")
        let listing = try runScript(["tar", "-xzOf", tarball.path, "\(name)/DEBIAN-PACKAGES"], timeout: 30)
        #expect(listing.status == 0)
        let packages = Set(listing.output.split(separator: "\n").filter { !$0.hasPrefix("#") }.map(String.init))
        for needed in ["libzmq5", "libopenblas0", "libsqlite3-0", "libpng16-16", "libjpeg62-turbo"] {
            #expect(packages.contains(needed), "DEBIAN-PACKAGES lacks \(needed): \(packages.sorted())")
        }
        #expect(!packages.contains { $0.contains("swift") })
        let sums = try String(contentsOf: URL(fileURLWithPath: tarball.path + ".sha256"), encoding: .utf8)
        #expect(sums.split(separator: " ").first?.count == 64, "not a SHA-256 line: \(sums)")
    }
}
