// Key files, the allow-list directory and its roles, the loopback rule, and the role each message
// type needs: the pieces of the coordinator's authentication, without sockets.
import Foundation
import Testing
import Wire
@testable import Runtime

@Suite struct SecurityUnitTests {
    @Test func loopbackEndpointsAreTheOnlyOnesThatMayStayPlain() {
        for e in ["tcp://127.0.0.1:5555", "tcp://127.8.9.10:1", "tcp://localhost:5555", "tcp://[::1]:5555",
                  "ipc:///tmp/rung.sock", "inproc://x"] {
            #expect(Endpoint.isLoopback(e), "\(e)")
        }
        for e in ["tcp://*:5555", "tcp://0.0.0.0:5555", "tcp://10.0.0.2:5555", "tcp://eth0:5555",
                  "tcp://host.example:5555", "tcp://127.0.0.1.evil:5555", "tcp://[::]:5555", "udp://127.0.0.1:1"] {
            #expect(!Endpoint.isLoopback(e), "\(e)")
        }
    }

    @Test func keygenFilesRoundTripAndTheSecretIsPrivate() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rung-keys-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: dir) }
        let pair = try KeyFiles.generate(name: "w1", in: dir)
        #expect(try KeyFiles.readSecret(dir.appendingPathComponent("w1.key")) == pair)
        #expect(try KeyFiles.readPublic(dir.appendingPathComponent("w1.pub")) == pair.publicKey)
        let mode = try FileManager.default.attributesOfItem(atPath: dir.appendingPathComponent("w1.key").path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        let again = #expect(throws: RuntimeError.self) { try KeyFiles.generate(name: "w1", in: dir) }
        #expect(again?.message.contains("--force") == true)
        try "not a key\n".write(to: dir.appendingPathComponent("bad.pub"), atomically: true, encoding: .utf8)
        let bad = #expect(throws: RuntimeError.self) { try KeyFiles.readPublic(dir.appendingPathComponent("bad.pub")) }
        #expect(bad?.message.contains("40 Z85 characters") == true)
    }

    @Test func allowListFoldersGiveRolesAndBadFilesAreSkippedByName() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rung-allow-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: dir) }
        let w = try KeyFiles.generate(name: "w", in: dir.appendingPathComponent("workers"))
        let c = try KeyFiles.generate(name: "c", in: dir.appendingPathComponent("clients"))
        let o = try KeyFiles.generate(name: "o", in: dir.appendingPathComponent("operators"))
        for f in ["workers/w.key", "clients/c.key", "operators/o.key"] {  // secrets do not belong here
            try FileManager.default.removeItem(at: dir.appendingPathComponent(f))
        }
        try "garbage\n".write(to: dir.appendingPathComponent("clients/broken.pub"), atomically: true, encoding: .utf8)
        let list = try AllowList.read(dir)
        #expect(list.roles[w.publicKey] == [.worker, .reader])
        #expect(list.roles[c.publicKey] == [.reader])
        #expect(list.roles[o.publicKey] == [.operator, .reader])
        #expect(list.skipped.count == 1 && list.skipped[0].contains("broken.pub"))
        #expect(list.zapUsers[o.publicKey] == "reader,operator:\(o.publicKey)")
        let before = AllowList.fingerprint(dir)
        try FileManager.default.removeItem(at: dir.appendingPathComponent("clients/c.pub"))
        #expect(AllowList.fingerprint(dir) != before)
        #expect(try AllowList.read(dir).roles[c.publicKey] == nil)
    }

    @Test func everyMessageACoordinatorAcceptsDeclaresItsRole() {
        #expect(MessageType.stopStudy.requiredRole == .operator)
        for t in [MessageType.status, .trials, .best, .logs, .query] { #expect(t.requiredRole == .reader) }
        for t in [MessageType.hello, .report, .log, .paused, .done, .failed, .checkpointPut, .checkpointGet, .bye] {
            #expect(t.requiredRole == .worker)
        }
        #expect(MessageType.assign.requiredRole == nil)
    }
}
