// Terminal text of the study clients: status, trial table, leaderboard, journal lines. Pure
// functions of the read models, shared by the offline (`--dir`) and live (`--connect`) modes.
// Leaves out colour and terminal width: columns are padded plain text.
import Foundation
import Search
import Store

enum StudyText {
    /// A metric value for a table: 4 decimals (`Readable.metric`), `-` when absent.
    static func metric(_ v: Double?) -> String { v.map(Readable.metric) ?? "-" }

    /// A quantity (a cost such as parameters or latency, a bound): whole numbers as they are, others
    /// to 4 significant digits; `-` when absent.
    static func number(_ v: Double?) -> String {
        guard let v else { return "-" }
        if abs(v) < 1e15, let whole = Int(exactly: v) { return String(whole) }
        return Readable.significant(v)
    }

    /// `lr=0.01 layers=2 opt=adam`, keys sorted, parameters to 4 significant digits.
    static func config(_ config: Configuration) -> String { Readable.config(config, braces: false) }

    /// Rows of cells as columns separated by two spaces, left-aligned.
    static func table(_ header: [String], _ rows: [[String]]) -> String {
        let all = [header] + rows
        var widths = header.map(\.count)
        for row in all { for (i, cell) in row.enumerated() where i < widths.count { widths[i] = max(widths[i], cell.count) } }
        return all.map { row in
            row.enumerated().map { i, cell in
                i == row.count - 1 ? cell : cell.padding(toLength: widths[i], withPad: " ", startingAt: 0)
            }.joined(separator: "  ")
        }.joined(separator: "\n") + "\n"
    }

    /// `rung status`.
    static func status(_ s: StudySummary) -> String {
        var out = "Study \(s.info.name): \(s.info.state.rawValue), objective \(s.info.objective) (\(s.info.direction.rawValue))"
        out += ", created \(TimeText.iso(s.info.created))\n"
        switch s.info.state {
        case .paused: out += "Paused by an operator: no new assignments until `rung resume`; running attempts go on to their next rung.\n"
        case .draining: out += "Draining: nothing new starts; the study ends when the running attempts have finished.\n"
        case .running, .completed, .stopped: break
        }
        out += "\(s.trialCount) trials, \(s.reportCount) reports, \(s.rungResultCount) rung results, "
        out += "\(s.lineCount) log lines, \(s.engineEventCount) engine events\n\n"
        if s.counts.isEmpty {
            out += "No trials yet.\n"
        } else {
            let maxRung = s.counts.compactMap(\.rung).max() ?? -1
            let header = ["state", "total", "no rung"] + (0...max(0, maxRung)).map { "rung \($0)" }
            var rows: [[String]] = []
            for state in TrialStatus.allCases {
                let mine = s.counts.filter { $0.state == state }
                if mine.isEmpty { continue }
                var row = [state.rawValue, String(mine.reduce(0) { $0 + $1.count })]
                row.append(mine.first { $0.rung == nil }.map { String($0.count) } ?? "")
                for r in 0...max(0, maxRung) { row.append(mine.first { $0.rung == r }.map { String($0.count) } ?? "") }
                rows.append(row)
            }
            out += table(header, rows)
        }
        out += "\n"
        if s.workers.isEmpty {
            out += "No workers have connected.\n"
        } else {
            out += "Workers:\n"
            out += table(["id", "name", "host", "slots", "state", "last heartbeat"], s.workers.map {
                [$0.id, $0.name, $0.host, String($0.slots), $0.state.rawValue, TimeText.iso($0.lastHeartbeat)]
            })
            for w in s.workers where w.state == .quarantined {
                out += "Worker \(w.name) is quarantined (no new work; `rung worker-release \(w.name)` or restart it): \(w.note ?? "machine fault")\n"
            }
        }
        out += "\n"
        if let best = s.best, best.feasible {
            out += "Best so far: trial \(best.trial), \(s.info.objective) \(metric(best.value)) at rung \(best.rung) "
            out += "(resource \(number(best.resource))), \(config(best.config))\n"
        } else if s.best != nil {
            out += "Best so far: none feasible; every result breaks a constraint of the objective.\n"
        } else {
            out += "Best so far: no rung result yet.\n"
        }
        return out
    }

