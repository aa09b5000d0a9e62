// The study's figures as SVG strings, pure functions of a `StudySnapshot`: optimisation history
// with the incumbent, every trial's curve coloured by state with its rung decisions, the rung
// ladder, parallel coordinates, importances, the Pareto front, a confusion matrix and one trial's
// metrics. Leaves out the page around them (StudyPage) and reading the study (StudySnapshot).
import Foundation
import Search
import Store

/// SVG figures of a study.
public enum Charts {
    /// Objective value of each trial (at its highest rung) by trial number, coloured by state, with
    /// the incumbent: the best completed value so far (or the best at any rung before any completes).
    /// With `link`, each dot links to its trial's page.
    public static func history(_ s: StudySnapshot, link: ((TrialID) -> String)? = nil) -> String {
        let valued = s.trials.filter { $0.value.map { !$0.isNaN } ?? false }
        guard !valued.isEmpty else { return SVGText.empty("no results yet") }
        let values = valued.map { $0.value! }
        let ids = valued.map { Double($0.id.rawValue) }
        var f = PlotFrame(xDomain: Scale.padded(ids + [0]), yDomain: Scale.padded(values),
                          xLabel: "trial", yLabel: s.info.objective)
        f.xTickText = { String(Int($0)) }
        let completedOnly = valued.contains { $0.state == .completed }
        var body = ""
        // Incumbent as a step line.
        var best: Double?
        var steps: [(Double, Double)] = []
        for t in valued.sorted(by: { $0.id < $1.id }) where !completedOnly || t.state == .completed {
            let v = t.value!
            if best == nil || s.loss(v) < s.loss(best!) {
                if let b = best { steps.append((f.x(Double(t.id.rawValue)), f.y(b))) }
                best = v
                steps.append((f.x(Double(t.id.rawValue)), f.y(v)))
            }
        }
        if let b = best, let maxID = ids.max() { steps.append((f.x(maxID), f.y(b))) }
        if steps.count > 1 { body += SVGText.polyline(steps, stroke: Palette.incumbent, width: 2, cssClass: "incumbent") }
        for t in valued {
            let r = 3 + Double(t.rung ?? 0) * 1.2
            if let link { body += "<a href=\"\(link(t.id))\">" }
            defer { if link != nil { body += "</a>" } }
            body += SVGText.dot(f.x(Double(t.id.rawValue)), f.y(t.value!), r: r, fill: Palette.state(t.state),
                                tip: "trial \(t.id) · \(t.state.rawValue) · rung \(t.rung ?? 0) · \(s.info.objective) \(ViewFormat.metric(t.value))")
        }
        let label = completedOnly ? "best completed" : "best so far"
        return f.svg(body, title: "optimisation history", legend: [(label, Palette.incumbent)] + Palette.stateLegend.prefix(4))
    }

    /// The decision a trial met at each rung it reached.
    enum RungMarker { case promoted, paused, stopped, completed, failed }

    static func markers(_ t: StoredTrial) -> [(rung: Int, marker: RungMarker)] {
        guard let top = t.rung else { return [] }
        return (0...top).map { k in
            if k < top { return (k, .promoted) }
            switch t.state {
            case .paused: return (k, .paused)
            case .stopped: return (k, .stopped)
            case .completed: return (k, .completed)
            case .failed: return (k, .failed)
            default: return (k, .promoted)  // running, queued or promoted past this rung
            }
        }
    }

