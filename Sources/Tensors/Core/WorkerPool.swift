// Persistent threads that split one loop over the cores `BLAS.setThreads` allows: the caller and
// the workers claim its parts one at a time, and the caller returns when all have finished.
// Between jobs a worker keeps checking for new work (yielding its core) for a couple of
// milliseconds, then sleeps. Leaves out nesting: a call made while the pool is busy runs inline.

import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The process-wide worker threads behind `Parallel`.
///
/// Parts are claimed, not assigned: the caller and the workers take the next unclaimed part
/// until none is left, so a worker that the OS has not scheduled yet (a busy machine) delays
/// nothing — the caller runs the parts itself.
final class WorkerPool: @unchecked Sendable {
    // @unchecked: `jobAddress` is written only by the caller that won `busy`, before it
    // publishes a new generation in `state` (release). A worker reads it after loading `state`
    // (acquire) and runs a part only if its compare-and-swap on that same `state` value succeeds,
    // which proves that generation is still unfinished, so the address read is its job's; the
    // caller keeps the job alive until `finished` (release per part) reaches the part count.
    // The part count lives in `state` itself, so a claim never mixes two generations' counts.
    // `sleepers` is guarded by `mutex`.

    static let shared = WorkerPool()

    /// How long an idle worker keeps polling before it sleeps, in nanoseconds.
    static let spinNanoseconds = 2_000_000
    /// `state` = generation << 40 | part count << 20 | parts claimed so far.
    private static let fieldBits = 20
    private static let fieldMask = (1 << fieldBits) - 1
    private static let generationShift = 2 * fieldBits
    private static let generationMask = (1 << 23) - 1

    private let busy = Atomic<Bool>(false)
    private let state = Atomic<Int>(0)
    private let jobAddress = Atomic<Int>(0)
    private let finished = Atomic<Int>(0)
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

    /// Runs `body(p)` for every p in 0..<parts, on up to `BLAS.threads` threads, and returns when
    /// all are done. Runs inline when `parts` is 1 or the pool is already busy (a nested or
    /// concurrent call).
    func run(parts n: Int, _ body: (Int) -> Void) {
        let threads = Swift.min(n, BLAS.threads)
        guard threads > 1, n <= Self.fieldMask,
              busy.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged else {
            for p in 0..<n { body(p) }
            return
        }
        defer { busy.store(false, ordering: .releasing) }
        while workers < threads - 1 { startWorker() }
        withoutActuallyEscaping(body) { escaping in
            let job = Job(escaping)
            withExtendedLifetime(job) {
                jobAddress.store(Int(bitPattern: Unmanaged.passUnretained(job).toOpaque()), ordering: .relaxed)
                finished.store(0, ordering: .relaxed)
                let generation = ((state.load(ordering: .relaxed) >> Self.generationShift) &+ 1) & Self.generationMask
                pthread_mutex_lock(mutex)
                state.store(generation << Self.generationShift | n << Self.fieldBits, ordering: .releasing)
                if sleepers > 0 { pthread_cond_broadcast(cond) }
                pthread_mutex_unlock(mutex)
                while true {   // claim parts like a worker
                    let s = state.load(ordering: .acquiring)
                    let part = s & Self.fieldMask
                    if part >= n { break }
                    if state.compareExchange(expected: s, desired: s + 1, ordering: .acquiringAndReleasing).exchanged {
                        escaping(part)
                        finished.add(1, ordering: .releasing)
                    }
                }
                while finished.load(ordering: .acquiring) < n { sched_yield() }
            }
        }
    }

    private func startWorker() {
        workers += 1
        // The worker starts from the current generation, so the job published next is its first.
        let first = state.load(ordering: .acquiring) >> Self.generationShift
        let context = Unmanaged.passRetained(WorkerContext(pool: self, generation: first)).toOpaque()
        var thread = pthread_t()
        let rc = pthread_create(&thread, nil, { raw in
            let context = Unmanaged<WorkerContext>.fromOpaque(raw!).takeRetainedValue()
            context.pool.workerLoop(seen: context.generation)
            return nil
        }, context)
        precondition(rc == 0, "WorkerPool: pthread_create failed with error \(rc)")
        pthread_detach(thread)
    }