    /// `rung trials`: cost columns when trials report them, and whether each result meets the
    /// objective's constraints when the study has some.
    static func trials(_ trials: [StoredTrial], objective: Objective) -> String {
        if trials.isEmpty { return "No trials yet.\n" }
        return trialTable(trials, objective: objective)
    }

    /// `rung trials --state S`: the trials in those states, or, when none is, how many the study has
    /// in each state (so an empty answer is never mistaken for an empty study).
    static func trials(_ all: [StoredTrial], states: Set<TrialStatus>, asked: String, objective: Objective) -> String {
        if all.isEmpty { return "No trials yet.\n" }
        let mine = all.filter { states.contains($0.state) }
        if mine.isEmpty {
            var byState: [TrialStatus: Int] = [:]
            for t in all { byState[t.state, default: 0] += 1 }
            let counts = TrialStatus.allCases.compactMap { s in byState[s].map { "\($0) \(s.rawValue)" } }
            return "No trial is \(asked) now; the study has \(all.count) trial(s): \(counts.joined(separator: ", ")).\n"
        }
        return trialTable(mine, objective: objective)
    }

    private static func trialTable(_ trials: [StoredTrial], objective: Objective) -> String {
        let costs = costColumns(trials.compactMap(\.metrics))
        let constrained = !objective.constraints.isEmpty
        var header = ["trial", "state", "bracket", "rung", "resource", "value"] + costs.map(\.title)
        if constrained { header.append("feasible") }
        header += ["attempt", "worker", "config"]
        return table(header, trials.map { t in
            var row = [String(t.id.rawValue), t.state.rawValue + (t.error.map { " (\(shortened($0, to: 60)))" } ?? ""), String(t.bracket),
                       t.rung.map(String.init) ?? "-", number(t.resource), metric(t.value)]
            row += costs.map { number(t.metrics?[$0.metric]) }
            if constrained { row.append(t.metrics.map { feasibility(objective, value: t.value ?? .nan, metrics: $0) } ?? "-") }
            return row + [String(t.attempt), t.worker ?? "-", config(t.config)]
        })
    }

    /// `rung trials --trial N`: the trial's state and configuration, its metrics epoch by epoch
    /// (the objective first, then the others that every epoch has; time per epoch), and a
    /// sparkline of the objective.
    static func curve(_ t: StoredTrial, rows: [ExportRow], objective: String) -> String {
        var out = "Trial \(t.id): \(t.state.rawValue)" + (t.error.map { " (\($0))" } ?? "")
        out += ", attempt \(t.attempt), \(config(t.config))\n"
        guard !rows.isEmpty else { return out + "No epoch reported yet.\n" }
        let common = rows.dropFirst().reduce(Set(rows[0].metrics.keys)) { $0.intersection($1.metrics.keys) }
        let others = common.subtracting([objective]).sorted()
        let header = ["epoch", objective] + others + ["attempt", "time"]
        out += table(header, rows.map { r in
            [String(r.epoch), metric(r.metrics[objective])] + others.map { metric(r.metrics[$0]) }
                + [String(r.attempt), r.seconds.map(Readable.duration) ?? "-"]
        })
        let values = rows.compactMap { $0.metrics[objective] }.filter(\.isFinite)
        if let lo = values.min(), let hi = values.max() {
            out += "\(objective) \(sparkline(values))  \(Readable.metric(values.first!)) → \(Readable.metric(values.last!)) (min \(Readable.metric(lo)), max \(Readable.metric(hi)))\n"
        }
        return out
    }

    /// Values as a line of block characters, lowest `▁` to highest `█` (all `▄` when flat).
    static func sparkline(_ values: [Double]) -> String {
        let ticks = Array("▁▂▃▄▅▆▇█")
        guard let lo = values.min(), let hi = values.max() else { return "" }
        guard hi > lo else { return String(repeating: "▄", count: values.count) }
        return String(values.map { ticks[min(ticks.count - 1, Int(((($0 - lo) / (hi - lo)) * Double(ticks.count - 1)).rounded()))] })
    }

    /// The cost metrics trials report (`params_total`, `latency_ms`, …) and their column titles.
    static let costMetrics: [(metric: String, title: String)] = [
        ("params_total", "params"), ("params_trainable", "trainable"), ("latency_ms", "latency ms"),
        ("images_per_s", "images/s"), ("memory_mb", "memory MB"),
    ]

