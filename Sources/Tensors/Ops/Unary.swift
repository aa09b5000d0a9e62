// Elementwise unary ops: each is a rule with its forward and derivative side by side, run by
// one generic driver that the compiler specialises per rule (no closure call per element).
// Scalar operands (tensor + 2, 3 / tensor, tensor ^ p) are parameterised rules.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An elementwise op y = f(x) and its derivative dy/dx, which may use x or y.
protocol UnaryRule {
    func forward(_ x: Float) -> Float
    func derivative(x: Float, y: Float) -> Float
}
// Rules whose bodies are long (GELU) are marked @inline(__always): left as calls, their loops
// stay scalar.

struct NegRule: UnaryRule {
    func forward(_ x: Float) -> Float { -x }
    func derivative(x: Float, y: Float) -> Float { -1 }
}
struct ExpRule: UnaryRule {
    func forward(_ x: Float) -> Float { expf(x) }
    func derivative(x: Float, y: Float) -> Float { y }
}
struct LogRule: UnaryRule {
    func forward(_ x: Float) -> Float { logf(x) }
    func derivative(x: Float, y: Float) -> Float { 1 / x }
}
struct SqrtRule: UnaryRule {
    func forward(_ x: Float) -> Float { x.squareRoot() }
    func derivative(x: Float, y: Float) -> Float { 0.5 / y }
}
struct PowRule: UnaryRule {
    let p: Float
    func forward(_ x: Float) -> Float { p == 2 ? x * x : powf(x, p) }
    func derivative(x: Float, y: Float) -> Float { p == 2 ? 2 * x : p * powf(x, p - 1) }
}
/// |x|, derivative sign(x) with 0 at 0 (as PyTorch).
struct AbsRule: UnaryRule {
    func forward(_ x: Float) -> Float { Swift.abs(x) }
    func derivative(x: Float, y: Float) -> Float { x > 0 ? 1 : (x < 0 ? -1 : 0) }
}
/// max(x, 0), derivative 0 at 0 (as PyTorch).
struct ReluRule: UnaryRule {
    func forward(_ x: Float) -> Float { x > 0 ? x : 0 }
    func derivative(x: Float, y: Float) -> Float { x > 0 ? 1 : 0 }
}
/// GELU, exact erf form: x·Φ(x) = x/2 · (1 + erf(x/√2)) (Hendrycks & Gimpel 2016), with the
/// vectorisable erf and exp of FastMath.swift (erf within 2e-6 of libm's).
struct GeluRule: UnaryRule {
    @inline(__always)
    func forward(_ x: Float) -> Float { 0.5 * x * (1 + fastErf(x * 0.70710678118654752)) }
    @inline(__always)
    func derivative(x: Float, y: Float) -> Float {
        0.5 * (1 + fastErf(x * 0.70710678118654752)) + x * 0.39894228040143268 * fastExp(-0.5 * x * x)
    }
}
struct TanhRule: UnaryRule {
    func forward(_ x: Float) -> Float { tanhf(x) }
    func derivative(x: Float, y: Float) -> Float { 1 - y * y }
}
/// 1 / (1 + e^−x), written so neither branch overflows.
struct SigmoidRule: UnaryRule {
    func forward(_ x: Float) -> Float {
        if x >= 0 { return 1 / (1 + expf(-x)) }
        let e = expf(x)
        return e / (1 + e)
    }
    func derivative(x: Float, y: Float) -> Float { y * (1 - y) }
}
struct AddScalarRule: UnaryRule {
    let s: Float
    func forward(_ x: Float) -> Float { x + s }
    func derivative(x: Float, y: Float) -> Float { 1 }
}
struct ScaleRule: UnaryRule {
    let s: Float
    func forward(_ x: Float) -> Float { x * s }
    func derivative(x: Float, y: Float) -> Float { s }
}
/// s − x.
struct ReverseSubRule: UnaryRule {
    let s: Float
    func forward(_ x: Float) -> Float { s - x }
    func derivative(x: Float, y: Float) -> Float { -1 }
}
/// s / x.
struct ReverseDivRule: UnaryRule {
    let s: Float
    func forward(_ x: Float) -> Float { s / x }
    func derivative(x: Float, y: Float) -> Float { -y / x }
}

