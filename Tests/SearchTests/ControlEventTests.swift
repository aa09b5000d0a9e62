// The engine's operator events: an enqueued configuration is the next new trial and counts toward
// the budget; a stop request stops a trial in any state; warm-start results pull TPE toward the
// region that was good in the earlier study; replays of these events are identical.
import Testing
@testable import Search

private let yaml = """
    name: control
    seed: 5
    trials: 30
    objective: {metric: loss, direction: minimize}
    budget: {min_resource: 1, max_resource: 9, reduction_factor: 3}
    sampler: {type: tpe, random_fraction: 0}
    space:
      x: {type: uniform, low: 0, high: 1}
      opt: {type: categorical, choices: [adam, sgd]}
      momentum: {type: uniform, low: 0, high: 1, when: {opt: [sgd]}}
    task: {command: ["t", "{x}"]}
    """

private func starts(_ d: [Decision]) -> [Assignment] {
    d.compactMap { if case .start(let a) = $0 { return a } else { return nil } }
}

@Test func enqueuedConfigurationRunsNextAndCountsTowardTheBudget() throws {
    let study = try Study.parse(yaml: yaml)
    var e = SearchEngine(study: study)
    let c: Configuration = ["x": .double(0.25), "opt": .string("sgd"), "momentum": .double(0.9)]
    var log: [(SearchEvent, Double)] = [(.enqueued(config: c), 0), (.slotFree, 1), (.slotFree, 2)]
    var replies: [[Decision]] = []
    for (ev, t) in log { replies.append(e.handle(ev, now: t)) }
    #expect(starts(replies[1]).first?.config == c)
    #expect(starts(replies[2]).first?.config != c)
    #expect(e.enqueuedCount == 0)
    // Refusals name the parameter and what it accepts.
    #expect(e.enqueueProblem(["x": .double(0.5), "opt": .string("adam"), "momentum": .double(0.1)])
            == "`momentum` applies only when opt is one of sgd; leave it out")
    #expect(e.enqueueProblem(["x": .double(0.5), "opt": .string("rmsprop")]) == "`opt` is rmsprop, but it takes one of adam, sgd")
    #expect(e.enqueueProblem(["x": .double(0.5), "opt": .string("adam"), "y": .int(1)])?.hasPrefix("`y` is not a parameter of the search space") == true)
    // Replaying the log gives the same engine.
    log.append((.stopRequested(trial: TrialID(0)), 3))
    _ = e.handle(.stopRequested(trial: TrialID(0)), now: 3)
    #expect(SearchEngine.replay(study: study, events: log) == e)
    #expect(e.trial(TrialID(0))?.state == .stopped)
    #expect(e.runningCount == 1)
}

@Test func enqueueIsRefusedOnceTheBudgetIsTaken() throws {
    let study = try Study.parse(yaml: yaml.replacingOccurrences(of: "trials: 30", with: "trials: 1"))
    var e = SearchEngine(study: study)
    _ = e.handle(.slotFree, now: 0)
    #expect(e.enqueueProblem(["x": .double(0.5), "opt": .string("adam")]) == "the study's budget of 1 trials is taken (1 started, 0 enqueued)")
}

@Test func stopRequestStopsPausedAndQueuedTrialsToo() throws {
    let study = try Study.parse(yaml: yaml)
    var e = SearchEngine(study: study)
    let a = try #require(starts(e.handle(.slotFree, now: 0)).first)
    _ = e.handle(.reported(trial: a.trial, resource: 1, value: 0.5, metrics: [:]), now: 1)
    #expect(e.trial(a.trial)?.state == .paused)
    #expect(e.handle(.stopRequested(trial: a.trial), now: 2) == [.stop(a.trial)])
    #expect(e.trial(a.trial)?.state == .stopped)
    #expect(e.handle(.stopRequested(trial: a.trial), now: 3) == [])
    #expect(e.handle(.stopRequested(trial: TrialID(42)), now: 3) == [])
}

@Test func warmStartPullsTPETowardTheEarlierStudysGoodRegion() throws {
    let study = try Study.parse(yaml: yaml)
    // The earlier study: loss = |x − 0.8| at the top rung, 40 results over the whole range.
    let priors = (0..<40).map { i -> PriorResult in
        let x = Double(i) / 39
        return PriorResult(config: ["x": .double(x), "opt": .string("adam")], resource: 9, value: abs(x - 0.8))
    }
    func firstDraws(seeded: Bool) -> [Double] {
        var e = SearchEngine(study: study)
        if seeded { _ = e.handle(.seeded(results: priors), now: 0) }
        return (0..<10).compactMap { i in starts(e.handle(.slotFree, now: Double(i + 1))).first?.config["x"]?.numeric }
    }
    let seeded = firstDraws(seeded: true), cold = firstDraws(seeded: false)
    let near = seeded.filter { abs($0 - 0.8) < 0.15 }.count
    #expect(seeded.count == 10 && cold.count == 10)
    #expect(near >= 8, "seeded draws \(seeded)")
    #expect(cold.filter { abs($0 - 0.8) < 0.15 }.count <= 5, "cold draws \(cold)")
    // Results that do not fit the space are skipped; the rest are counted.
    var e = SearchEngine(study: study)
    _ = e.handle(.seeded(results: priors + [PriorResult(config: ["x": .double(7)], resource: 9, value: 0)]), now: 0)
    #expect(e.priorCount == 40)
}

@Test func enqueueConfigurationFromTextNamesTheParameterAndWhatItTakes() throws {
    let space = try Study.parse(yaml: yaml).space
    #expect(try space.configuration(from: ["x=0.25", "opt=adam"]) == ["x": .double(0.25), "opt": .string("adam")])
    #expect(try space.configuration(from: ["x=1", "opt=sgd", "momentum=0.5"]) == ["x": .double(1), "opt": .string("sgd"), "momentum": .double(0.5)])
    func message(_ args: [String]) -> String? {
        do { _ = try space.configuration(from: args); return nil } catch { return error.message }
    }
    #expect(message(["x=abc", "opt=adam"]) == "`x=abc`: x takes a real number in [0.0, 1.0]")
    #expect(message(["x=0.5"]) == "`opt` is missing; it takes one of adam, sgd")
    #expect(message(["x=0.5", "opt=adam", "lr=1"])?.hasPrefix("`lr` is not a parameter of the search space; its parameters: x, opt, momentum") == true)
    #expect(message(["x"]) == "`x` is not name=value (e.g. lr=0.01)")
}

@Test func placeholdersOfTheCommandAreCheckedAtLoadWithTheirLine() throws {
    let bad = """
        name: p
        trials: 2
        objective: {metric: loss}
        budget: {min_resource: 1, max_resource: 3, reduction_factor: 3}
        space:
          lr: {type: loguniform, low: 1e-4, high: 1e-1}
        task:
          command:
            - python3
            - train.py
            - "--lr={lr}"
            - "--dropout={dropout}"
            - '{"epoch": 1}'
            - "{checkpoint_dir}"
        """
    do {
        _ = try Study.parse(yaml: bad, source: "study.yaml")
        Issue.record("a placeholder outside the search space was accepted")
    } catch let error as SearchError {
        #expect(error.line == 12)
        #expect(error.description.hasPrefix("study.yaml:12: `task.command` argument 3 ('--dropout={dropout}') names {dropout}, which is not a parameter of the search space; parameters: lr"))
    }
    #expect(Study.line(of: "objective.metric", inYAML: bad) == 3)
    #expect(CommandPlaceholders.names(in: "--a={lr}:{trial}{\"x\": 1}") == ["lr", "trial"])
}
