// The CURVE options of `rung coordinator` (its key and allow-list) and of the workers and clients
// (the coordinator's public key they pin, and their own key), and the rule that picks CURVE or
// plain TCP: CURVE whenever an endpoint is not loopback (unless --insecure, which warns), or when
// a key or --curve is given. Leaves out key files themselves (Runtime's KeyFiles).
import ArgumentParser
import Foundation
import Runtime

/// `rung coordinator`'s CURVE options.
struct ServerKeyOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The coordinator's secret key file (default: $RUNG_KEYS or ~/.rung/keys, coordinator.key).", valueName: "file"))
    var key: String?

    @Option(help: ArgumentHelp("The allow-list directory: workers/, clients/, operators/ folders of .pub files, re-read on change or SIGHUP (default: $RUNG_KEYS or ~/.rung/keys, allow/).", valueName: "dir"))
    var allow: String?

    @Flag(help: "Use CURVE on loopback endpoints too (always on elsewhere).")
    var curve = false

    @Flag(help: "Plain TCP on a non-loopback endpoint: anyone who reaches it can join and steer the study. Prints a warning.")
    var insecure = false

    /// The CURVE setup for these endpoints, or nil for plain TCP (with the warning printed when
    /// that is off loopback).
    func setup(for endpoints: [String]) throws -> CurveServerSetup? {
        if insecure, curve || key != nil || allow != nil {
            throw ValidationError("--insecure excludes --curve, --key and --allow: give one or the other")
        }
        let remote = endpoints.filter { !Endpoint.isLoopback($0) }
        guard curve || key != nil || allow != nil || (!remote.isEmpty && !insecure) else {
            if !remote.isEmpty { FileHandle.standardError.write(Data((Endpoint.insecureWarning(remote) + "\n").utf8)) }
            return nil
        }
        let keyFile = key.map { URL(fileURLWithPath: $0) } ?? KeyFiles.defaultDirectory.appendingPathComponent("coordinator.key")
        let allowDir = allow.map { URL(fileURLWithPath: $0, isDirectory: true) }
            ?? KeyFiles.defaultDirectory.appendingPathComponent("allow", isDirectory: true)
        guard FileManager.default.fileExists(atPath: keyFile.path) else {
            throw ValidationError(Endpoint.needsCurve(remote.isEmpty ? endpoints : remote, missing: "the key file \(keyFile.path) does not exist (`rung keygen coordinator` makes it; --key names another)"))
        }
        return CurveServerSetup(keyPair: try KeyFiles.readSecret(keyFile), allowList: allowDir)
    }
}

/// The CURVE options of a worker or client of a coordinator.
struct ClientKeyOptions: ParsableArguments {
    @Option(name: .customLong("server-key"), help: ArgumentHelp("The coordinator's public key file, pinned: no other server is talked to (default: $RUNG_KEYS or ~/.rung/keys, coordinator.pub).", valueName: "file"))
    var serverKey: String?

    @Option(help: ArgumentHelp("This peer's secret key file; its .pub must be in the coordinator's allow-list (default: $RUNG_KEYS or ~/.rung/keys, worker.key for a worker, client.key for a client).", valueName: "file"))
    var key: String?

    @Flag(help: "Use CURVE on a loopback endpoint too (always on elsewhere).")
    var curve = false

    @Flag(help: "Plain TCP to a non-loopback endpoint: any server there can hand this process commands. Prints a warning.")
    var insecure = false

    /// The CURVE setup for `endpoint` (nil: plain TCP), using `defaultKey` in the keys directory
    /// when --key is not given.
    func setup(for endpoint: String, defaultKey: String) throws -> CurveClientSetup? {
        if insecure, curve || key != nil || serverKey != nil {
            throw ValidationError("--insecure excludes --curve, --key and --server-key: give one or the other")
        }
        let remote = !Endpoint.isLoopback(endpoint)
        guard curve || key != nil || serverKey != nil || (remote && !insecure) else {
            if remote { FileHandle.standardError.write(Data((Endpoint.insecureWarning([endpoint]) + "\n").utf8)) }
            return nil
        }
        let dir = KeyFiles.defaultDirectory
        let server = serverKey.map { URL(fileURLWithPath: $0) } ?? dir.appendingPathComponent("coordinator.pub")
        let own = key.map { URL(fileURLWithPath: $0) } ?? dir.appendingPathComponent(defaultKey)
        for (file, how) in [(server, "copy it from the coordinator's host; --server-key names another"),
                            (own, "`rung keygen \(own.deletingPathExtension().lastPathComponent)` makes it; --key names another")]
        where !FileManager.default.fileExists(atPath: file.path) {
            throw ValidationError(Endpoint.needsCurve([endpoint], missing: "the key file \(file.path) does not exist (\(how))"))
        }
        return try CurveClientSetup.read(serverKey: server, key: own)
    }
}

/// `rung keygen NAME`: a CURVE key pair for a coordinator, worker or client.
struct KeygenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keygen",
        abstract: "Make a CURVE key pair: NAME.key (secret, mode 0600) and NAME.pub (public), in Z85.",
        discussion: """
            On the coordinator's host: `rung keygen coordinator`; copy coordinator.pub to every worker and \
            client host. On each worker: `rung keygen worker`, and put its worker.pub into the coordinator's \
            allow/workers/ folder (clients: client.pub into allow/clients/, or allow/operators/ to let it stop \
            the study). The coordinator picks up allow-list changes within a second (or on SIGHUP).
            """)

    @Argument(help: "The key's name: coordinator, worker, client, or any file name.")
    var name: String

    @Option(help: ArgumentHelp("Directory for the two files (default: $RUNG_KEYS or ~/.rung/keys).", valueName: "dir"))
    var out: String?

    @Flag(help: "Replace an existing key pair of that name.")
    var force = false

    func run() throws {
        let dir = out.map { URL(fileURLWithPath: $0, isDirectory: true) } ?? KeyFiles.defaultDirectory
        do {
            let pair = try KeyFiles.generate(name: name, in: dir, overwrite: force)
            print("wrote \(dir.appendingPathComponent("\(name).key").path) (secret, mode 0600)")
            print("wrote \(dir.appendingPathComponent("\(name).pub").path) (public: \(pair.publicKey))")
            if name == "coordinator" {
                let allow = dir.appendingPathComponent("allow", isDirectory: true)
                for role in PeerRole.allCases {
                    try FileManager.default.createDirectory(at: allow.appendingPathComponent(role.folder), withIntermediateDirectories: true)
                }
                print("made the allow-list \(allow.path)/{workers,clients,operators}/; copy coordinator.pub to each worker and client")
            } else {
                print("put \(name).pub into the coordinator's allow/workers/ (or allow/clients/, allow/operators/)")
            }
        } catch let error as RuntimeError {
            throw ValidationError(error.description)
        }
    }
}