extension Tensor {
    /// Applies a unary rule: forward now, derivative on backward.
    @inline(__always)
    func unary<R: UnaryRule>(_ rule: R) -> Tensor {
        let s = TensorStorage(uninitializedCount: count)
        let px = UnsafePointer(storage.base)
        let py = s.base
        Parallel.forRanges(count) { r in Tensor.unaryForward(rule, x: px + r.lowerBound, y: py + r.lowerBound, n: r.count) }
        let out = Tensor(shape: shape, storage: s)
        if Tensor.needsGrad(self) {
            out.record([self]) { [x = self, n = count, ys = s] g in
                let dx = x.gradBuffer(), px = UnsafePointer(x.storage.base), py = UnsafePointer(ys.base)
                Parallel.forRanges(n) { r in
                    let o = r.lowerBound
                    Tensor.unaryBackward(rule, dx: dx + o, g: g + o, x: px + o, y: py + o, n: r.count)
                }
            }
        }
        return out
    }

    /// y = f(x), as a plain function of two pointers so the loop vectorises.
    @inline(__always)
    static func unaryForward<R: UnaryRule>(_ rule: R, x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>, n: Int) {
        for i in 0..<n { y[i] = rule.forward(x[i]) }
    }

    /// dx += g · f′(x, y), as a plain function of four pointers so the loop vectorises.
    @inline(__always)
    static func unaryBackward<R: UnaryRule>(_ rule: R, dx: UnsafeMutablePointer<Float>, g: UnsafePointer<Float>,
                                            x: UnsafePointer<Float>, y: UnsafePointer<Float>, n: Int) {
        for i in 0..<n { dx[i] += g[i] * rule.derivative(x: x[i], y: y[i]) }
    }

    /// −x.
    public static prefix func - (x: Tensor) -> Tensor { x.unary(NegRule()) }
    /// eˣ.
    public func exp() -> Tensor { unary(ExpRule()) }
    /// Natural logarithm.
    public func log() -> Tensor { unary(LogRule()) }
    /// Square root.
    public func sqrt() -> Tensor { unary(SqrtRule()) }
    /// xᵖ for a scalar exponent.
    public func pow(_ p: Float) -> Tensor { unary(PowRule(p: p)) }
    /// |x|.
    public func abs() -> Tensor { unary(AbsRule()) }
    /// max(x, 0).
    public func relu() -> Tensor { unary(ReluRule()) }
    /// GELU in its exact erf form (PyTorch's default `approximate='none'`).
    public func gelu() -> Tensor { unary(GeluRule()) }
    /// Hyperbolic tangent.
    public func tanh() -> Tensor { unary(TanhRule()) }
    /// Logistic sigmoid.
    public func sigmoid() -> Tensor { unary(SigmoidRule()) }

    /// x + s.
    public static func + (x: Tensor, s: Float) -> Tensor { x.unary(AddScalarRule(s: s)) }
    /// s + x.
    public static func + (s: Float, x: Tensor) -> Tensor { x.unary(AddScalarRule(s: s)) }
    /// x − s.
    public static func - (x: Tensor, s: Float) -> Tensor { x.unary(AddScalarRule(s: -s)) }
    /// s − x.
    public static func - (s: Float, x: Tensor) -> Tensor { x.unary(ReverseSubRule(s: s)) }
    /// x · s.
    public static func * (x: Tensor, s: Float) -> Tensor { x.unary(ScaleRule(s: s)) }
    /// s · x.
    public static func * (s: Float, x: Tensor) -> Tensor { x.unary(ScaleRule(s: s)) }
    /// x / s.
    public static func / (x: Tensor, s: Float) -> Tensor { x.unary(ScaleRule(s: 1 / s)) }
    /// s / x.
    public static func / (s: Float, x: Tensor) -> Tensor { x.unary(ReverseDivRule(s: s)) }
}
