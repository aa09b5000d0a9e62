// Per-purpose seeds for FineTune's runs (initialisation, shuffling, dropout, augmentation),
// derived from one run seed. The generator itself is RungBasics' SplitMix64, re-exported because
// FineTune's public API takes it (`Dropout.generator`, `ImageAugmentation.apply(to:using:)`).
// Leaves out the generator's algorithm (RungBasics/SplitMix64.swift).
@_exported import RungBasics

extension SplitMix64 {
    /// A seed for one purpose (1 init, 2 shuffle, 3 dropout) and index (the epoch), mixed from a
    /// run seed so that every purpose draws an independent stream.
    static func derivedSeed(_ seed: UInt64, purpose: UInt64, index: UInt64) -> UInt64 {
        var g = SplitMix64(seed: seed ^ (purpose &* 0xD1B5_4A32_D192_ED03) ^ (index &* 0x8CB9_2BA7_2F3D_8DD7))
        _ = g.next()
        return g.next()
    }
}