    /// The cost columns at least one of `metrics` has, in `costMetrics` order.
    static func costColumns(_ metrics: [MetricValues]) -> [(metric: String, title: String)] {
        costMetrics.filter { c in metrics.contains { $0[c.metric] != nil } }
    }

    /// `yes`, or `no: latency_ms 9 > 5` naming the first broken constraint.
    static func feasibility(_ objective: Objective, value: Double, metrics: MetricValues) -> String {
        for c in objective.constraints {
            guard let v = c.metric == objective.metric ? value : metrics[c.metric], !c.isSatisfied(by: v) else { continue }
            return "no: \(c.metric) \(number(v)) not \(c.comparison.rawValue) \(number(c.bound))"
        }
        return "yes"
    }

    /// `rung best` as a table; the best feasible trial's per-class report under it when it has one.
    static func leaderboard(_ entries: [LeaderboardEntry], info: StudyInfo, report: StoredClassReport?) -> String {
        if entries.isEmpty { return "No rung result yet: nothing to rank.\n" }
        let objective = info.fullObjective
        let constrained = !objective.constraints.isEmpty
        var out = "Best trials of \(info.name) by \(info.objective) (\(info.direction.rawValue)), "
        out += constrained ? "feasible first, then highest rung:\n" : "highest rung first:\n"
        if constrained { out += "Constraints: " + objective.constraints.map(\.text).joined(separator: ", ") + "\n" }
        let costs = costColumns(entries.map(\.metrics))
        var header = ["#", "trial", info.objective, "rung", "resource", "state"] + costs.map(\.title)
        if constrained { header.append("feasible") }
        out += table(header + ["config"], entries.enumerated().map { i, e in
            var row = [String(i + 1), String(e.trial.rawValue), metric(e.value), String(e.rung), number(e.resource), e.state.rawValue]
            row += costs.map { number(e.metrics[$0.metric]) }
            if constrained { row.append(feasibility(objective, value: e.value, metrics: e.metrics)) }
            return row + [config(e.config)]
        })
        if !entries.contains(where: \.feasible) {
            out += "\nNo feasible trial yet: every result breaks a constraint, so there is no best.\n"
        }
        if let report { out += "\n" + classReport(report) }
        return out
    }

    /// A per-class precision / recall / F1 / support table and the confusion matrix (rows: true
    /// class, columns: predicted class), with class names.
    static func classReport(_ stored: StoredClassReport) -> String {
        let r = stored.report
        var out = "Per-class report of trial \(stored.trial) (\(r.split) split, attempt \(stored.attempt), "
        out += "accuracy \(metric(r.accuracy)), \(r.support.reduce(0, +)) rows):\n"
        out += table(["class", "precision", "recall", "f1", "support"], r.classNames.indices.map { k in
            [r.classNames[k], fixed(r.precision[k]), fixed(r.recall[k]), fixed(r.f1[k]), String(r.support[k])]
        })
        out += "\nConfusion matrix (rows: true class, columns: predicted class):\n"
        let names = r.classNames.map { String($0.prefix(12)) }
        out += rightAligned(["true \\ predicted"] + names, r.confusion.indices.map { k in
            [names[k]] + r.confusion[k].map(String.init)
        })
        return out
    }

    /// A per-class figure: 4 decimals like every metric (`Readable.metric`).
    static func fixed(_ v: Double) -> String { Readable.metric(v) }

    /// `text` cut to `limit` characters with `…`, keeping the start (a failure reason leads with
    /// its exception line).
    static func shortened(_ text: String, to limit: Int) -> String {
        text.count <= limit ? text : String(text.prefix(limit - 1)) + "…"
    }

    /// Rows of cells: the first column left-aligned, the others right-aligned (numbers).
    static func rightAligned(_ header: [String], _ rows: [[String]]) -> String {
        let all = [header] + rows
        var widths = header.map(\.count)
        for row in all { for (i, cell) in row.enumerated() where i < widths.count { widths[i] = max(widths[i], cell.count) } }
        return all.map { row in
            row.enumerated().map { i, cell in
                let pad = String(repeating: " ", count: max(0, widths[i] - cell.count))
                return i == 0 ? cell + pad : pad + cell
            }.joined(separator: "  ").trimmingCharacters(in: .whitespaces)
        }.joined(separator: "\n") + "\n"
    }

