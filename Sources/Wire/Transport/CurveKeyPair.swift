// CURVE key pairs in Z85 text (40 characters each), as `rung keygen` writes them.
// Leaves out key files and the allow-list (ZAP) that checks client keys on the server.

import CZeroMQ

/// A CURVE (Curve25519) key pair, both keys as 40-character Z85 text.
public struct CurveKeyPair: Sendable, Hashable {
    /// The public key: give it to peers (servers publish theirs to clients).
    public var publicKey: String
    /// The secret key: never leaves its host.
    public var secretKey: String

    /// Makes a pair from known keys (not checked; see `derivePublicKey`).
    public init(publicKey: String, secretKey: String) {
        self.publicKey = publicKey; self.secretKey = secretKey
    }

    /// A fresh random key pair. Throws when libzmq lacks CURVE support.
    public static func generate() throws(WireError) -> CurveKeyPair {
        var pub = [CChar](repeating: 0, count: 41)
        var sec = [CChar](repeating: 0, count: 41)
        if zmq_curve_keypair(&pub, &sec) != 0 { throw WireError.zmq("zmq_curve_keypair") }
        return CurveKeyPair(publicKey: text(pub), secretKey: text(sec))
    }

    /// The public key that belongs to a Z85 secret key.
    public static func derivePublicKey(secretKey: String) throws(WireError) -> String {
        guard secretKey.utf8.count == 40 else {
            throw WireError(.transport, "a Z85 secret key has 40 characters; got \(secretKey.utf8.count)")
        }
        var pub = [CChar](repeating: 0, count: 41)
        if zmq_curve_public(&pub, secretKey) != 0 { throw WireError.zmq("zmq_curve_public") }
        return text(pub)
    }

    private static func text(_ c: [CChar]) -> String {
        String(decoding: c.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
