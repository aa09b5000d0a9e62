// Picks and loads the GEMM library once per process, each candidate checked against the naive
// GEMM before it is accepted: OpenBLAS with its kernel chosen from the CPU's flags (set through
// OPENBLAS_CORETYPE before dlopen, since OpenBLAS reads it while loading); else oneDNN's sgemm;
// else BLIS; else the naive GEMM.
// Leaves out: Windows and macOS library names (Linux sonames only; elsewhere the naive GEMM).

import CBLAS
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A loaded GEMM implementation. Immutable after loading.
struct GEMMBackend: @unchecked Sendable {
    // @unchecked: the C function pointers are plain code addresses of a library that stays
    // loaded for the life of the process; the struct is never mutated after `load()`.
    enum Kind: String, Sendable, CaseIterable {
        // In order of preference (see README: OpenBLAS keeps its speed at 2 threads in a real
        // training loop on a busy machine; the OpenMP-based libraries do not).
        case openBLAS = "OpenBLAS", oneDNN = "oneDNN", blis = "BLIS", reference = "reference"
    }
    let kind: Kind
    /// Human-readable description, e.g. "OpenBLAS (Cooperlake kernels, chosen from CPU flags)".
    let description: String
    /// A CBLAS sgemm (OpenBLAS, BLIS), or nil.
    var sgemm: rung_cblas_sgemm_fn? = nil
    /// oneDNN's sgemm, or nil.
    var dnnl: rung_dnnl_sgemm_fn? = nil
    /// oneDNN only: libgomp's omp_set_num_threads, applied before every call because OpenMP
    /// keeps the thread count per calling thread and Swift tasks move between threads.
    var ompSetThreads: rung_set_threads_fn? = nil
    let setThreads: ((Int) -> Void)?
    let getThreads: (() -> Int)?
    /// Desired thread count where the library has no process-wide setting (oneDNN, BLIS).
    var threadCount: ThreadCount? = nil
    /// Set when the library is kept at one thread and Rung splits GEMMs over its own worker
    /// threads (OpenBLAS; see README): the thread count those use.
    var ownThreads: ThreadCount? = nil

    /// C = alpha · op(A) · op(B) + beta · C, row-major, through whichever library this is.
    @inline(__always)
    func gemm(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float,
              a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
              beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
        if let dnnl {
            if let ompSetThreads, let threadCount { ompSetThreads(Int32(threadCount.value)) }
            _ = dnnl(transA ? 84 : 78, transB ? 84 : 78, Int64(m), Int64(n), Int64(k), alpha, a, Int64(lda),
                     b, Int64(ldb), beta, c, Int64(ldc))   // 84 = 'T', 78 = 'N'
        } else if let sgemm {
            sgemm(101, transA ? 112 : 111, transB ? 112 : 111, Int32(m), Int32(n), Int32(k), alpha,
                  a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
        } else {
            ReferenceGEMM.sgemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda,
                                b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
        }
    }
}

enum BLASLoader {
    /// The backend, loaded on first use (Swift initialises globals exactly once, thread-safely).
    static let backend: GEMMBackend = load()

    /// A second library for large GEMMs (m·n·k ≥ 2¹⁹), one thread per caller, or nil: oneDNN
    /// when `TensorSettings.largeGEMMWithOneDNN` (`RUNG_LARGE_GEMM=onednn`) is set, OpenBLAS is
    /// the main backend and oneDNN loads and passes the self-check. Small GEMMs (attention heads)
    /// stay with OpenBLAS.
    static let largeGEMM: GEMMBackend? = loadLargeGEMM()

    static func loadLargeGEMM() -> GEMMBackend? {
        guard backend.kind == .openBLAS, backend.ownThreads != nil,
              TensorSettings.current.largeGEMMWithOneDNN,
              let candidate = loadOneDNN(), candidate.ownThreads != nil, selfCheck(candidate) else { return nil }
        return candidate
    }

    /// Notes from loading (what was tried, why something was rejected), for `BLAS.report`.
    nonisolated(unsafe) static var notes: [String] = []
    // nonisolated(unsafe): written only inside `load()`, which runs once under Swift's global
    // initialisation lock before `backend` is published; read only after that.

    static func load() -> GEMMBackend {
        let env = TensorSettings.current.preferredBLAS
        var order = GEMMBackend.Kind.allCases
        if let env, let kind = order.first(where: { $0.rawValue.lowercased() == env.lowercased() }) {
            order.removeAll { $0 == kind }
            order.insert(kind, at: 0)
            notes.append("RUNG_BLAS=\(env): trying \(kind.rawValue) first")
        }
        for kind in order {
            let candidate: GEMMBackend?
            switch kind {
            case .oneDNN: candidate = loadOneDNN()
            case .openBLAS: candidate = loadOpenBLAS()
            case .blis: candidate = loadBLIS()
            case .reference: candidate = GEMMBackend(kind: .reference, description: "naive reference GEMM",
                                                     setThreads: nil, getThreads: nil)
            }
            guard let candidate else { continue }
            if kind == .reference || selfCheck(candidate) { return candidate }
            notes.append("\(candidate.description) failed the self-check against the naive GEMM; not used")
        }
        fatalError("unreachable: the reference GEMM is always accepted")
    }

