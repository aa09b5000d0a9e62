// The engine input log as the coordinator uses it: a study driven through the real search engine,
// each input appended to the store as it is handled, then the store closed, reopened, and its log
// replayed through a fresh engine, which must answer with the same decisions and reach the same
// state. (One trial's values are NaN, so states are compared field by field, bit for bit: NaN is
// never == NaN.)
import Foundation
import Testing
import Search
@testable import Store

private let studyYAML = """
    name: replay-check
    seed: 11
    trials: 24
    objective:
      metric: val_loss
      direction: minimize
    budget:
      resource: epochs
      min_resource: 1
      max_resource: 9
      reduction_factor: 3
    scheduler:
      type: asha
    sampler:
      type: tpe
      min_observations: 4
    space:
      lr: {type: loguniform, low: 1e-4, high: 1e-1}
      width: {type: int, low: 8, high: 64}
      act: [relu, gelu]
    task:
      kind: builtin
      name: none
    """

/// A learning curve with awkward doubles: irrational-looking values, a NaN for one trial.
private func curve(_ config: Configuration, _ trial: TrialID, _ resource: Double) -> Double {
    if trial.rawValue == 5 { return .nan }
    let lr = config["lr"]?.numeric ?? 0.01, width = config["width"]?.numeric ?? 8
    return 1 / (1 + resource * lr * 10) + 1 / width + Double(trial.rawValue) * 1e-7
}

@Test func storedEngineLogReplaysToTheSameEngine() throws {
    let study = try Study.parse(yaml: studyYAML)
    let store = try makeStore()
    var engine = SearchEngine(study: study)
    var now = 1_764_426_000.0
    var pending: [Assignment] = []
    var handled = 0
    var decisions: [[Decision]] = []
    func feed(_ event: SearchEvent) throws {
        now += 0.1 + Double(handled % 7) * 1e-3
        try store.appendEngineEvent(event, now: now)
        handled += 1
        let answer = engine.handle(event, now: now)
        decisions.append(answer)
        for decision in answer {
            switch decision {
            case .start(let a), .resume(let a): pending.append(a)
            case .stop, .wait, .complete: break
            }
        }
    }
    for _ in 0..<3 { try feed(.slotFree) }
    var lostOnce = false
    while !pending.isEmpty, handled < 5_000 {
        let a = pending.removeFirst()
        if a.trial.rawValue == 3, !lostOnce {
            lostOnce = true
            try feed(.lost(trial: a.trial))
        } else if a.trial.rawValue == 8 {
            try feed(.failed(trial: a.trial, reason: "exit status 137 \"killed\""))
        } else {
            for r in a.reportAt {
                let v = curve(a.config, a.trial, r)
                try feed(.reported(trial: a.trial, resource: r, value: v, metrics: ["val_loss": v, "acc": 1 - v / 3]))
            }
        }
        try feed(.slotFree)
        if pending.isEmpty { try feed(.tick) }
    }
    #expect(engine.isComplete)
    try store.close()

    let reopened = try StudyStore.open(store.directory, role: .reader)
    let log = try reopened.engineEvents()
    #expect(log.count == handled)
    var fresh = SearchEngine(study: study)
    let replayed = log.map { fresh.handle($0.0, now: $0.1) }
    #expect(replayed == decisions)
    #expect(fresh.isComplete)
    #expect(fresh.trials.map(\.state) == engine.trials.map(\.state))
    #expect(fresh.trials.map(\.config) == engine.trials.map(\.config))
    func bits(_ e: SearchEngine) -> [[UInt64]] {
        e.trials.map { t in t.results.flatMap { [$0.value.bitPattern, $0.resource.bitPattern] + [t.updatedAt.bitPattern] } }
    }
    #expect(bits(fresh) == bits(engine))
    #expect(engine.trials[5].results.first?.value.isNaN == true)
}

/// `SearchEvent.reported` as it was when its metrics were a dictionary: the same case, the same
/// labels, so the same synthesized JSON.
private enum DictionaryEvent: Codable {
    case reported(trial: TrialID, resource: Double, value: Double, metrics: [String: Double])
}

@Test func engineEventsOfReportsAreWrittenAndReadAsWhenTheirMetricsWereADictionary() throws {
    let metrics: MetricValues = ["val_loss": 0.25, "acc": 0.875, "loss": .nan, "latency_ms": .infinity]
    let event = SearchEvent.reported(trial: TrialID(4), resource: 3, value: 0.25, metrics: metrics)
    let old = DictionaryEvent.reported(trial: TrialID(4), resource: 3, value: 0.25, metrics: metrics.dictionary)
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
    let oldText = String(decoding: try encoder.encode(old), as: UTF8.self)
    let text = try EventCoding.encode(event)
    #expect(text == oldText)
    #expect(text == #"{"reported":{"metrics":{"acc":0.875,"latency_ms":"inf","loss":"nan","val_loss":0.25},"resource":3,"trial":4,"value":0.25}}"#)
    guard case .reported(let t, let r, let v, let back) = try EventCoding.decode(oldText, seq: 1) else {
        Issue.record("not a report: \(oldText)")
        return
    }
    #expect(t == TrialID(4) && r == 3 && v == 0.25)
    #expect(back.count == 4 && back["acc"] == 0.875 && back["loss"]!.isNaN && back["latency_ms"] == .infinity && back["val_loss"] == 0.25)
}