    /// Every trial's curve of the objective metric by epoch, coloured by state; at each rung a
    /// marker shows the decision (▲ promoted, ● paused waiting, ✕ stopped, ★ completed).
    /// With `link`, each curve links to its trial's page.
    public static func curves(_ s: StudySnapshot, highlight: TrialID? = nil, link: ((TrialID) -> String)? = nil) -> String {
        let all = s.curves.values.flatMap { $0 }
        guard !all.isEmpty else { return SVGText.empty("no learning curves yet") }
        let rungs = s.rungResources
        let maxEpoch = max(Double(all.map(\.epoch).max() ?? 1), rungs.last ?? 1)
        let f = PlotFrame(xDomain: (0, maxEpoch * 1.02), yDomain: Scale.padded(all.map(\.value)),
                          xLabel: s.resourceName, yLabel: s.info.objective)
        var body = ""
        for (k, r) in rungs.enumerated() {
            let x = SVGText.n(f.x(r))
            body += "<line class=\"rungline\" x1=\"\(x)\" x2=\"\(x)\" y1=\"\(SVGText.n(f.top))\" y2=\"\(SVGText.n(f.height - f.bottom))\"/>"
            body += "<text class=\"runglabel\" x=\"\(x)\" y=\"\(SVGText.n(f.top + 10))\" text-anchor=\"middle\">r\(k)</text>"
        }
        let byID = Dictionary(uniqueKeysWithValues: s.trials.map { ($0.id, $0) })
        // Stopped and failed first, so live and promoted curves are drawn on top.
        let order: [TrialStatus: Int] = [.stopped: 0, .failed: 0, .queued: 1, .paused: 2, .promoted: 3, .completed: 4, .leased: 5, .running: 5]
        let ids = s.curves.keys.sorted { a, b in
            let oa = order[byID[a]?.state ?? .queued] ?? 0, ob = order[byID[b]?.state ?? .queued] ?? 0
            return oa != ob ? oa < ob : a < b
        }
        for id in ids {
            let pts = s.curves[id]!
            let state = byID[id]?.state ?? .running
            let colour = Palette.state(state)
            let hl = highlight == id
            let line = pts.map { (f.x(Double($0.epoch)), f.y($0.value)) }
            if let link { body += "<a href=\"\(link(id))\">" }
            body += "<g class=\"curve\" data-trial=\"\(id)\"><title>trial \(id) · \(state.rawValue)</title>"
            body += SVGText.polyline(line, stroke: colour, width: hl ? 3 : 1.6, opacity: state == .stopped ? 0.55 : 0.9)
            if let t = byID[id] {
                for (k, m) in markers(t) where k < rungs.count {
                    let epoch = Int(rungs[k].rounded())
                    guard let p = pts.last(where: { $0.epoch <= epoch }) else { continue }
                    body += marker(m, f.x(Double(p.epoch)), f.y(p.value), colour)
                }
            }
            body += "</g>"
            if link != nil { body += "</a>" }
        }
        return f.svg(body, title: "intermediate values", legend: Palette.stateLegend)
    }

    static func marker(_ m: RungMarker, _ x: Double, _ y: Double, _ colour: String) -> String {
        let (X, Y) = (SVGText.n(x), SVGText.n(y))
        switch m {
        case .promoted:
            return "<path d=\"M\(SVGText.n(x - 4)) \(SVGText.n(y + 3.5))L\(X) \(SVGText.n(y - 4))L\(SVGText.n(x + 4)) \(SVGText.n(y + 3.5))Z\" fill=\"\(colour)\" class=\"m-promoted\"/>"
        case .paused:
            return "<circle cx=\"\(X)\" cy=\"\(Y)\" r=\"3.5\" fill=\"#fff\" stroke=\"\(colour)\" stroke-width=\"1.8\" class=\"m-paused\"/>"
        case .stopped, .failed:
            return "<path d=\"M\(SVGText.n(x - 3.5)) \(SVGText.n(y - 3.5))L\(SVGText.n(x + 3.5)) \(SVGText.n(y + 3.5))M\(SVGText.n(x - 3.5)) \(SVGText.n(y + 3.5))L\(SVGText.n(x + 3.5)) \(SVGText.n(y - 3.5))\" stroke=\"\(colour)\" stroke-width=\"2\" class=\"m-stopped\"/>"
        case .completed:
            return "<circle cx=\"\(X)\" cy=\"\(Y)\" r=\"4.5\" fill=\"\(colour)\" stroke=\"#fff\" stroke-width=\"1.5\" class=\"m-completed\"/>"
        }
    }

    /// How many trials reached each rung and what became of them there.
    public struct LadderRow: Sendable, Equatable {
        /// Rung index.
        public var rung: Int
        /// Resource at the rung.
        public var resource: Double
        /// Trials with a result at this rung.
        public var reached: Int
        /// Of those, promoted past it (resumed, running or done at a higher rung).
        public var promoted: Int
        /// Paused here, waiting for a decision.
        public var waiting: Int
        /// Stopped here.
        public var stopped: Int
        /// Completed here (the last rung, or the study ended).
        public var completed: Int
        /// Failed after this rung.
        public var failed: Int
    }