    /// Claims and runs parts of each new generation's job, idling in between.
    private func workerLoop(seen first: Int) {
        var exhausted = first   // the last generation with nothing left to claim
        while true {
            let s = state.load(ordering: .acquiring)
            let generation = s >> Self.generationShift
            if generation != exhausted {
                let address = jobAddress.load(ordering: .acquiring)
                let parts = (s >> Self.fieldBits) & Self.fieldMask
                let part = s & Self.fieldMask
                if part < parts {
                    if state.compareExchange(expected: s, desired: s + 1, ordering: .acquiringAndReleasing).exchanged {
                        // The swap succeeded on a state of this generation with parts left, so
                        // the job read above is this generation's and the caller still waits.
                        Self.runPart(address, part)
                        finished.add(1, ordering: .releasing)
                    }
                } else {
                    exhausted = generation
                }
                continue
            }
            idle(whileGeneration: generation)
        }
    }

    /// Runs one part of the job at `address`. Not inlined, so every reference it takes to the job
    /// is dropped before the part is reported finished: the caller's `withoutActuallyEscaping`
    /// traps if the closure is still referenced when it returns.
    @inline(never)
    private static func runPart(_ address: Int, _ part: Int) {
        Unmanaged<Job>.fromOpaque(UnsafeRawPointer(bitPattern: address)!)._withUnsafeGuaranteedRef { $0.body(part) }
    }

    /// Polls (yielding the core) until a new generation is published; after `spinNanoseconds`
    /// sleeps on the condition variable instead.
    private func idle(whileGeneration generation: Int) {
        let start = Self.monotonicNanoseconds()
        var polls = 0
        while state.load(ordering: .acquiring) >> Self.generationShift == generation {
            polls += 1
            if polls & 31 == 0 && Self.monotonicNanoseconds() - start > Self.spinNanoseconds {
                pthread_mutex_lock(mutex)
                sleepers += 1
                while state.load(ordering: .acquiring) >> Self.generationShift == generation { pthread_cond_wait(cond, mutex) }
                sleepers -= 1
                pthread_mutex_unlock(mutex)
                return
            }
            sched_yield()
        }
    }

    static func monotonicNanoseconds() -> Int {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return ts.tv_sec * 1_000_000_000 + ts.tv_nsec
    }
}

/// One published loop: its body, kept alive by the caller until every part has finished.
private final class Job {
    let body: (Int) -> Void
    init(_ body: @escaping (Int) -> Void) { self.body = body }
}

/// What a new worker thread needs: the pool and its part index.
private final class WorkerContext {
    let pool: WorkerPool
    let generation: Int
    init(pool: WorkerPool, generation: Int) { self.pool = pool; self.generation = generation }
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

    /// Splits 0..<count into contiguous ranges (up to four per thread, boundaries on multiples of
    /// `alignment`) when each thread gets at least `minimumPerThread` items; else one range.
    @inline(__always)
    static func forRanges(_ count: Int, minimumPerThread: Int = 32_768, alignment: Int = 16,
                          _ body: (Range<Int>) -> Void) {
        let t = Swift.min(threads, count / Swift.max(minimumPerThread, 1))
        if t <= 1 { body(0..<count); return }
        // Four chunks per thread, claimed as threads come free (see WorkerPool).
        let pieces = Swift.max(t, Swift.min(4 * t, count / Swift.max(minimumPerThread / 2, 1)))
        let chunk = (count + pieces - 1) / pieces
        let step = (chunk + alignment - 1) / alignment * alignment
        let parts = (count + step - 1) / step
        run(parts: parts) { p in
            let lo = p * step
            body(lo..<Swift.min(lo + step, count))
        }
    }
}
