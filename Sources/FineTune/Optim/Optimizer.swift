// An optimizer over named parameters: one update rule (OptimizerSettings), parameter groups with
// their own learning-rate multiplier, weight decay and frozen flag, a schedule and per-parameter
// state. It sees raw Float buffers only; modules hand them over by name. No sparse gradients.

/// A set of parameters, chosen by name prefix, that share a learning-rate multiplier, an optional
/// weight decay and a frozen flag — the mechanism behind discriminative learning rates (lower rates
/// for a backbone) and gradual unfreezing (thaw the last blocks first).
public struct ParameterGroup: Sendable, Hashable, Codable {
    /// A label for logs and checkpoints.
    public var name: String
    /// Parameter-name prefixes that select the group's members (`"layers.0."` selects
    /// `layers.0.weight` and `layers.0.bias`). An empty list selects every parameter.
    public var prefixes: [String]
    /// Factor on the optimizer's base learning rate (1 keeps it).
    public var learningRateMultiplier: Double
    /// Replaces the rule's weight decay for the group's members when set (e.g. 0 for biases).
    public var weightDecay: Double?
    /// Frozen members are neither updated nor given optimizer state.
    public var frozen: Bool

    /// A group; by default it takes every parameter at the base rate, unfrozen.
    public init(name: String, prefixes: [String] = [], learningRateMultiplier: Double = 1,
                weightDecay: Double? = nil, frozen: Bool = false) {
        self.name = name
        self.prefixes = prefixes
        self.learningRateMultiplier = learningRateMultiplier
        self.weightDecay = weightDecay
        self.frozen = frozen
    }

    /// True when `parameterName` starts with one of the prefixes (or the list is empty).
    public func contains(_ parameterName: String) -> Bool {
        prefixes.isEmpty || prefixes.contains { parameterName.hasPrefix($0) }
    }
}

/// An optimizer: one update rule applied to named parameters, grouped, scheduled and stateful.
///
/// Use: for each training step, call `update(name:parameter:gradient:)` for every parameter, then
/// `finishStep()`. The learning rate of a member of group g at step t is
/// `baseLearningRate × g.learningRateMultiplier × schedule.factor(at: t)`.
public struct Optimizer: Sendable {
    /// The update rule and its hyperparameters.
    public var settings: OptimizerSettings
    /// The base learning rate (PyTorch's `lr`).
    public var baseLearningRate: Double
    /// The schedule, evaluated at `stepCount`.
    public var schedule: LearningRateSchedule
    /// Parameter groups; a parameter belongs to the first group that contains it, and to a
    /// default group (multiplier 1, unfrozen) when none does.
    public var groups: [ParameterGroup]
    /// Optimizer steps taken so far (the schedule's `t`).
    public private(set) var stepCount: Int = 0
    /// State per parameter name.
    public var states: [String: ParameterState] = [:]

    /// A new optimizer with no state.
    public init(settings: OptimizerSettings, learningRate: Double, schedule: LearningRateSchedule = .constant,
                groups: [ParameterGroup] = []) {
        if let problem = settings.validationProblem() { preconditionFailure(problem) }
        precondition(learningRate >= 0, "optimizer: learning rate is \(learningRate), but must be ≥ 0")
        self.settings = settings
        self.baseLearningRate = learningRate
        self.schedule = schedule
        self.groups = groups
    }

    /// The group a parameter belongs to (the default group when none matches).
    public func group(of parameterName: String) -> ParameterGroup {
        groups.first { $0.contains(parameterName) } ?? ParameterGroup(name: "default")
    }

    /// The learning rate the next step gives a member of `group`.
    public func learningRate(for group: ParameterGroup) -> Double {
        baseLearningRate * group.learningRateMultiplier * schedule.factor(at: stepCount)
    }

    /// The learning rate the next step gives an ungrouped parameter.
    public var currentLearningRate: Double { baseLearningRate * schedule.factor(at: stepCount) }

    /// True when the parameter is in a frozen group (the trainer may then skip its gradient).
    public func isFrozen(_ parameterName: String) -> Bool { group(of: parameterName).frozen }

    /// Updates one parameter in place with its gradient, unless its group is frozen.
    public mutating func update(name: String, parameter: UnsafeMutableBufferPointer<Float>,
                                gradient: UnsafeBufferPointer<Float>) {
        let g = group(of: name)
        if g.frozen { return }
        var rule = settings
        if let wd = g.weightDecay { rule = rule.replacingWeightDecay(wd) }
        var state = states.removeValue(forKey: name) ?? ParameterState()
        rule.update(parameter: parameter, gradient: gradient, state: &state, learningRate: learningRate(for: g))
        states[name] = state
    }

    /// Ends a step: advances the schedule.
    public mutating func finishStep() { stepCount += 1 }

    /// Sets the step counter, e.g. after restoring state from a checkpoint.
    public mutating func restore(stepCount: Int, states: [String: ParameterState]) {
        self.stepCount = stepCount
        self.states = states
    }
}

extension OptimizerSettings {
    /// The same rule with another weight decay.
    public func replacingWeightDecay(_ weightDecay: Double) -> OptimizerSettings {
        switch self {
        case let .sgd(momentum, dampening, nesterov, _):
            return .sgd(momentum: momentum, dampening: dampening, nesterov: nesterov, weightDecay: weightDecay)
        case let .adam(beta1, beta2, eps, _, decoupled):
            return .adam(beta1: beta1, beta2: beta2, eps: eps, weightDecay: weightDecay, decoupledWeightDecay: decoupled)
        }
    }
}