    /// The ladder's rows, rung 0 first.
    public static func ladderRows(_ s: StudySnapshot) -> [LadderRow] {
        let rungs = s.rungResources
        let top = max(rungs.count - 1, s.trials.compactMap(\.rung).max() ?? -1)
        guard top >= 0 else { return [] }
        return (0...top).map { k in
            var row = LadderRow(rung: k, resource: k < rungs.count ? rungs[k] : .nan, reached: 0, promoted: 0,
                                waiting: 0, stopped: 0, completed: 0, failed: 0)
            for t in s.trials {
                guard let r = t.rung, r >= k else { continue }
                row.reached += 1
                if r > k { row.promoted += 1; continue }
                switch t.state {
                case .paused: row.waiting += 1
                case .stopped: row.stopped += 1
                case .completed: row.completed += 1
                case .failed: row.failed += 1
                default: row.promoted += 1
                }
            }
            return row
        }
    }

    /// The rung ladder: one bar per rung, split into promoted, waiting, stopped, completed, failed.
    public static func ladder(_ s: StudySnapshot) -> String {
        let rows = ladderRows(s)
        let running = s.trials.filter { $0.rung == nil && ($0.state == .running || $0.state == .leased) }.count
        let queued = s.trials.filter { $0.rung == nil && $0.state == .queued }.count
        guard !rows.isEmpty else { return SVGText.empty("no rungs yet") }
        let width = 560.0, rowH = 30.0, left = 118.0, right = 36.0
        let height = 34 + rowH * Double(rows.count) + 22
        let most = Double(max(rows.map(\.reached).max() ?? 1, s.trials.count, 1))
        let unit = (width - left - right) / most
        var svg = SVGText.open(width: width, height: height, title: "rung ladder")
        let parts: [(String, String, KeyPath<LadderRow, Int>)] = [
            ("promoted", Palette.state(.promoted), \.promoted), ("waiting", Palette.state(.paused), \.waiting),
            ("stopped", Palette.state(.stopped), \.stopped), ("completed", Palette.state(.completed), \.completed),
            ("failed", Palette.state(.failed), \.failed),
        ]
        var lx = left
        for (label, colour, _) in parts {
            svg += "<rect x=\"\(SVGText.n(lx))\" y=\"6\" width=\"10\" height=\"10\" rx=\"2\" fill=\"\(colour)\"/>"
            svg += "<text class=\"legend\" x=\"\(SVGText.n(lx + 14))\" y=\"15\">\(label)</text>"
            lx += 24 + Double(label.count) * 6.4
        }
        for (i, row) in rows.reversed().enumerated() {
            let y = 28 + Double(i) * rowH
            let res = row.resource.isNaN ? "" : " · \(ViewFormat.sig(row.resource)) \(s.resourceName)"
            svg += "<text class=\"tick\" x=\"\(SVGText.n(left - 8))\" y=\"\(SVGText.n(y + rowH / 2))\" text-anchor=\"end\" dominant-baseline=\"middle\">rung \(row.rung)\(ViewFormat.escape(res))</text>"
            var x = left
            for (label, colour, key) in parts where row[keyPath: key] > 0 {
                let w = Double(row[keyPath: key]) * unit
                svg += "<rect class=\"bar\" x=\"\(SVGText.n(x))\" y=\"\(SVGText.n(y + 3))\" width=\"\(SVGText.n(max(w - 1, 1)))\" height=\"\(SVGText.n(rowH - 8))\" fill=\"\(colour)\"><title>rung \(row.rung): \(row[keyPath: key]) \(label)</title></rect>"
                if w > 18 {
                    svg += "<text class=\"barlabel\" x=\"\(SVGText.n(x + w / 2))\" y=\"\(SVGText.n(y + rowH / 2 + 1))\" text-anchor=\"middle\" dominant-baseline=\"middle\">\(row[keyPath: key])</text>"
                }
                x += w
            }
            svg += "<text class=\"tick\" x=\"\(SVGText.n(x + 5))\" y=\"\(SVGText.n(y + rowH / 2))\" dominant-baseline=\"middle\">\(row.reached)</text>"
        }
        svg += "<text class=\"legend\" x=\"\(SVGText.n(left))\" y=\"\(SVGText.n(height - 8))\">before rung 0: \(running) running, \(queued) queued · \(s.trials.count) trials in all</text>"
        return svg + "</svg>"
    }

