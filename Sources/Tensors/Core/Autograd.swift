// Reverse-mode autodiff: the graph node an op attaches to its result, the topological walk of
// `backward()`, gradient accumulation and the switch that disables graph building.
// Higher-order gradients are left out: backward closures work on raw buffers, not tensors.

/// How a tensor was computed: its inputs and the rule that pushes its gradient into theirs.
final class Node {
    /// The op's inputs (only those that may need a gradient are looked at).
    let inputs: [Tensor]
    /// Accumulates into the inputs' gradients, given this result's gradient (same element count
    /// as the result). Captures what it needs (input tensors, output storage), never the result
    /// tensor itself, so no reference cycle forms.
    let backward: (UnsafePointer<Float>) -> Void

    init(inputs: [Tensor], backward: @escaping (UnsafePointer<Float>) -> Void) {
        self.inputs = inputs
        self.backward = backward
    }
}

/// Process-wide autodiff switches.
public enum Autograd {
    /// Whether ops record the graph in the current task (false inside `withoutGrad`).
    @TaskLocal static var isEnabled = true

    /// Runs `body` without recording the graph: results never require a gradient
    /// (evaluation, optimizer arithmetic). Like PyTorch's `torch.no_grad()`.
    public static func withoutGrad<R>(_ body: () throws -> R) rethrows -> R {
        try $isEnabled.withValue(false) { try body() }
    }

    /// Whether the graph is being recorded in the current task.
    public static var gradEnabled: Bool { isEnabled }
}

extension Tensor {
    /// The gradient accumulated by `backward()`, a tensor sharing the gradient buffer (writes
    /// through it, e.g. for clipping, change the gradient), or nil when none has arrived yet.
    public var grad: Tensor? {
        gradStorage.map { Tensor(shape: shape, storage: $0) }
    }

    /// Whether this tensor is a leaf of the graph (made directly, not by an op that recorded it).
    public var isLeaf: Bool { node == nil }

    /// A tensor sharing this one's storage, cut from the graph, not requiring a gradient.
    public func detach() -> Tensor {
        Tensor(shape: shape, storage: storage)
    }

    /// Sets the accumulated gradient to zero, keeping its buffer (no allocation next step).
    public func zeroGrad() {
        if let g = gradStorage {
            let base = g.base
            Parallel.forRanges(g.count, minimumPerThread: 131_072) { r in
                (base + r.lowerBound).update(repeating: 0, count: r.count)
            }
        }
    }

    /// Drops the gradient buffer.
    public func clearGrad() { gradStorage = nil }

    /// Back-propagates from this one-element tensor: every tensor that requires a gradient and
    /// contributed to it gets d(self)/d(tensor) added to its `grad`. Gradients of intermediate
    /// results are freed on the way; only leaves keep theirs.
    public func backward() {
        precondition(count == 1, "backward(): needs a one-element result, got shape \(shape)")
        guard requiresGrad else { return }
        let order = topologicalOrder()
        gradBuffer()[0] += 1
        for t in order.reversed() {
            guard let node = t.node, let g = t.gradStorage else { continue }
            node.backward(UnsafePointer(g.base))
            t.gradStorage = nil
        }
    }

    /// Tensors reachable from self through nodes, each after all of its inputs (iterative DFS).
    func topologicalOrder() -> [Tensor] {
        var order: [Tensor] = []
        var visited = Set<ObjectIdentifier>()
        var stack: [(Tensor, Int)] = [(self, 0)]
        visited.insert(ObjectIdentifier(self))
        while let (t, next) = stack.popLast() {
            let inputs = t.node?.inputs ?? []
            if next < inputs.count {
                stack.append((t, next + 1))
                let child = inputs[next]
                if child.requiresGrad && visited.insert(ObjectIdentifier(child)).inserted {
                    stack.append((child, 0))
                }
            } else {
                order.append(t)
            }
        }
        return order
    }

    /// The gradient buffer, allocated zero-filled on first use; backward rules add into it.
    func gradBuffer() -> UnsafeMutablePointer<Float> {
        if let g = gradStorage { return g.base }
        let g = TensorStorage(uninitializedCount: count)
        let base = g.base
        Parallel.forRanges(count, minimumPerThread: 131_072) { r in
            (base + r.lowerBound).initialize(repeating: 0, count: r.count)
        }
        gradStorage = g
        return g.base
    }

    /// Whether an op on `x` must record a node.
    @inline(__always)
    static func needsGrad(_ x: Tensor) -> Bool {
        x.requiresGrad && Autograd.isEnabled
    }

    /// Whether an op on `a` and `b` must record a node (no array built: this runs on every op).
    @inline(__always)
    static func needsGrad(_ a: Tensor, _ b: Tensor) -> Bool {
        (a.requiresGrad || b.requiresGrad) && Autograd.isEnabled
    }

    /// Marks self as computed from `inputs` by a rule; call only when `needsGrad` said so.
    @inline(__always)
    func record(_ inputs: [Tensor], _ backward: @escaping (UnsafePointer<Float>) -> Void) {
        requiresGrad = true
        node = Node(inputs: inputs, backward: backward)
    }
}
