// Small loops shared by backward rules, written as plain functions of pointers: inside the
// backward closures the compiler cannot rule out aliasing and leaves such loops scalar, while
// here it adds a run-time overlap check and vectorises them.

enum Kernels {
    /// dst[i] += src[i] for i in 0..<n.
    @inline(never)
    static func add(into dst: UnsafeMutablePointer<Float>, from src: UnsafePointer<Float>, count n: Int) {
        for i in 0..<n { dst[i] += src[i] }
    }

    /// dst[j] += Σ_r src[r·cols + j]: column sums of a rows×cols matrix added into dst.
    static func addColumnSums(into dst: UnsafeMutablePointer<Float>, from src: UnsafePointer<Float>, rows: Int, cols: Int) {
        for r in 0..<rows { add(into: dst, from: src + r * cols, count: cols) }
    }
}
