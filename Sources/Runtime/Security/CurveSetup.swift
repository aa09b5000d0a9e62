// When a socket uses CURVE and with which keys: loopback endpoints may stay plain, any other
// address needs CURVE (or an explicit --insecure, with a warning). The coordinator's side is a key
// pair and an allow-list directory; a worker's or client's side pins the coordinator's public key.
// Leaves out the key file format (KeyFiles.swift) and the CLI options (RungCLI).
import Foundation
import Synchronization
import Wire
#if canImport(Glibc)
import Glibc
#endif

/// The coordinator's CURVE setup: its key pair (ROUTER and PUB are CURVE servers) and the
/// allow-list directory of the peers' public keys.
public struct CurveServerSetup: Sendable {
    /// The coordinator's key pair.
    public var keyPair: CurveKeyPair
    /// The allow-list directory (`workers/`, `clients/`, `operators/`).
    public var allowList: URL
    public init(keyPair: CurveKeyPair, allowList: URL) { self.keyPair = keyPair; self.allowList = allowList }

    /// The socket options of a CURVE server socket.
    public var socketOptions: [ZMQOption] { [.zapDomain("rung"), .curveServer(secretKey: keyPair.secretKey)] }
}

/// A worker's or client's CURVE setup: the coordinator's public key (pinned: a server without
/// the matching secret key cannot complete the handshake) and this peer's own key pair.
public struct CurveClientSetup: Sendable {
    /// The coordinator's public key.
    public var serverKey: String
    /// This peer's key pair (its public key must be in the coordinator's allow-list).
    public var keyPair: CurveKeyPair
    public init(serverKey: String, keyPair: CurveKeyPair) { self.serverKey = serverKey; self.keyPair = keyPair }

    /// Reads the coordinator's `.pub` file and this peer's `.key` file.
    public static func read(serverKey: URL, key: URL) throws -> CurveClientSetup {
        CurveClientSetup(serverKey: try KeyFiles.readPublic(serverKey), keyPair: try KeyFiles.readSecret(key))
    }

    /// The socket options of a CURVE client socket.
    public var socketOptions: [ZMQOption] {
        [.curveClient(serverKey: serverKey, publicKey: keyPair.publicKey, secretKey: keyPair.secretKey)]
    }
}

/// Endpoint classification for the CURVE default.
public enum Endpoint {
    /// True for endpoints only this host can reach: `ipc://`, `inproc://`, and `tcp://` on
    /// 127.0.0.0/8, `::1` or `localhost`. False for `*`, `0.0.0.0`, interface names and any other host.
    public static func isLoopback(_ endpoint: String) -> Bool {
        if endpoint.hasPrefix("ipc://") || endpoint.hasPrefix("inproc://") { return true }
        guard endpoint.hasPrefix("tcp://") else { return false }
        var rest = endpoint.dropFirst(6)
        if let semi = rest.firstIndex(of: ";") { rest = rest[rest.index(after: semi)...] }  // source;destination
        guard let colon = rest.lastIndex(of: ":") else { return false }
        var host = String(rest[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        if host == "localhost" || host == "::1" { return true }
        let parts = host.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts[0] == "127" && parts.allSatisfy { UInt8($0) != nil }
    }

    /// The warning printed when plain TCP is used off loopback with --insecure.
    public static func insecureWarning(_ endpoints: [String]) -> String {
        "warning: --insecure: plain TCP on \(endpoints.joined(separator: ", ")); anyone who can reach it can join, read and steer the study (and a rogue coordinator can hand workers commands to run). Use CURVE keys across machines (README: Keys)."
    }

    /// The error when CURVE is needed but no key was given or found.
    public static func needsCurve(_ endpoints: [String], missing: String) -> String {
        "\(endpoints.joined(separator: ", ")) is not a loopback address, so CURVE is on, but \(missing). Make keys with `rung keygen` (README: Keys), or pass --insecure to use plain TCP anyway."
    }
}

/// SIGHUP count since start (the signal handler may only do an atomic add).
private let hangups = Atomic<Int>(0)

/// SIGHUP asks a coordinator to re-read its allow-list.
public enum HangupSignal {
    /// Installs the handler that counts SIGHUPs instead of dying (call once, in the CLI).
    public static func install() {
        var action = sigaction()
        action.__sigaction_handler.sa_handler = { _ in hangups.add(1, ordering: .relaxed) }
        sigemptyset(&action.sa_mask)
        action.sa_flags = SA_RESTART
        sigaction(SIGHUP, &action, nil)
    }

    /// How many SIGHUPs arrived so far.
    public static var count: Int { hangups.load(ordering: .relaxed) }
}
