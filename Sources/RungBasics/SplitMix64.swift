// A small seeded random number generator (SplitMix64), the one every module uses: FineTune's
// splits, folds, initialisation and dropout, the simulator's deaths and landscapes, the engine's
// seeding. Deterministic across platforms and Swift versions; not cryptographic.
// Leaves out per-purpose seed derivation and distributions only one module needs (kept there).
import Foundation

/// SplitMix64 (Steele, Lea & Flood, "Fast splittable pseudorandom number generators", 2014):
/// a 64-bit state advanced by a Weyl increment and mixed by a fixed finaliser.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    // Stored under another name so that the public methods can be @inlinable (other modules draw
    // one number per dropout element) while `state` stays read-only outside.
    @usableFromInline var _state: UInt64

    /// The current state; two generators with equal state produce equal sequences.
    public var state: UInt64 { _state }

    /// Creates a generator from a seed. Every seed, including 0, is valid.
    @inlinable public init(seed: UInt64) { _state = seed }

    /// The next 64 random bits.
    @inlinable public mutating func next() -> UInt64 {
        _state &+= 0x9E37_79B9_7F4A_7C15
        return SplitMix64.mix(_state)
    }

    /// The SplitMix64 finaliser: a bijective avalanche of 64 bits (also a stable hash step).
    @inlinable @inline(__always)
    public static func mix(_ x: UInt64) -> UInt64 {
        var z = x
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A uniform integer in `0..<bound` without modulo bias (rejection sampling).
    @inlinable public mutating func uniform(below bound: Int) -> Int {
        precondition(bound > 0, "uniform(below:) needs a positive bound, got \(bound)")
        let b = UInt64(bound)
        let limit = UInt64.max - (UInt64.max % b)
        while true {
            let r = next()
            if r < limit { return Int(r % b) }
        }
    }

    /// A uniform Double in [0, 1) with 53 random bits.
    @inlinable public mutating func unitDouble() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }

    /// A uniform Double in the open interval (0, 1): the midpoints of 2^53 equal cells.
    @inlinable public mutating func openUnitDouble() -> Double {
        (Double(next() >> 11) + 0.5) * 0x1.0p-53
    }

    /// A standard normal sample (Box–Muller, one value per call).
    @inlinable public mutating func normal() -> Double {
        let u1 = 1.0 - unitDouble()  // in (0, 1], so the log is finite
        let u2 = unitDouble()
        return (-2.0 * Foundation.log(u1)).squareRoot() * Foundation.cos(2.0 * Double.pi * u2)
    }

    /// Shuffles `array` in place (Fisher–Yates, from the last element down).
    @inlinable public mutating func shuffle<T>(_ array: inout [T]) {
        guard array.count > 1 else { return }
        for i in stride(from: array.count - 1, to: 0, by: -1) {
            let j = uniform(below: i + 1)
            if i != j { array.swapAt(i, j) }
        }
    }
}
