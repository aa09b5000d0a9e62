// Seeded randomness for the simulator: exponential draws from RungBasics' SplitMix64 and stable
// (process-independent) hashing of configurations. Swift's `Hasher` is seeded per process, so it
// is never used where a value must be reproducible. Leaves out anything cryptographic.
import Foundation
import RungBasics
import Search

extension SplitMix64 {
    /// An exponentially distributed draw with the given rate (mean 1/rate); +∞ when rate is 0.
    public mutating func nextExponential(rate: Double) -> Double {
        guard rate > 0 else { return .infinity }
        return -log1p(-unitDouble()) / rate
    }
}

/// Order-sensitive 64-bit hashing that gives the same value in every process.
public struct StableHash: Sendable {
    /// The hash so far.
    public private(set) var value: UInt64

    /// Starts a hash from a seed.
    public init(seed: UInt64 = 0x243F_6A88_85A3_08D3) { value = seed }

    /// Folds 64 bits into the hash.
    public mutating func combine(_ bits: UInt64) {
        value = SplitMix64.mix(value ^ SplitMix64.mix(bits &+ 0x9E37_79B9_7F4A_7C15))
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
    public var unit: Double { Double(SplitMix64.mix(value) >> 11) * 0x1.0p-53 }

    /// A standard normal draw derived from the hash (Box–Muller on two derived uniforms).
    public var gaussian: Double {
        var g = SplitMix64(seed: value)
        let u1 = max(g.unitDouble(), 0x1.0p-60)
        let u2 = g.unitDouble()
        return (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
    }
}

