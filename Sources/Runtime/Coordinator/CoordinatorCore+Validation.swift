// The coordinator state machine's own range checks on its inputs: the wire decoder checks the same
// bounds (Wire's `WireBounds`) before a message becomes an input, but the core is total on its own,
// so no input, however it was made, reaches arithmetic, the engine or a journal record unchecked.
// Leaves out checks that need the core's state (unknown trials, stale attempts: CoordinatorCore).
import Search

/// The ranges of the numbers a coordinator input may carry (the same as Wire's `WireBounds`).
public enum InputBounds {
    /// Largest trial id.
    public static let maxTrial = Int(Int32.max)
    /// Largest attempt number.
    public static let maxAttempt = 1_000_000
    /// Largest report sequence number.
    public static let maxSeq = 1 << 40
    /// Largest resource.
    public static let maxResource = 1e12
    /// Most slots a worker may offer, and largest free-slot count.
    public static let maxSlots = 1_000_000
}

extension CoordinatorCore {
    /// What is out of range in `input`, and the worker to refuse, or nil when every number is fine.
    static func problem(of input: CoordinatorInput) -> (WorkerName, String)? {
        func ref(_ r: AttemptRef, _ field: String = "") -> String? {
            if !(0...InputBounds.maxTrial).contains(r.trial.rawValue) {
                return "`\(field)trial` is \(r.trial.rawValue); accepted: 0…\(InputBounds.maxTrial)"
            }
            if !(1...InputBounds.maxAttempt).contains(r.attempt) {
                return "`\(field)attempt` is \(r.attempt); accepted: 1…\(InputBounds.maxAttempt)"
            }
            return nil
        }
        func resource(_ r: Double, _ field: String = "resource") -> String? {
            guard r.isFinite, (0...InputBounds.maxResource).contains(r) else {
                return "`\(field)` is \(r); accepted: a finite number in 0…\(InputBounds.maxResource)"
            }
            return nil
        }
        func slots(_ n: Int, _ field: String, min: Int) -> String? {
            (min...InputBounds.maxSlots).contains(n) ? nil : "`\(field)` is \(n); accepted: \(min)…\(InputBounds.maxSlots)"
        }
        func list(_ refs: [AttemptRef]) -> String? {
            for (i, r) in refs.enumerated() { if let p = ref(r, "running[\(i)].") { return p } }
            return nil
        }
        switch input {
        case .hello(let w, let n, let running):
            if let p = slots(n, "slots", min: 1) ?? list(running) { return (w, p) }
        case .heartbeat(let w, let running):
            if let p = list(running) { return (w, p) }
        case .ready(let w, let free):
            if let p = slots(free, "freeSlots", min: 0) { return (w, p) }
        case .report(let w, let r):
            if let p = ref(r.ref) ?? resource(r.resource) { return (w, p) }
            if !(1...InputBounds.maxSeq).contains(r.seq) { return (w, "`seq` is \(r.seq); accepted: 1…\(InputBounds.maxSeq)") }
        case .ended(let w, let r, let end):
            if let p = ref(r) { return (w, p) }
            if case .paused(let at) = end, let p = resource(at) { return (w, p) }
        case .checkpointStored, .goodbye, .stopStudy, .pause, .resume, .stopTrial, .enqueue, .seed, .tick, .releaseWorker, .connectionDropped:
            break
        }
        return nil
    }
}
