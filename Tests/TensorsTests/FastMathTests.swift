// The vectorisable erf and exp against libm, over a dense grid that covers GELU's working range
// and the tails.
import Foundation
import Testing
@testable import Tensors

@Test func fastErfMatchesLibmWithin2e6() {
    var worst: Float = 0
    for i in -80_000...80_000 {
        let x = Float(i) / 10_000          // −8 … 8
        worst = max(worst, abs(fastErf(x) - erff(x)))
    }
    #expect(worst < 2e-6, "largest |fastErf − erff| is \(worst)")
    #expect(fastErf(0) == 0 && fastErf(-1) == -fastErf(1))
}

@Test func fastExpMatchesLibmWithin3Ulp() {
    var worst: Float = 0
    for i in -870_000...880_000 {
        let x = Float(i) / 10_000          // −87 … 88
        let expected = expf(x)
        worst = max(worst, abs(fastExp(x) - expected) / expected.ulp)
    }
    #expect(worst <= 3, "largest error is \(worst) ulp")
    #expect(fastExp(0) == 1)
    #expect(fastExp(-200) < 1e-37 && fastExp(-200) >= 0)
}
