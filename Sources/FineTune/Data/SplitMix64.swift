// A small seeded random number generator (SplitMix64) for splits, folds and synthetic data.
// Deterministic across platforms and Swift versions; not cryptographic. The global random
// source is never used by the data code, so the same seed always gives the same split.
import Foundation

/// SplitMix64 (Steele, Lea & Flood, "Fast splittable pseudorandom number generators", 2014):
/// a 64-bit state advanced by a Weyl increment and mixed by a fixed finaliser.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    /// The current state; two generators with equal state produce equal sequences.
    public private(set) var state: UInt64

    /// Creates a generator from a seed. Every seed, including 0, is valid.
    public init(seed: UInt64) { state = seed }

    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A uniform integer in `0..<bound` without modulo bias (rejection sampling).
    public mutating func uniform(below bound: Int) -> Int {
        precondition(bound > 0, "uniform(below:) needs a positive bound, got \(bound)")
        let b = UInt64(bound)
        let limit = UInt64.max - (UInt64.max % b)
        while true {
            let r = next()
            if r < limit { return Int(r % b) }
        }
    }

    /// A uniform Double in [0, 1) with 53 random bits.
    public mutating func unitDouble() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }

    /// A uniform Double in the open interval (0, 1): the midpoints of 2^53 equal cells.
    public mutating func openUnitDouble() -> Double {
        (Double(next() >> 11) + 0.5) * 0x1.0p-53
    }

    /// A standard normal sample (Box–Muller, one value per call).
    public mutating func normal() -> Double {
        let u1 = 1.0 - unitDouble()  // in (0, 1], so the log is finite
        let u2 = unitDouble()
        return (-2.0 * Foundation.log(u1)).squareRoot() * Foundation.cos(2.0 * Double.pi * u2)
    }

    /// Shuffles `array` in place (Fisher–Yates, from the last element down).
    public mutating func shuffle<T>(_ array: inout [T]) {
        guard array.count > 1 else { return }
        for i in stride(from: array.count - 1, to: 0, by: -1) {
            let j = uniform(below: i + 1)
            if i != j { array.swapAt(i, j) }
        }
    }
}

extension SplitMix64 {
    /// A seed for one purpose (1 init, 2 shuffle, 3 dropout) and index (the epoch), mixed from a
    /// run seed so that every purpose draws an independent stream.
    static func derivedSeed(_ seed: UInt64, purpose: UInt64, index: UInt64) -> UInt64 {
        var g = SplitMix64(seed: seed ^ (purpose &* 0xD1B5_4A32_D192_ED03) ^ (index &* 0x8CB9_2BA7_2F3D_8DD7))
        _ = g.next()
        return g.next()
    }
}
