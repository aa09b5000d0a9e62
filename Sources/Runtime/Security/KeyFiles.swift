// CURVE key files and the coordinator's allow-list directory, as PROTOCOL.md §9 describes them:
// `NAME.key` holds a Z85 secret key (mode 0600), `NAME.pub` its Z85 public key; the allow-list is a
// directory with `workers/`, `clients/` and `operators/` folders of `.pub` files. Leaves out the
// sockets (CurveSetup.swift) and the ZAP handler (Wire's CurveAuthenticator).
import Foundation
import Wire

/// Reading and writing key files.
public enum KeyFiles {
    /// The keys directory used when no file is named: `$RUNG_KEYS`, else `~/.rung/keys`.
    public static var defaultDirectory: URL {
        if let d = ProcessInfo.processInfo.environment["RUNG_KEYS"], !d.isEmpty {
            return URL(fileURLWithPath: d, isDirectory: true)
        }
        return FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".rung/keys", isDirectory: true)
    }

    /// Writes `DIR/NAME.key` (secret, mode 0600) and `DIR/NAME.pub` for a fresh key pair and
    /// returns it. Refuses to replace existing files unless `overwrite`.
    @discardableResult
    public static func generate(name: String, in dir: URL, overwrite: Bool = false) throws -> CurveKeyPair {
        guard !name.isEmpty, !name.contains("/"), !name.hasPrefix(".") else {
            throw RuntimeError(.invalidArgument, "a key name is a file name without '/' or a leading '.'; got '\(name)'")
        }
        let secret = dir.appendingPathComponent("\(name).key"), pub = dir.appendingPathComponent("\(name).pub")
        let fm = FileManager.default
        if !overwrite, let existing = [secret, pub].first(where: { fm.fileExists(atPath: $0.path) }) {
            throw RuntimeError(.invalidArgument, "\(existing.path) exists; remove it first, or pass --force to replace the key pair (peers holding the old public key then need the new one)")
        }
        let pair: CurveKeyPair
        do { pair = try CurveKeyPair.generate() } catch {
            throw RuntimeError(.io, "cannot make a CURVE key pair: \(error)")
        }
        do {
            try fm.createDirectory(at: dir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            try? fm.removeItem(at: secret)
            guard fm.createFile(atPath: secret.path, contents: Data("# rung CURVE secret key (Z85) of '\(name)'; keep it on this host only\n\(pair.secretKey)\n".utf8),
                                attributes: [.posixPermissions: 0o600]) else {
                throw RuntimeError(.io, "cannot write \(secret.path)")
            }
            try Data("# rung CURVE public key (Z85) of '\(name)'\n\(pair.publicKey)\n".utf8).write(to: pub)
        } catch let e as RuntimeError {
            throw e
        } catch {
            throw RuntimeError(.io, "cannot write the key pair in \(dir.path): \(error.localizedDescription)")
        }
        return pair
    }

    /// The key pair of a secret key file (the public key is derived from the secret one).
    public static func readSecret(_ url: URL) throws -> CurveKeyPair {
        let key = try readKey(url, what: "secret key")
        do { return CurveKeyPair(publicKey: try CurveKeyPair.derivePublicKey(secretKey: key), secretKey: key) } catch {
            throw RuntimeError(.invalidArgument, "\(url.path) does not hold a valid CURVE secret key: \(error)")
        }
    }

    /// The Z85 public key of a `.pub` file.
    public static func readPublic(_ url: URL) throws -> String { try readKey(url, what: "public key") }

    /// The one 40-character Z85 key in a key file (lines starting with `#` and blank lines are skipped).
    static func readKey(_ url: URL, what: String) throws -> String {
        let text: String
        do { text = try String(contentsOf: url, encoding: .utf8) } catch {
            throw RuntimeError(.io, "cannot read the \(what) file \(url.path): \(error.localizedDescription); make one with `rung keygen NAME --out \(url.deletingLastPathComponent().path)`")
        }
        let lines = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty && !$0.hasPrefix("#") }
        guard lines.count == 1, let key = lines.first, isZ85Key(key) else {
            throw RuntimeError(.invalidArgument, "\(url.path) must hold one \(what) as a line of 40 Z85 characters (as `rung keygen` writes it); found \(lines.count) line(s) that are not comments")
        }
        return key
    }

    /// True for 40 characters of the Z85 alphabet.
    public static func isZ85Key(_ s: String) -> Bool {
        s.utf8.count == 40 && s.utf8.allSatisfy { z85Alphabet.contains($0) }
    }

    private static let z85Alphabet = Set("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#".utf8)
}

/// The coordinator's allow-list: public keys and their roles, read from a directory with the
/// folders `workers/`, `clients/`, `operators/` (one `.pub` file per key; a key may be in several).
public struct AllowList: Sendable, Equatable {
    /// Z85 public key → the roles it holds.
    public var roles: [String: Set<PeerRole>]
    /// Files that were skipped, with the reason (for the coordinator's log).
    public var skipped: [String]

    /// An allow-list with the given keys.
    public init(roles: [String: Set<PeerRole>] = [:], skipped: [String] = []) {
        self.roles = roles; self.skipped = skipped
    }

    /// Reads the allow-list directory. A missing role folder is an empty one; an unreadable or
    /// malformed `.pub` file is skipped and named in `skipped`.
    public static func read(_ dir: URL) throws -> AllowList {
        let fm = FileManager.default
        var isDir: ObjCBool = false
        guard fm.fileExists(atPath: dir.path, isDirectory: &isDir), isDir.boolValue else {
            throw RuntimeError(.invalidArgument, "the allow-list directory \(dir.path) does not exist; create it with the folders workers/, clients/ and operators/ and put each peer's .pub file in one of them (PROTOCOL.md §9)")
        }
        var list = AllowList()
        for role in PeerRole.allCases {
            let folder = dir.appendingPathComponent(role.folder, isDirectory: true)
            let names = ((try? fm.contentsOfDirectory(atPath: folder.path)) ?? []).sorted()
            for name in names where !name.hasPrefix(".") {
                guard name.hasSuffix(".pub") else {
                    list.skipped.append("\(folder.path)/\(name): not a .pub file")
                    continue
                }
                do {
                    let key = try KeyFiles.readPublic(folder.appendingPathComponent(name))
                    list.roles[key, default: []].formUnion(role.implied)
                } catch {
                    list.skipped.append("\(error)")
                }
            }
        }
        return list
    }

    /// The ZAP user ids to hand the authenticator: `role,role:KEY` for every key.
    public var zapUsers: [String: String] {
        var out: [String: String] = [:]
        for (key, r) in roles { out[key] = r.sorted().map(\.rawValue).joined(separator: ",") + ":" + key }
        return out
    }

    /// What changes on disk would change the list: each folder's and each file's modification time
    /// and size (polled once a second by the coordinator).
    public static func fingerprint(_ dir: URL) -> [String] {
        let fm = FileManager.default
        var out: [String] = []
        for sub in [""] + PeerRole.allCases.map(\.folder) {
            let folder = sub.isEmpty ? dir : dir.appendingPathComponent(sub, isDirectory: true)
            func stamp(_ path: String) -> String {
                guard let a = try? fm.attributesOfItem(atPath: path) else { return "\(path) -" }
                let t = (a[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
                return "\(path) \(t) \(a[.size] as? Int ?? 0)"
            }
            out.append(stamp(folder.path))
            if sub.isEmpty { continue }
            for name in ((try? fm.contentsOfDirectory(atPath: folder.path)) ?? []).sorted() {
                out.append(stamp(folder.appendingPathComponent(name).path))
            }
        }
        return out
    }
}
