// Terminal text of the study clients: status, trial table, leaderboard, journal lines. Pure
// functions of the read models, shared by the offline (`--dir`) and live (`--connect`) modes.
// Leaves out colour and terminal width: columns are padded plain text.
import Foundation
import Search
import Store

enum StudyText {
    /// A number for a table: up to 6 significant digits, `nan` for NaN.
    static func number(_ v: Double?) -> String {
        guard let v else { return "-" }
        if v.isNaN { return "nan" }
        if v == v.rounded(), abs(v) < 1e15 { return String(Int(v)) }
        return String(format: "%.6g", v)
    }

    /// `lr=0.01 layers=2 opt=adam`, keys sorted.
    static func config(_ config: Configuration) -> String {
        config.keys.sorted().map { "\($0)=\(config[$0]!)" }.joined(separator: " ")
    }

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
        }
        out += "\n"
        if let best = s.best {
            out += "Best so far: trial \(best.trial), \(s.info.objective) \(number(best.value)) at rung \(best.rung) "
            out += "(resource \(number(best.resource))), \(config(best.config))\n"
        } else {
            out += "Best so far: no rung result yet.\n"
        }
        return out
    }

    /// `rung trials`.
    static func trials(_ trials: [StoredTrial]) -> String {
        if trials.isEmpty { return "No trials yet.\n" }
        return table(["trial", "state", "bracket", "rung", "resource", "value", "attempt", "worker", "config"], trials.map { t in
            [String(t.id.rawValue), t.state.rawValue + (t.error.map { " (\($0.prefix(40)))" } ?? ""), String(t.bracket),
             t.rung.map(String.init) ?? "-", number(t.resource), number(t.value), String(t.attempt), t.worker ?? "-",
             config(t.config)]
        })
    }

    /// `rung best` as a table.
    static func leaderboard(_ entries: [LeaderboardEntry], info: StudyInfo) -> String {
        if entries.isEmpty { return "No rung result yet: nothing to rank.\n" }
        return "Best trials of \(info.name) by \(info.objective) (\(info.direction.rawValue)), highest rung first:\n"
            + table(["#", "trial", info.objective, "rung", "resource", "state", "config"], entries.enumerated().map { i, e in
                [String(i + 1), String(e.trial.rawValue), number(e.value), String(e.rung), number(e.resource),
                 e.state.rawValue, config(e.config)]
            })
    }

    /// `rung best --json`: one object for the best trial.
    static func bestJSON(_ entry: LeaderboardEntry?, info: StudyInfo) throws -> String {
        struct Best: Encodable {
            var study: String
            var objective: String
            var direction: Direction
            var best: LeaderboardEntry?
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        let data = try encoder.encode(Best(study: info.name, objective: info.objective, direction: info.direction, best: entry))
        return String(decoding: data, as: UTF8.self) + "\n"
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
        } else {
            line += " \(e.stream?.rawValue ?? "stdout"): \(e.text)"
        }
        return line
    }
}
