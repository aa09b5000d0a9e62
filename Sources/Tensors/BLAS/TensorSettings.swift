// Tensors' process-wide settings: which GEMM library is tried first, how GEMMs are split over the
// worker pool, and overrides kept for measurements. The process edge (the `rung` command) reads
// them from the environment and hands them in with `TensorSettings.use(_:)` before the first
// tensor op; Tensors itself reads no environment variable. Leaves out the thread count
// (`BLAS.setThreads`), which callers set at any time.
import Synchronization

/// How Tensors loads and drives its GEMM library. Read once, when the library is loaded (the first
/// matrix product) or a setting is first needed; later calls to `use(_:)` do not change a choice
/// already made.
public struct TensorSettings: Sendable, Equatable {
    /// The GEMM library to try first ("openblas", "onednn", "blis" or "reference", any case), or
    /// nil for the default order (OpenBLAS, oneDNN, BLIS, the naive GEMM). For diagnosis and
    /// comparisons; environment variable `RUNG_BLAS`.
    public var preferredBLAS: String?
    /// oneDNN for large GEMMs (m·n·k ≥ 2¹⁹) beside OpenBLAS; `RUNG_LARGE_GEMM=onednn`.
    public var largeGEMMWithOneDNN = false
    /// Keep the library at one thread and split GEMMs over Rung's worker pool (the default);
    /// false restores the library's own threading. `RUNG_GEMM_SPLIT=0` makes it false.
    public var splitGEMM = true
    /// Blocks of a split GEMM per thread, 1…16 (default 1); `RUNG_GEMM_BLOCKS_PER_THREAD`.
    public var gemmBlocksPerThread = 1
    /// Images per convolution chunk instead of one, for measurements; `RUNG_CONV_CHUNK`.
    public var convolutionChunk: Int?
    /// The caller's OpenBLAS kernel family (e.g. "Haswell"), kept as given; nil: chosen from the
    /// CPU's flags. `OPENBLAS_CORETYPE`.
    public var openBLASCoreType: String?

    /// The defaults: every choice made by Tensors itself.
    public init() {}

    /// The settings named by these environment variables (`RUNG_BLAS`, `RUNG_LARGE_GEMM`,
    /// `RUNG_GEMM_SPLIT`, `RUNG_GEMM_BLOCKS_PER_THREAD`, `RUNG_CONV_CHUNK`, `OPENBLAS_CORETYPE`);
    /// a missing or malformed value leaves its default.
    public init(environment: [String: String]) {
        preferredBLAS = environment["RUNG_BLAS"]
        largeGEMMWithOneDNN = environment["RUNG_LARGE_GEMM"]?.lowercased() == "onednn"
        splitGEMM = environment["RUNG_GEMM_SPLIT"] != "0"
        if let text = environment["RUNG_GEMM_BLOCKS_PER_THREAD"], let n = Int(text), (1...16).contains(n) {
            gemmBlocksPerThread = n
        }
        convolutionChunk = environment["RUNG_CONV_CHUNK"].flatMap { Int($0) }
        openBLASCoreType = environment["OPENBLAS_CORETYPE"]
    }

    private static let stored = Mutex(TensorSettings())

    /// The settings in force.
    public static var current: TensorSettings { stored.withLock { $0 } }

    /// Puts `settings` in force for this process. Call it before the first tensor op.
    public static func use(_ settings: TensorSettings) { stored.withLock { $0 = settings } }
}
