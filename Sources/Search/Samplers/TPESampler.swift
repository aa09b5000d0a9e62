// Placeholder TPE: random until the model is written.
struct TPESampler {
    let options: TPEOptions
    let space: SearchSpace
    func suggest(rng: inout RandomSource, observations: [[RankedEntry]], trials: [TrialRecord]) -> Configuration {
        space.sample(using: &rng)
    }
}