    /// Parallel coordinates: one axis per searched parameter and one for the objective; each trial
    /// with a value is a line coloured by its value (darker is better).
    public static func parallel(_ s: StudySnapshot) -> String {
        let params = (s.study?.space.parameters ?? []).filter(\.isFree)
        let valued = s.trials.filter { $0.value.map { !$0.isNaN } ?? false }
        guard !params.isEmpty, !valued.isEmpty else { return SVGText.empty("no results to compare yet") }
        let width = 560.0, height = 300.0, top = 28.0, bottom = 40.0, left = 40.0, right = 56.0
        let axes = params.count + 1
        let step = (width - left - right) / Double(max(axes - 1, 1))
        func ax(_ i: Int) -> Double { left + Double(i) * step }
        let yAxis = Scale(lo: 0, hi: 1, from: height - bottom, to: top)
        func unit(_ p: Parameter, _ v: ParameterValue?) -> Double? {
            guard let v else { return nil }
            if case .categorical(let c) = p.domain { return c.count > 1 ? p.toUnit(v) / Double(c.count - 1) : 0.5 }
            return min(max(p.toUnit(v), 0), 1)
        }
        let values = valued.map { $0.value! }
        let (vlo, vhi) = (values.min()!, values.max()!)
        let vScale = Scale(lo: vlo, hi: vhi == vlo ? vlo + 1 : vhi, from: height - bottom, to: top)
        let losses = values.map(s.loss)
        let (llo, lhi) = (losses.min()!, losses.max()!)
        var svg = SVGText.open(width: width, height: height, title: "parallel coordinates")
        let sorted = valued.sorted { s.loss($0.value!) > s.loss($1.value!) }  // best drawn last
        for t in sorted {
            var pts: [(Double, Double)] = []
            for (i, p) in params.enumerated() {
                if let u = unit(p, t.config[p.name]) { pts.append((ax(i), yAxis(u))) }
            }
            pts.append((ax(params.count), vScale(t.value!)))
            let good = lhi > llo ? (lhi - s.loss(t.value!)) / (lhi - llo) : 1
            svg += "<g class=\"pc\"><title>trial \(t.id): \(ViewFormat.escape(configText(t.config))) → \(ViewFormat.metric(t.value))</title>"
            svg += SVGText.polyline(pts, stroke: Palette.ramp(good), width: 1.6, opacity: 0.85) + "</g>"
        }
        for (i, p) in params.enumerated() {
            let x = SVGText.n(ax(i))
            svg += "<line class=\"paxis\" x1=\"\(x)\" x2=\"\(x)\" y1=\"\(SVGText.n(top))\" y2=\"\(SVGText.n(height - bottom))\"/>"
            svg += "<text class=\"axis\" x=\"\(x)\" y=\"\(SVGText.n(height - bottom + 18))\" text-anchor=\"middle\">\(ViewFormat.escape(p.name))</text>"
            for (u, label) in axisLabels(p) {
                svg += "<text class=\"tick\" x=\"\(SVGText.n(ax(i) + 4))\" y=\"\(SVGText.n(yAxis(u)))\" dominant-baseline=\"middle\">\(ViewFormat.escape(label))</text>"
            }
        }
        let x = SVGText.n(ax(params.count))
        svg += "<line class=\"paxis\" x1=\"\(x)\" x2=\"\(x)\" y1=\"\(SVGText.n(top))\" y2=\"\(SVGText.n(height - bottom))\"/>"
        svg += "<text class=\"axis\" x=\"\(x)\" y=\"\(SVGText.n(height - bottom + 18))\" text-anchor=\"middle\">\(ViewFormat.escape(s.info.objective))</text>"
        for v in [vlo, vhi] {
            svg += "<text class=\"tick\" x=\"\(SVGText.n(ax(params.count) + 4))\" y=\"\(SVGText.n(vScale(v)))\" dominant-baseline=\"middle\">\(ViewFormat.metric(v))</text>"
        }
        return svg + "</svg>"
    }

