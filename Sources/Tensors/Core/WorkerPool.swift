// Persistent threads that split one loop over the cores `BLAS.setThreads` allows: the caller runs
// part 0, each worker one more part, and the caller waits for all of them. Between jobs a worker
// keeps checking for new work (yielding its core) for a couple of milliseconds, then sleeps.
// Leaves out work stealing and nesting: a call made while the pool is busy runs its parts inline.

import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The process-wide worker threads behind `Parallel`.
final class WorkerPool: @unchecked Sendable {
    // @unchecked: `job` and `parts` are written only by the caller that won `busy`, before it
    // publishes a new `generation` (release); workers read them after observing that generation
    // (acquire) and report back through `pending` (release) before the caller clears them.
    // `sleepers` is guarded by `mutex`.

    static let shared = WorkerPool()

    /// How long an idle worker keeps polling before it sleeps, in nanoseconds.
    static let spinNanoseconds = 2_000_000

    private let busy = Atomic<Bool>(false)
    private let generation = Atomic<Int>(0)
    private let pending = Atomic<Int>(0)
    private var job: ((Int) -> Void)? = nil
    private var parts = 0
    private var workers = 0
    private var sleepers = 0
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private let cond: UnsafeMutablePointer<pthread_cond_t>

    private init() {
        mutex = .allocate(capacity: 1)
        cond = .allocate(capacity: 1)
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(cond, nil)
    }

    /// Runs `body(p)` for every p in 0..<parts, on up to `parts` threads, and returns when all are
    /// done. Runs inline when `parts` is 1 or the pool is already busy (a nested or concurrent call).
    func run(parts n: Int, _ body: (Int) -> Void) {
        guard n > 1, busy.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged else {
            for p in 0..<n { body(p) }
            return
        }
        defer { busy.store(false, ordering: .releasing) }
        while workers < n - 1 { startWorker(index: workers + 1) }
        withoutActuallyEscaping(body) { escaping in
            job = escaping
            parts = n
            pending.store(workers, ordering: .relaxed)
            pthread_mutex_lock(mutex)
            generation.add(1, ordering: .releasing)
            if sleepers > 0 { pthread_cond_broadcast(cond) }
            pthread_mutex_unlock(mutex)
            escaping(0)
            while pending.load(ordering: .acquiring) > 0 { sched_yield() }
            job = nil
        }
    }

    private func startWorker(index: Int) {
        workers += 1
        // The worker starts from the current generation, so the job published next is its first.
        let context = Unmanaged.passRetained(WorkerContext(pool: self, index: index,
                                                           generation: generation.load(ordering: .acquiring))).toOpaque()
        var thread = pthread_t()
        let rc = pthread_create(&thread, nil, { raw in
            let context = Unmanaged<WorkerContext>.fromOpaque(raw!).takeRetainedValue()
            context.pool.workerLoop(index: context.index, seen: context.generation)
            return nil
        }, context)
        precondition(rc == 0, "WorkerPool: pthread_create failed with error \(rc)")
        pthread_detach(thread)
    }

    private func workerLoop(index: Int, seen first: Int) {
        var seen = first
        while true {
            var now = generation.load(ordering: .acquiring)
            if now == seen {
                let start = Self.monotonicNanoseconds()
                var polls = 0
                while now == seen {
                    polls += 1
                    if polls & 31 == 0 && Self.monotonicNanoseconds() - start > Self.spinNanoseconds {
                        pthread_mutex_lock(mutex)
                        sleepers += 1
                        while generation.load(ordering: .acquiring) == seen { pthread_cond_wait(cond, mutex) }
                        sleepers -= 1
                        pthread_mutex_unlock(mutex)
                    } else {
                        sched_yield()
                    }
                    now = generation.load(ordering: .acquiring)
                }
            }
            seen = now
            if index < parts, let job { job(index) }
            pending.subtract(1, ordering: .releasing)
        }
    }

    static func monotonicNanoseconds() -> Int {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return ts.tv_sec * 1_000_000_000 + ts.tv_nsec
    }
}

/// What a new worker thread needs: the pool and its part index.
private final class WorkerContext {
    let pool: WorkerPool
    let index: Int
    let generation: Int
    init(pool: WorkerPool, index: Int, generation: Int) { self.pool = pool; self.index = index; self.generation = generation }
}

/// Splitting loops over the threads `BLAS.setThreads` allows.
enum Parallel {
    /// Threads a parallel loop may use.
    @inline(__always)
    static var threads: Int { BLAS.threads }

    /// Runs `body(p)` for p in 0..<parts concurrently (part 0 on the calling thread).
    @inline(__always)
    static func run(parts: Int, _ body: (Int) -> Void) {
        WorkerPool.shared.run(parts: parts, body)
    }

    /// Splits 0..<count into one contiguous range per thread (boundaries on multiples of
    /// `alignment`) when each thread gets at least `minimumPerThread` items; else one range.
    @inline(__always)
    static func forRanges(_ count: Int, minimumPerThread: Int = 32_768, alignment: Int = 16,
                          _ body: (Range<Int>) -> Void) {
        let t = Swift.min(threads, count / Swift.max(minimumPerThread, 1))
        if t <= 1 { body(0..<count); return }
        let chunk = (count + t - 1) / t
        let step = (chunk + alignment - 1) / alignment * alignment
        let parts = (count + step - 1) / step
        run(parts: parts) { p in
            let lo = p * step
            body(lo..<Swift.min(lo + step, count))
        }
    }
}