    /// `rung best --json`: the best feasible trial, the objective with its constraints, and the
    /// best trial's per-class report when it has one.
    static func bestJSON(_ entry: LeaderboardEntry?, info: StudyInfo, report: StoredClassReport?) throws -> String {
        struct Best: Encodable {
            var study: String
            var objective: String
            var direction: Direction
            var constraints: [String]
            var best: LeaderboardEntry?
            var report: StoredClassReport?
        }
        return try json(Best(study: info.name, objective: info.objective, direction: info.direction,
                             constraints: info.fullObjective.constraints.map(\.text), best: entry, report: report))
    }

    /// `rung best --pareto` as a table along the front.
    static func pareto(_ view: ParetoView, info: StudyInfo) -> String {
        let a = view.against
        var out = "Pareto front of \(info.name): \(view.objective.metric) (\(view.objective.direction.rawValue)) against "
        out += "\(a.metric) (\(a.direction.rawValue)), over \(view.candidates) finished feasible trial(s) reporting both"
        if !view.objective.constraints.isEmpty {
            out += " (constraints: " + view.objective.constraints.map(\.text).joined(separator: ", ") + ")"
        }
        out += ":\n"
        if view.front.isEmpty {
            return out + "No finished feasible trial reports both \(view.objective.metric) and \(a.metric) yet.\n"
        }
        let costs = costColumns(view.front.map(\.metrics)).filter { $0.metric != a.metric }
        let header = ["#", "trial", view.objective.metric, a.metric] + costs.map(\.title) + ["config"]
        return out + table(header, view.front.enumerated().map { i, e in
            [String(i + 1), String(e.trial.rawValue), metric(e.value),
             costMetrics.contains { $0.metric == a.metric } ? number(e.metrics[a.metric]) : metric(e.metrics[a.metric])]
                + costs.map { number(e.metrics[$0.metric]) } + [config(e.config)]
        })
    }

    /// `rung best --pareto --json`.
    static func paretoJSON(_ view: ParetoView, info: StudyInfo) throws -> String {
        struct Front: Encodable {
            var study: String
            var objective: String
            var direction: Direction
            var constraints: [String]
            var against: SecondaryObjective
            var candidates: Int
            var front: [LeaderboardEntry]
        }
        return try json(Front(study: info.name, objective: view.objective.metric, direction: view.objective.direction,
                              constraints: view.objective.constraints.map(\.text), against: view.against,
                              candidates: view.candidates, front: view.front))
    }

    /// Pretty, key-sorted JSON with non-finite numbers as `"nan"`, `"inf"`, `"-inf"`.
    static func json(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return String(decoding: try encoder.encode(value), as: UTF8.self) + "\n"
    }

    /// One journal entry as a line: `time a1 worker stream: text` for one trial, with the trial
    /// number in front when several trials are interleaved.
    static func entry(_ e: JournalEntry, showTrial: Bool) -> String {
        var line = TimeText.iso(e.time)
        if showTrial { line += e.trial.map { " trial \($0)" } ?? " study" }
        if e.trial != nil { line += " a\(e.attempt ?? 0) \(e.worker ?? "-")" }
        if let decision = e.decision {
            line += " == \(decision.rawValue)"
            if !e.text.isEmpty { line += ": \(e.text)" }
        } else if e.stream == .metrics {
            line += " metrics: " + metricLineText(e.text)
        } else {
            line += " \(e.stream?.rawValue ?? "stdout"): \(e.text)"
        }
        return line
    }

    /// A metric line `{"epoch": 3, "acc": 0.812345}` as `epoch 3  acc 0.8123` (the text as it is
    /// when it is not such a line).
    static func metricLineText(_ json: String) -> String {
        guard let object = try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any] else { return json }
        var parts: [String] = []
        if let epoch = object["epoch"] as? NSNumber { parts.append("epoch \(number(epoch.doubleValue))") }
        for key in object.keys.sorted() where key != "epoch" {
            if let n = object[key] as? NSNumber { parts.append("\(key) \(metric(n.doubleValue))") }
            else if let s = object[key] as? String { parts.append("\(key) \(s)") }
        }
        return parts.joined(separator: "  ")
    }
}