    /// The OpenBLAS kernel family the CPU can run, best first: the caller's kernel family
    /// (`TensorSettings.openBLASCoreType`) wins; otherwise chosen from /proc/cpuinfo flags (see
    /// README for the measurements).
    static func openBLASCoreType(flags: Set<String>) -> String? {
        let avx512 = ["avx512f", "avx512bw", "avx512vl", "avx512dq", "avx512cd"].allSatisfy(flags.contains)
        if avx512 && flags.contains("avx512_bf16") { return "Cooperlake" }
        if avx512 { return "SkylakeX" }
        if flags.contains("avx2") && flags.contains("fma") { return "Haswell" }
        return nil
    }

    static func loadOpenBLAS() -> GEMMBackend? {
        var forced: String? = nil
        let settings = TensorSettings.current
        if let preset = settings.openBLASCoreType {
            // OpenBLAS reads the variable itself while loading; the caller's value stays set.
            setenv("OPENBLAS_CORETYPE", preset, 1)
            notes.append("OPENBLAS_CORETYPE=\(preset) was set by the caller; kept")
        } else if let core = openBLASCoreType(flags: cpuFlags()) {
            // OpenBLAS reads this variable while it loads (dynamic-arch dispatch), so it must be
            // set before dlopen. Its own detection misses some CPUs (e.g. reports Zen 4 as Prescott).
            setenv("OPENBLAS_CORETYPE", core, 1)
            forced = core
        }
        let handle = dlopen("libopenblas.so.0", RTLD_NOW | RTLD_LOCAL) ?? dlopen("libopenblas.so", RTLD_NOW | RTLD_LOCAL)
        // Read only while loading: unset it again so child processes (external trial commands,
        // possibly with another OpenBLAS build) do their own detection.
        if forced != nil { unsetenv("OPENBLAS_CORETYPE") }
        guard let h = handle, let gemm = dlsym(h, "cblas_sgemm") else {
            notes.append("libopenblas.so.0 not loadable (apt install libopenblas0)")
            return nil
        }
        let set = dlsym(h, "openblas_set_num_threads").map { unsafeBitCast($0, to: rung_set_threads_fn.self) }
        let get = dlsym(h, "openblas_get_num_threads").map { unsafeBitCast($0, to: rung_get_threads_fn.self) }
        let core = dlsym(h, "openblas_get_corename").map { unsafeBitCast($0, to: rung_corename_fn.self) }
        let coreName = core.flatMap { $0() }.map { String(cString: $0) } ?? "?"
        // OpenBLAS's idle threads spin between calls, taking the core the elementwise work needs;
        // kept at one thread, its GEMMs are split over Rung's worker pool instead, which also runs
        // the elementwise kernels. RUNG_GEMM_SPLIT=0 restores OpenBLAS's own threading.
        var own: ThreadCount? = nil
        if let set, let get, settings.splitGEMM {
            let threads = ThreadCount()
            threads.value = max(1, Int(get()))
            set(1)
            own = threads
        }
        return GEMMBackend(
            kind: .openBLAS,
            description: "OpenBLAS (\(coreName) kernels\(forced != nil ? ", chosen from CPU flags" : ""))",
            sgemm: unsafeBitCast(gemm, to: rung_cblas_sgemm_fn.self),
            setThreads: set.map { f in { f(Int32($0)) } },
            getThreads: get.map { f in { Int(f()) } },
            ownThreads: own)
    }

    static func loadOneDNN() -> GEMMBackend? {
        guard let h = dlopen("libdnnl.so.2", RTLD_NOW | RTLD_LOCAL), let gemm = dlsym(h, "dnnl_sgemm") else {
            notes.append("libdnnl.so.2 not loadable (apt install libdnnl2)")
            return nil
        }
        // libgomp is one of oneDNN's dependencies, so its symbols resolve through this handle.
        guard let set = dlsym(h, "omp_set_num_threads").map({ unsafeBitCast($0, to: rung_set_threads_fn.self) }),
              let get = dlsym(h, "omp_get_max_threads").map({ unsafeBitCast($0, to: rung_get_threads_fn.self) }) else {
            notes.append("libdnnl.so.2 loaded but its OpenMP runtime was not found; thread count not settable")
            return nil
        }
        let threads = ThreadCount()
        threads.value = Int(get())
        // As for OpenBLAS: each call runs on its caller's thread (OpenMP told one thread before
        // every call) and Rung's worker pool splits large GEMMs, unless RUNG_GEMM_SPLIT=0.
        var own: ThreadCount? = nil
        if TensorSettings.current.splitGEMM {
            let pool = ThreadCount()
            pool.value = max(1, threads.value)
            threads.value = 1
            own = pool
        }
        return GEMMBackend(
            kind: .oneDNN, description: "oneDNN sgemm (\(own == nil ? "OpenMP" : "one thread per caller"))",
            dnnl: unsafeBitCast(gemm, to: rung_dnnl_sgemm_fn.self), ompSetThreads: set,
            setThreads: { threads.value = $0 }, getThreads: { threads.value }, threadCount: threads, ownThreads: own)
    }

