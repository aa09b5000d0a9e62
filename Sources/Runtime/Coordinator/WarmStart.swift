// Warm start (`rung coordinator --warm-start OTHER_DIR`): an earlier study's results, read from its
// study directory, become `PriorResult`s that seed this study's sampler (TPE models them beside its
// own results). One result per trial: the objective at the highest rung it reached. Leaves out
// how the engine files them under its rungs (SearchEngine) and when they are fed (once, for a new study).
import Foundation
import Search
import Store

/// Reads an earlier study's results for a warm start.
public enum WarmStart {
    /// The results of the study in `directory` that fit `study`'s search space, and a line saying
    /// how many were taken, skipped and why. Throws naming the directory if it is not a study, or
    /// if its trials did not measure this study's objective.
    public static func results(from directory: URL, for study: Study) throws -> (results: [PriorResult], summary: String) {
        let dir = StudyDirectory(directory)
        guard dir.isStudyDirectory else {
            throw RuntimeError(.invalidArgument, "--warm-start \(directory.path): not a study directory (it has no study.sqlite); give the --dir of a finished study")
        }
        let store = try StudyStore.open(dir, role: .reader)
        let info = try store.studyInfo()
        let metric = study.objective.metric
        var results: [PriorResult] = []
        var misfit: [String] = []
        var unmeasured = 0
        for t in try store.trials() {
            let value: Double?
            if info.objective == metric { value = t.value } else { value = t.metrics?[metric] }
            guard let v = value, t.resource > 0 else { unmeasured += 1; continue }
            let config = study.space.canonical(t.config)
            if let problem = study.space.problem(with: config) {
                if misfit.count < 3 { misfit.append("trial \(t.id): \(problem)") }
                else { misfit.append("") }
                continue
            }
            results.append(PriorResult(config: config, resource: t.resource, value: v, feasible: t.feasible ?? true))
        }
        if results.isEmpty, info.objective != metric, unmeasured > 0 {
            throw RuntimeError(.invalidArgument, "--warm-start \(directory.path): that study optimised '\(info.objective)' and its trials did not report '\(metric)', this study's objective")
        }
        var summary = "warm start: \(results.count) result(s) of study '\(info.name)' (\(directory.path))"
        if !misfit.isEmpty {
            summary += "; \(misfit.count) skipped that do not fit this search space (" + misfit.filter { !$0.isEmpty }.joined(separator: "; ") + ")"
        }
        if unmeasured > 0 { summary += "; \(unmeasured) without a result" }
        if study.sampler.kind != .tpe { summary += "; note: the \(study.sampler.kind.rawValue) sampler does not use them (only tpe does)" }
        return (results, summary)
    }
}
