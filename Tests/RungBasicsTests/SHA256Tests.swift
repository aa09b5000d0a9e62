// SHA-256 against the FIPS 180-4 example vectors, and streaming in pieces against one-shot.
import Testing
@testable import RungBasics

@Test func sha256MatchesFIPSVectors() {
    #expect(SHA256.hex(Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    #expect(SHA256.hex([UInt8]()) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    #expect(SHA256.hex(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8))
            == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    #expect(SHA256.hex([UInt8](repeating: 0x61, count: 1_000_000))
            == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
}

@Test func sha256StreamingEqualsOneShot() {
    let bytes = (0..<1000).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
    for split in [0, 1, 55, 56, 63, 64, 65, 127, 128, 999] {
        var digest = SHA256()
        digest.update(bytes[..<split])
        digest.update(bytes[split...])
        #expect(digest.hexDigest() == SHA256.hex(bytes), "split at \(split)")
    }
}

@Test func sha256OfNonContiguousBytes() {
    let bytes = (0..<300).map { UInt8(truncatingIfNeeded: $0) }
    var digest = SHA256()
    digest.update(bytes.lazy.map { $0 })  // no contiguous storage: the copying path
    #expect(digest.hexDigest() == SHA256.hex(bytes))
    #expect(SHA256.hex(bytes) == "7728ae2f2c36e2aaafbe79ca14c87ae2f89e7c88c4390ecbbf82dce88706958d")
}