    /// Tick labels of a parameter's axis at unit positions.
    static func axisLabels(_ p: Parameter) -> [(Double, String)] {
        switch p.domain {
        case .uniform(let lo, let hi), .logUniform(let lo, let hi):
            return [(0, ViewFormat.sig(lo)), (1, ViewFormat.sig(hi))]
        case .integer(let lo, let hi, _, _):
            return [(min(max(p.toUnit(.int(lo)), 0), 1), String(lo)), (min(max(p.toUnit(.int(hi)), 0), 1), String(hi))]
        case .categorical(let c):
            return c.enumerated().map { (c.count > 1 ? Double($0.offset) / Double(c.count - 1) : 0.5, $0.element.shortText) }
        case .fixed(let v):
            return [(0.5, v.shortText)]
        }
    }

    /// Horizontal bars of importances (they sum to 1).
    public static func importance(_ result: ImportanceResult?) -> String {
        guard let result, !result.importances.isEmpty else {
            return SVGText.empty("importances need at least \(ImportanceResult.minimumTrials) trials with a result at one rung")
        }
        let rows = result.importances
        let width = 560.0, rowH = 26.0, left = 130.0, right = 60.0
        let height = 20 + rowH * Double(rows.count) + 24
        let unit = (width - left - right) / max(rows.map(\.importance).max() ?? 1, 1e-9)
        var svg = SVGText.open(width: width, height: height, title: "parameter importances")
        for (i, r) in rows.enumerated() {
            let y = 12 + Double(i) * rowH
            let w = max(r.importance * unit, 1)
            svg += "<text class=\"tick\" x=\"\(SVGText.n(left - 8))\" y=\"\(SVGText.n(y + rowH / 2))\" text-anchor=\"end\" dominant-baseline=\"middle\">\(ViewFormat.escape(r.name))</text>"
            svg += "<rect class=\"bar\" x=\"\(SVGText.n(left))\" y=\"\(SVGText.n(y + 4))\" width=\"\(SVGText.n(w))\" height=\"\(SVGText.n(rowH - 8))\" fill=\"#1a73e8\"/>"
            svg += "<text class=\"tick\" x=\"\(SVGText.n(left + w + 5))\" y=\"\(SVGText.n(y + rowH / 2))\" dominant-baseline=\"middle\">\(String(format: "%.2f", r.importance))</text>"
        }
        svg += "<text class=\"legend\" x=\"\(SVGText.n(left))\" y=\"\(SVGText.n(height - 8))\">\(ViewFormat.escape(result.note))</text>"
        return svg + "</svg>"
    }

    /// The objective against the second metric for finished, feasible trials; the front is joined
    /// by a step line.
    public static func pareto(_ s: StudySnapshot) -> String {
        let v = s.pareto
        let metric = v.against.metric
        let eligible = s.leaderboard.filter { e in
            e.state == .completed && e.feasible && !e.value.isNaN && !(e.metrics[metric]?.isNaN ?? true)
        }
        guard !eligible.isEmpty else {
            return SVGText.empty("no completed trial reports both \(s.info.objective) and \(metric) yet")
        }
        let f = PlotFrame(xDomain: Scale.padded(eligible.map { $0.metrics[metric]! }),
                          yDomain: Scale.padded(eligible.map(\.value)),
                          xLabel: "\(metric) (\(v.against.direction == .minimize ? "lower" : "higher") is better)",
                          yLabel: s.info.objective)
        var body = ""
        let front = v.front.sorted { $0.metrics[metric]! < $1.metrics[metric]! }
        if front.count > 1 {
            var pts: [(Double, Double)] = []
            for (i, e) in front.enumerated() {
                let p = (f.x(e.metrics[metric]!), f.y(e.value))
                if i > 0 { pts.append((p.0, pts.last!.1)) }
                pts.append(p)
            }
            body += SVGText.polyline(pts, stroke: Palette.incumbent, width: 1.8, dash: "5 3")
        }
        let onFront = Set(v.front.map(\.trial))
        for e in eligible {
            let isFront = onFront.contains(e.trial)
            body += SVGText.dot(f.x(e.metrics[metric]!), f.y(e.value), r: isFront ? 5 : 3.5,
                                fill: isFront ? Palette.incumbent : "#9aa0a6", stroke: isFront ? "#fff" : nil,
                                tip: "trial \(e.trial): \(s.info.objective) \(ViewFormat.metric(e.value)), \(metric) \(ViewFormat.metric(e.metrics[metric]))")
        }
        return f.svg(body, title: "Pareto front", legend: [("on the front (\(v.front.count))", Palette.incumbent), ("dominated", "#9aa0a6")])
    }

