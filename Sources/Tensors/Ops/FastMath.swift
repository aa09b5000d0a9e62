// erf and exp as branch-free polynomials the compiler can vectorise (libm's erff and expf are
// calls per element, which made GELU the largest cost of a transformer step after the GEMMs).
// Accuracy in Float: erf within 2e-6 absolute (Abramowitz & Stegun 7.1.28 is 3e-7 exact; the 16th
// power amplifies rounding), exp within 3 ulp on [−87, 88].
// The libm functions stay the reference in TensorsTests.

/// erf(x) = 1 − (1 + a₁x + … + a₆x⁶)⁻¹⁶ for x ≥ 0, odd extension for x < 0
/// (Abramowitz & Stegun 7.1.28, |error| ≤ 3·10⁻⁷).
@inline(__always)
func fastErf(_ x: Float) -> Float {
    let a = Swift.min(Swift.abs(x), 6)
    var p: Float = 0.0000430638
    p = p * a + 0.0002765672
    p = p * a + 0.0001520143
    p = p * a + 0.0092705272
    p = p * a + 0.0422820123
    p = p * a + 0.0705230784
    p = p * a + 1
    var q = p * p      // ²
    q = q * q          // ⁴
    q = q * q          // ⁸
    q = q * q          // ¹⁶
    let r = 1 - 1 / q
    return x < 0 ? -r : r
}

/// eˣ by range reduction to r ∈ [−ln2/2, ln2/2] (Cody–Waite, two-part ln 2), a degree-6 Taylor
/// polynomial for eʳ, and 2ⁿ built in the exponent bits. Arguments are clamped to [−87, 88].
@inline(__always)
func fastExp(_ x: Float) -> Float {
    let y = Swift.min(Swift.max(x, -87), 88)
    // Adding 1.5·2²³ rounds y·log₂e to the nearest integer n and leaves n in the low mantissa
    // bits: no rintf call and no checked Float → Int conversion, so loops over it vectorise.
    let t = y * 1.44269504088896341 + 12_582_912
    let n = t - 12_582_912
    let r = (y - n * 0.693145751953125) - n * 1.428606765330187045e-06
    var p: Float = 1.0 / 720
    p = p * r + 1.0 / 120
    p = p * r + 1.0 / 24
    p = p * r + 1.0 / 6
    p = p * r + 0.5
    p = p * r + 1
    p = p * r + 1
    let ni = Int32(bitPattern: t.bitPattern) &- 0x4B40_0000   // n ∈ [−126, 127]
    let scale = Float(bitPattern: UInt32(bitPattern: (ni &+ 127) &<< 23))
    return p * scale
}

/// eˣ as `fastExp`, but exactly 0 below −87 (where eˣ < 2⁻¹²⁵): masked attention scores
/// (−10⁹) then carry no weight at all, as with libm's expf.
@inline(__always)
func fastExpOrZero(_ x: Float) -> Float {
    x < -87 ? 0 : fastExp(x)
}
