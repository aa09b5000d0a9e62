// The Dockerfile cannot be built here (no container engine); this checks what can be: two stages,
// the runtime stage on Debian 12 slim with the libraries the release binary loads, a non-root
// user, the ports, and the binary built with the Swift runtime linked in.
import Foundation
import Testing

@Suite("Dockerfile")
struct DockerfileTests {
    @Test("multi-stage: Swift build, then a slim Debian runtime with the worker's packages")
    func stages() throws {
        let text = try String(contentsOf: repositoryRoot.appendingPathComponent("deploy/Dockerfile"), encoding: .utf8)
        let froms = text.split(separator: "\n").filter { $0.hasPrefix("FROM ") }
        #expect(froms.count == 2, "\(froms)")
        #expect(froms.last?.contains("debian:bookworm-slim") == true)
        let runtime = try #require(text.components(separatedBy: "AS runtime").last)
        for package in ["libzmq5", "libopenblas0", "libsqlite3-0", "libpng16-16", "libjpeg62-turbo"] {
            #expect(runtime.contains(package), "the runtime stage does not install \(package)")
        }
        #expect(!runtime.contains("-dev "), "the runtime stage installs development packages")
        #expect(runtime.contains("USER rung"))
        #expect(runtime.contains("EXPOSE 5555 5556"))
        #expect(text.contains("--static-swift-stdlib"))
        #expect(runtime.contains("COPY --from=build"))
    }
}
