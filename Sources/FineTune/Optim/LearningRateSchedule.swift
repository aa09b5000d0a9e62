// Learning-rate schedules as pure functions of the step: constant, step decay, cosine annealing and
// linear warmup composed in front of any of them. Each gives a factor on a group's base rate.
// Left out: ReduceLROnPlateau (state-dependent), cyclic and one-cycle policies.

import Foundation

/// A learning-rate schedule: `factor(at: t)` multiplies the base learning rate at step `t` (0-based;
/// the step that an optimizer takes is counted before it is taken, as PyTorch's `last_epoch`).
///
/// The closed forms follow PyTorch's schedulers (`StepLR`, `CosineAnnealingLR`, `LinearLR`,
/// `SequentialLR`). Whether a "step" is an optimizer step or an epoch is the caller's choice.
public indirect enum LearningRateSchedule: Sendable, Hashable, Codable {
    /// The base rate at every step.
    case constant
    /// `gamma^⌊t / stepSize⌋` (torch.optim.lr_scheduler.StepLR).
    case step(stepSize: Int, gamma: Double)
    /// Cosine annealing (Loshchilov & Hutter, SGDR, 2017) without restarts:
    /// `m + (1 − m)·(1 + cos(π·t / totalSteps)) / 2` with `m = minFactor`, PyTorch's closed form
    /// with `eta_min = minFactor × base rate`. Deviation: after `totalSteps` the factor stays at
    /// `minFactor` where PyTorch's closed form would rise again.
    case cosine(totalSteps: Int, minFactor: Double = 0)
    /// Linear warmup from `startFactor` to 1 over `steps` steps (torch's `LinearLR` with
    /// `end_factor` 1), then `then` restarted at its own step 0 (torch's `SequentialLR` with one
    /// milestone at `steps`).
    case warmup(steps: Int, startFactor: Double, then: LearningRateSchedule)

    /// The factor on the base learning rate at step `t` (t ≥ 0).
    public func factor(at t: Int) -> Double {
        precondition(t >= 0, "learning-rate schedule: step \(t) is negative")
        switch self {
        case .constant:
            return 1
        case let .step(stepSize, gamma):
            return pow(gamma, Double(t / max(stepSize, 1)))
        case let .cosine(totalSteps, minFactor):
            guard totalSteps > 0 else { return 1 }
            let tt = Double(min(t, totalSteps))
            return minFactor + (1 - minFactor) * (1 + cos(Double.pi * tt / Double(totalSteps))) / 2
        case let .warmup(steps, startFactor, then):
            if t < steps {
                return startFactor + (1 - startFactor) * Double(t) / Double(steps)
            }
            return then.factor(at: t - steps)
        }
    }

    /// Checks the schedule; returns a message a person can act on, or nil when valid.
    public func validationProblem() -> String? {
        switch self {
        case .constant: return nil
        case let .step(stepSize, gamma):
            if stepSize < 1 { return "step schedule: stepSize is \(stepSize), but must be ≥ 1" }
            if !(gamma > 0) { return "step schedule: gamma is \(gamma), but must be > 0" }
            return nil
        case let .cosine(totalSteps, minFactor):
            if totalSteps < 1 { return "cosine schedule: totalSteps is \(totalSteps), but must be ≥ 1" }
            if !(0 <= minFactor && minFactor <= 1) { return "cosine schedule: minFactor is \(minFactor), but must be in [0, 1]" }
            return nil
        case let .warmup(steps, startFactor, then):
            if steps < 0 { return "warmup: steps is \(steps), but must be ≥ 0" }
            if !(0 < startFactor && startFactor <= 1) { return "warmup: startFactor is \(startFactor), but must be in (0, 1]" }
            return then.validationProblem()
        }
    }
}