    static func loadBLIS() -> GEMMBackend? {
        guard let h = dlopen("libblis.so.4", RTLD_NOW | RTLD_LOCAL), let gemm = dlsym(h, "cblas_sgemm") else {
            notes.append("libblis.so.4 not loadable (apt install libblis4)")
            return nil
        }
        let set = dlsym(h, "bli_thread_set_num_threads").map { unsafeBitCast($0, to: rung_blis_set_threads_fn.self) }
        let threads = ThreadCount()
        return GEMMBackend(
            kind: .blis, description: "BLIS",
            sgemm: unsafeBitCast(gemm, to: rung_cblas_sgemm_fn.self),
            setThreads: set.map { f in { n in f(n); threads.value = n } },
            getThreads: { threads.value })
    }

    /// Runs the backend on odd shapes in all four transpose combinations (and with beta = 1)
    /// and compares element by element with the naive GEMM.
    static func selfCheck(_ backend: GEMMBackend) -> Bool {
        if backend.kind == .reference { return true }
        let shapes = [(37, 29, 41), (67, 45, 130), (1, 17, 5), (64, 33, 30)]
        var seed: UInt32 = 12345
        func next() -> Float {
            seed = seed &* 1664525 &+ 1013904223
            return Float(seed >> 8) / Float(1 << 24) * 2 - 1
        }
        for (m, n, k) in shapes {
            let a = (0..<(m * k)).map { _ in next() }
            let b = (0..<(k * n)).map { _ in next() }
            let c0 = (0..<(m * n)).map { _ in next() }
            for (tA, tB) in [(false, false), (false, true), (true, false), (true, true)] {
                let beta: Float = tA ? 1 : 0
                let lda = tA ? m : k, ldb = tB ? k : n
                var got = c0, want = c0
                got.withUnsafeMutableBufferPointer { c in
                    backend.gemm(transA: tA, transB: tB, m: m, n: n, k: k, alpha: 0.5, a: a, lda: lda,
                                 b: b, ldb: ldb, beta: beta, c: c.baseAddress!, ldc: n)
                }
                want.withUnsafeMutableBufferPointer { c in
                    ReferenceGEMM.sgemm(transA: tA, transB: tB, m: m, n: n, k: k, alpha: 0.5, a: a, lda: lda,
                                        b: b, ldb: ldb, beta: beta, c: c.baseAddress!, ldc: n)
                }
                for i in 0..<(m * n) where Swift.abs(got[i] - want[i]) > 1e-5 * Float(k) + 1e-6 {
                    notes.append("self-check: \(m)x\(n)x\(k) trans \(tA)/\(tB) element \(i): \(got[i]) vs \(want[i])")
                    return false
                }
            }
        }
        return true
    }

    /// The "flags" line of /proc/cpuinfo as a set (empty where there is none).
    static func cpuFlags() -> Set<String> {
        guard let text = ProcessInfoLite.readFile("/proc/cpuinfo") else { return [] }
        for line in text.split(separator: "\n") where line.hasPrefix("flags") {
            if let colon = line.firstIndex(of: ":") {
                return Set(line[line.index(after: colon)...].split(separator: " ").map(String.init))
            }
        }
        return []
    }
}

/// A mutable thread count for libraries without a getter.
/// It sizes the worker pool and the GEMM split, and any thread may read it, so it is atomic.
final class ThreadCount: Sendable {
    private let stored = Atomic<Int>(1)
    /// The thread count.
    var value: Int {
        get { stored.load(ordering: .relaxed) }
        set { stored.store(newValue, ordering: .relaxed) }
    }
}

/// File reading without Foundation.
enum ProcessInfoLite {
    static func readFile(_ path: String) -> String? {
        guard let f = fopen(path, "r") else { return nil }
        defer { fclose(f) }
        var bytes: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = fread(&buf, 1, buf.count, f)
            if n <= 0 { break }
            bytes.append(contentsOf: buf[0..<n])
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