    /// A confusion matrix as a heat map (rows: true class, columns: predicted).
    public static func confusion(_ report: ClassReport) -> String {
        let n = report.confusion.count
        guard n > 0 else { return SVGText.empty("no confusion matrix") }
        let cell = n > 12 ? 22.0 : 36.0
        let longest = Double(report.classNames.map { min($0.count, 14) }.max() ?? 4)
        let left = 30 + longest * 6.5, top = 28 + longest * 4.8
        let width = left + cell * Double(n) + 40, height = top + cell * Double(n) + 10
        let most = Double(report.confusion.flatMap { $0 }.max() ?? 1)
        var svg = SVGText.open(width: width, height: height, title: "confusion matrix", natural: true)
        svg += "<text class=\"axis\" x=\"\(SVGText.n(left + cell * Double(n) / 2))\" y=\"14\" text-anchor=\"middle\">predicted</text>"
        svg += "<text class=\"axis\" transform=\"translate(12 \(SVGText.n(top + cell * Double(n) / 2))) rotate(-90)\" text-anchor=\"middle\">true</text>"
        for (j, name) in report.classNames.enumerated() {
            let x = left + cell * (Double(j) + 0.5)
            svg += "<text class=\"tick\" transform=\"translate(\(SVGText.n(x)) \(SVGText.n(top - 6))) rotate(-45)\">\(ViewFormat.escape(String(name.prefix(14))))</text>"
        }
        for (i, row) in report.confusion.enumerated() {
            let y = top + cell * Double(i)
            let name = i < report.classNames.count ? report.classNames[i] : String(i)
            svg += "<text class=\"tick\" x=\"\(SVGText.n(left - 6))\" y=\"\(SVGText.n(y + cell / 2))\" text-anchor=\"end\" dominant-baseline=\"middle\">\(ViewFormat.escape(String(name.prefix(16))))</text>"
            for (j, c) in row.enumerated() {
                let t = most > 0 ? Double(c) / most : 0
                svg += "<rect x=\"\(SVGText.n(left + cell * Double(j)))\" y=\"\(SVGText.n(y))\" width=\"\(SVGText.n(cell - 1))\" height=\"\(SVGText.n(cell - 1))\" fill=\"\(Palette.ramp(t))\"><title>true \(ViewFormat.escape(name)), predicted \(j < report.classNames.count ? ViewFormat.escape(report.classNames[j]) : String(j)): \(c)</title></rect>"
                svg += "<text class=\"\(t > 0.5 ? "cellhi" : "cell")\" x=\"\(SVGText.n(left + cell * (Double(j) + 0.5)))\" y=\"\(SVGText.n(y + cell / 2))\" text-anchor=\"middle\" dominant-baseline=\"middle\">\(c)</text>"
            }
        }
        return svg + "</svg>"
    }

    /// One trial's metrics by epoch, one small chart per metric (at most `limit`).
    public static func trialMetrics(_ rows: [ExportRow], limit: Int = 6) -> [String] {
        let names = Set(rows.flatMap { $0.metrics.keys }).sorted()
        return names.prefix(limit).compactMap { name in
            let pts = rows.compactMap { r in r.metrics[name].map { (Double(r.epoch), $0) } }.sorted { $0.0 < $1.0 }
            guard !pts.isEmpty else { return nil }
            let f = PlotFrame(xDomain: (0, max(pts.last!.0, 1) * 1.02), yDomain: Scale.padded(pts.map(\.1)),
                              xLabel: "epoch", yLabel: name, width: 360, height: 200)
            let line = pts.map { (f.x($0.0), f.y($0.1)) }
            var body = SVGText.polyline(line, stroke: "#1a73e8", width: 2)
            for (p, (_, v)) in zip(line, pts) { body += SVGText.dot(p.0, p.1, r: 3, fill: "#1a73e8", tip: "\(name) \(ViewFormat.metric(v))") }
            return f.svg(body, title: name)
        }
    }

    /// `lr=0.01 layers=2`, keys sorted, numbers to 4 significant digits.
    static func configText(_ config: Configuration) -> String {
        config.keys.sorted().map { "\($0)=\(config[$0]!.shortText)" }.joined(separator: " ")
    }
}
