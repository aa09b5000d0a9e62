// Seeded randomness for the simulator: a SplitMix64 generator and stable (process-independent)
// hashing of configurations. Swift's `Hasher` is seeded per process, so it is never used where a
// value must be reproducible. Leaves out anything cryptographic.
import Foundation
import Search

/// SplitMix64 (Steele, Lea & Flood 2014): a tiny, fast, seedable generator whose streams are
/// identical on every platform and run.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64

    /// A generator whose whole stream is fixed by `seed`.
    public init(seed: UInt64) { state = seed }

    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        return StableHash.mix(state)
    }

    /// A double uniform in [0, 1) with 53 random bits.
    public mutating func nextUnit() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }

    /// An exponentially distributed draw with the given rate (mean 1/rate); +∞ when rate is 0.
    public mutating func nextExponential(rate: Double) -> Double {
        guard rate > 0 else { return .infinity }
        return -log1p(-nextUnit()) / rate
    }
}

/// Order-sensitive 64-bit hashing that gives the same value in every process.
public struct StableHash: Sendable {
    /// The hash so far.
    public private(set) var value: UInt64

    /// Starts a hash from a seed.
    public init(seed: UInt64 = 0x243F_6A88_85A3_08D3) { value = seed }

    /// The SplitMix64 finaliser: a bijective avalanche of 64 bits.
    public static func mix(_ x: UInt64) -> UInt64 {
        var z = x
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Folds 64 bits into the hash.
    public mutating func combine(_ bits: UInt64) {
        value = StableHash.mix(value ^ StableHash.mix(bits &+ 0x9E37_79B9_7F4A_7C15))
    }

    /// Folds a double (by its bit pattern; -0 and +0 hash alike) into the hash.
    public mutating func combine(_ x: Double) { combine((x == 0 ? 0 : x).bitPattern) }

    /// Folds a string (FNV-1a over its UTF-8 bytes, then mixed) into the hash.
    public mutating func combine(_ s: String) {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in s.utf8 { h = (h ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
        combine(h)
        combine(UInt64(s.utf8.count))
    }

    /// Folds one parameter value (its kind and its value) into the hash.
    public mutating func combine(_ value: ParameterValue) {
        switch value {
        case .double(let v): combine(UInt64(1)); combine(v)
        case .int(let v): combine(UInt64(2)); combine(UInt64(bitPattern: Int64(v)))
        case .string(let v): combine(UInt64(3)); combine(v)
        case .bool(let v): combine(UInt64(4)); combine(UInt64(v ? 1 : 0))
        }
    }

    /// Folds a whole configuration into the hash, parameters in name order.
    public mutating func combine(_ config: Configuration) {
        combine(UInt64(config.count))
        for name in config.keys.sorted() {
            combine(name)
            combine(config[name]!)
        }
    }

    /// A uniform double in [0, 1) derived from the hash.
    public var unit: Double { Double(StableHash.mix(value) >> 11) * 0x1.0p-53 }

    /// A standard normal draw derived from the hash (Box–Muller on two derived uniforms).
    public var gaussian: Double {
        var g = SplitMix64(seed: value)
        let u1 = max(g.nextUnit(), 0x1.0p-60)
        let u2 = g.nextUnit()
        return (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
    }
}

