// The systemd units: `systemd-analyze verify` where it is installed (it parses and checks units
// without a running systemd), and a lint written here that holds everywhere: the keys a
// deployment relies on (restart policy, dedicated user, LimitNOFILE, credentials), no unknown
// keys, and every flag in ExecStart one that `rung <command> --help` lists.
import Foundation
import Testing

/// One unit file as sections of (key, value) pairs, continuation lines joined.
struct UnitFile {
    var sections: [String: [(key: String, value: String)]] = [:]

    init(_ text: String) throws {
        var section = ""
        var pending = ""
        for raw in text.split(separator: "\n", omittingEmptySubsequences: false) {
            var line = String(raw)
            if pending.isEmpty, line.hasPrefix("#") || line.hasPrefix(";") || line.trimmingCharacters(in: .whitespaces).isEmpty { continue }
            if line.hasSuffix("\\") {
                line.removeLast()
                pending += line + " "
                continue
            }
            line = (pending + line).trimmingCharacters(in: .whitespaces)
            pending = ""
            if line.hasPrefix("[") {
                section = String(line.dropFirst().dropLast())
                continue
            }
            guard let eq = line.firstIndex(of: "=") else { throw UnitLintError(message: "not key=value: \(line)") }
            sections[section, default: []].append((String(line[..<eq]), String(line[line.index(after: eq)...])))
        }
    }

    func values(_ section: String, _ key: String) -> [String] {
        sections[section, default: []].filter { $0.key == key }.map(\.value)
    }
}

struct UnitLintError: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}

/// The keys these units may use, per section: anything else is a typo or needs adding here.
private let knownKeys: [String: Set<String>] = [
    "Unit": ["Description", "Documentation", "After", "Wants", "Requires"],
    "Service": ["Type", "User", "Group", "StateDirectory", "CacheDirectory", "WorkingDirectory", "LoadCredential",
                "EnvironmentFile", "Environment", "ExecStart", "Restart", "RestartSec", "KillMode", "KillSignal",
                "TimeoutStopSec", "LimitNOFILE", "NoNewPrivileges", "ProtectSystem", "ProtectHome", "PrivateTmp",
                "ReadWritePaths"],
    "Install": ["WantedBy"],
]

private let unitsDirectory = repositoryRoot.appendingPathComponent("deploy/systemd")

@Suite("systemd units")
struct SystemdUnitTests {
    @Test("lint: restart policy, dedicated user, LimitNOFILE, credentials, known keys, flags rung accepts",
          .enabled(if: rungBinary() != nil, "needs the rung binary to check the ExecStart flags"),
          arguments: ["rung-coordinator.service", "rung-worker@.service"])
    func lint(_ name: String) throws {
        let unit = try UnitFile(String(contentsOf: unitsDirectory.appendingPathComponent(name), encoding: .utf8))
        for (section, entries) in unit.sections {
            let known = try #require(knownKeys[section], "\(name): unknown section [\(section)]")
            for e in entries { #expect(known.contains(e.key), "\(name): unknown key \(e.key)= in [\(section)]") }
        }
        #expect(!unit.values("Unit", "Description").isEmpty, "\(name): no Description=")
        #expect(unit.values("Service", "User") == ["rung"], "\(name): not run as the dedicated rung user")
        let restart = unit.values("Service", "Restart")
        #expect(restart == ["on-failure"] || restart == ["always"], "\(name): Restart= is \(restart)")
        let files = try #require(Int(unit.values("Service", "LimitNOFILE").first ?? ""), "\(name): no numeric LimitNOFILE=")
        #expect(files >= 4096)
        let credentials = unit.values("Service", "LoadCredential")
        #expect(!credentials.isEmpty, "\(name): keys are not read from a credentials directory (LoadCredential=)")
        #expect(unit.values("Install", "WantedBy") == ["multi-user.target"])
        // ExecStart: rung <command> with flags the binary has; every credential it loads is used as %d/ID.
        let exec = try #require(unit.values("Service", "ExecStart").first)
        let words = exec.split(separator: " ").map(String.init)
        #expect(words.first == "/usr/local/bin/rung")
        let command = words[1]
        let help = try runScript([rungBinary()!, command, "--help"], timeout: 30)
        #expect(help.status == 0, "rung \(command) --help failed: \(help.output)")
        // The key flags arrive with CURVE (`rung keygen`); a rung without it cannot check them.
        let keygen = try runScript([rungBinary()!, "keygen", "--help"], timeout: 30)
        let unchecked: Set<String> = keygen.output.contains("USAGE: rung keygen") ? [] : ["--key", "--allow", "--server-key"]
        for flag in words where flag.hasPrefix("--") && !unchecked.contains(flag) {
            #expect(help.output.contains(flag + " ") || help.output.contains(flag + "\n") || help.output.contains(flag + ","),
                    "\(name): `rung \(command)` has no flag \(flag)")
        }
        for c in credentials {
            let id = String(c.split(separator: ":")[0])
            #expect(words.contains { $0.contains("%d/\(id)") }, "\(name): credential \(id) is loaded but ExecStart does not use %d/\(id)")
        }
    }

    @Test("systemd-analyze verify accepts both units (one worker instance) without a warning",
          .enabled(if: which("systemd-analyze") != nil, "systemd-analyze is not installed (Debian package systemd)"),
          .enabled(if: rungBinary() != nil, "needs the rung binary to stand in for /usr/local/bin/rung"))
    func verify() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rung-units-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        // verify checks that ExecStart's program exists: point it at this build's binary. The
        // worker template is checked as the instance for a coordinator at coordinator.example.
        let targets = ["rung-coordinator.service": "rung-coordinator.service",
                       "rung-worker@.service": "rung-worker@coordinator.example.service"]
        for (source, target) in targets {
            let text = try String(contentsOf: unitsDirectory.appendingPathComponent(source), encoding: .utf8)
            try text.replacingOccurrences(of: "/usr/local/bin/rung", with: rungBinary()!)
                .write(to: dir.appendingPathComponent(target), atomically: true, encoding: .utf8)
        }
        let run = try runScript([which("systemd-analyze")!, "verify", "--man=no"] + targets.values.sorted().map { dir.appendingPathComponent($0).path },
                                timeout: 60)
        #expect(run.status == 0, "\(run.output)")
        let ours = run.output.split(separator: "\n").filter { $0.contains("rung") }
        #expect(ours.isEmpty, "systemd-analyze warns about the units: \(ours.joined(separator: "\n"))")
    }
}
