// The engine's own pseudo-random generator: xoshiro256** (Blackman & Vigna 2018) seeded through
// SplitMix64 (RungBasics), so a study's seed gives the same stream on every platform and Swift
// version. It is a value inside the engine's state; there is no global random source. Not
// cryptographic.

import Foundation
import RungBasics

/// A seeded, copyable pseudo-random generator (xoshiro256**).
public struct RandomSource: RandomNumberGenerator, Sendable, Equatable, Codable {
    private var s0: UInt64, s1: UInt64, s2: UInt64, s3: UInt64

    /// A generator whose whole stream is fixed by `seed`.
    public init(seed: UInt64) {
        var g = SplitMix64(seed: seed)
        s0 = g.next(); s1 = g.next(); s2 = g.next(); s3 = g.next()
    }

    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        let result = rotl(s1 &* 5, 7) &* 9
        let t = s1 << 17
        s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3
        s2 ^= t
        s3 = rotl(s3, 45)
        return result
    }

    private func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

    /// A double uniform in [0, 1), with 53 random bits.
    public mutating func unit() -> Double { Double(next() >> 11) * 0x1p-53 }

    /// A double uniform in [low, high).
    public mutating func uniform(_ low: Double, _ high: Double) -> Double { low + (high - low) * unit() }

    /// An integer uniform in 0..<n (n > 0), by Lemire's multiply-shift (bias below 2⁻⁶⁴·n).
    public mutating func index(below n: Int) -> Int {
        precondition(n > 0, "RandomSource.index(below:) needs n > 0, got \(n)")
        return Int(next().multipliedFullWidth(by: UInt64(n)).high)
    }

    /// A standard normal draw (Box–Muller; one of the pair is dropped to keep the state simple).
    public mutating func normal() -> Double {
        var u = unit()
        while u <= 0 { u = unit() }
        let v = unit()
        return (-2 * log(u)).squareRoot() * cos(2 * Double.pi * v)
    }
}
