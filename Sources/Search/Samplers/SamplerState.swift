// The engine's sampler: which configuration the next new trial gets. Random draws from the
// space; grid walks the enumerated points; TPE models rung results (TPESampler.swift).
// Leaves out scheduling: the engine asks only "a configuration for a new trial".

/// The sampler part of the engine's state.
struct SamplerState: Sendable, Equatable {
    let spec: SamplerSpec
    /// Grid points (grid sampler only) and the index of the next one.
    private(set) var grid: [Configuration] = []
    private(set) var gridNext = 0

    init(spec: SamplerSpec, space: SearchSpace) {
        self.spec = spec
        if spec.kind == .grid { grid = GridSampler.points(of: space) }
    }

    /// How many more configurations the sampler can give (nil: unlimited).
    var remaining: Int? { spec.kind == .grid ? grid.count - gridNext : nil }

    /// The next configuration. `observations[k]` are rung k's results in arrival order.
    /// Entries with a negative trial index −1 − j stand for `priors[j]` (a warm start's results).
    mutating func suggest(space: SearchSpace, rng: inout RandomSource, observations: [[RankedEntry]],
                          trials: [TrialRecord], priors: [Configuration] = []) -> Configuration {
        switch spec.kind {
        case .random:
            return space.sample(using: &rng)
        case .grid:
            precondition(gridNext < grid.count, "grid sampler asked past its \(grid.count) points")
            defer { gridNext += 1 }
            return grid[gridNext]
        case .tpe:
            return TPESampler(options: spec.tpe, space: space)
                .suggest(rng: &rng, observations: observations, trials: trials, priors: priors)
        }
    }
}
