// The HTML around the figures: the dashboard page (panels that Server-Sent Events replace), a
// trial's page, and the self-contained report. Pure: strings from snapshots, no I/O, no URLs to
// anywhere else (styles inline, charts inline SVG, the little script inline).
import Foundation
import Search
import Store

/// What a trial's page shows beyond its row: its metrics by epoch, per-class report and log tail.
public struct TrialDetail: Sendable {
    /// The trial.
    public var trial: StoredTrial
    /// Its export rows (metrics by epoch).
    public var rows: [ExportRow]
    /// Its per-class report, if the trial sent one.
    public var classReport: StoredClassReport?
    /// The last journal entries of the trial (log lines and decisions).
    public var logTail: [JournalEntry]

    /// Makes a detail.
    public init(trial: StoredTrial, rows: [ExportRow], classReport: StoredClassReport?, logTail: [JournalEntry]) {
        self.trial = trial; self.rows = rows; self.classReport = classReport; self.logTail = logTail
    }

    /// Reads a trial's detail; nil if the study has no such trial.
    public static func read(_ id: TrialID, from reader: any StudyReading, tail: Int = 40) async throws -> TrialDetail? {
        guard let trial = try await reader.trial(id) else { return nil }
        let rows = try await reader.exportRows(allAttempts: false).filter { $0.trial == id }
        let report = try await reader.classReport(id)
        let logs = try await reader.logs(LogQuery(trial: id, limit: 10_000, tail: tail, includeDecisions: true))
        return TrialDetail(trial: trial, rows: rows, classReport: report, logTail: logs.entries)
    }
}

/// Pages of a study.
public enum StudyPage {
    /// One replaceable part of the dashboard: element id and its inner HTML.
    public struct Panel: Sendable, Equatable, Codable {
        /// The element id (`p-history`).
        public var id: String
        /// Inner HTML.
        public var html: String
    }

    /// The dashboard's panels for `s` (importances computed by the caller, who may cache them).
    /// `link` gives the address of a trial's page; with `chartLinks`, the history's dots and the
    /// curves link there too (the report has pages for its best trials only, so it leaves them out).
    public static func panels(_ s: StudySnapshot, importance: ImportanceResult?, now: Double,
                              link: @escaping (TrialID) -> String = { "trial/\($0)" }, chartLinks: Bool = true) -> [Panel] {
        let chartLink = chartLinks ? link : nil
        return [
            Panel(id: "p-head", html: head(s, now: now)),
            Panel(id: "p-history", html: card("Optimisation history", Charts.history(s, link: chartLink),
                                              "Each trial's \(s.info.objective) at its highest rung; the line is the incumbent.")),
            Panel(id: "p-curves", html: card("Intermediate values", Charts.curves(s, link: chartLink),
                                             "Every trial's curve, coloured by state; at each rung ▲ promoted, ○ waiting, ✕ stopped, ● completed.")),
            Panel(id: "p-ladder", html: card("Rung ladder", Charts.ladder(s), "Trials with a result at each rung and what the scheduler decided there.")),
            Panel(id: "p-parallel", html: card("Parallel coordinates", Charts.parallel(s), "Darker lines are better trials.")),
            Panel(id: "p-importance", html: card("Parameter importances", Charts.importance(importance), nil)),
            Panel(id: "p-pareto", html: card("Pareto front", Charts.pareto(s),
                                             "\(s.info.objective) against \(s.pareto.against.metric): \(s.pareto.front.count) of \(s.pareto.candidates) finished trials are on the front.")),
            Panel(id: "p-best", html: card("Best trials", leaderboardTable(s, link: link), nil)),
            Panel(id: "p-workers", html: card("Workers", workersTable(s, now: now), nil)),
            Panel(id: "p-events", html: card("Latest decisions", decisionsList(s, link: link), nil)),
        ]
    }

    /// The live dashboard: the panels plus a script that replaces them from `/events`.
    public static func dashboard(_ s: StudySnapshot, importance: ImportanceResult?, now: Double, version: Int) -> String {
        let ps = panels(s, importance: importance, now: now)
        var body = "<body data-version=\"\(version)\" data-sse-updates=\"0\">"
        body += "<header><div class=\"brand\">rung</div><div id=\"live\" class=\"live\">connecting…</div></header><main>"
        body += grid(ps)
        body += "</main>" + footer(s) + "<script>\(script)</script></body>"
        return document(title: "\(s.info.name) · rung", body: body)
    }

    /// A trial's page.
    public static func trialPage(_ d: TrialDetail, _ s: StudySnapshot, back: String? = "../") -> String {
        var body = "<body><header><div class=\"brand\">rung</div>"
        if let back { body += "<a class=\"back\" href=\"\(back)\">← \(ViewFormat.escape(s.info.name))</a>" }
        body += "</header><main>" + trialSection(d, s) + "</main></body>"
        return document(title: "trial \(d.trial.id) · \(s.info.name)", body: body)
    }

    /// The self-contained report: the dashboard's figures (no script, no links outside the file)
    /// and a section for each trial in `details`.
    public static func report(_ s: StudySnapshot, importance: ImportanceResult?, details: [TrialDetail], now: Double) -> String {
        let ps = panels(s, importance: importance, now: now, link: { "#trial-\($0)" }, chartLinks: false)
        var body = "<body><header><div class=\"brand\">rung</div><div class=\"live\">report · \(ViewFormat.clock(now))</div></header><main>"
        body += grid(ps)
        for d in details { body += trialSection(d, s) }
        body += "</main>" + footer(s) + "</body>"
        return document(title: "\(s.info.name) · rung report", body: body)
    }

    /// The trials the report shows in full: the best `count` on the leaderboard.
    public static func reportDetails(_ s: StudySnapshot, reader: any StudyReading, count: Int = 5) async throws -> [TrialDetail] {
        var out: [TrialDetail] = []
        for e in s.leaderboard.prefix(count) {
            if let d = try await TrialDetail.read(e.trial, from: reader) { out.append(d) }
        }
        return out
    }

    /// Reads a study and makes its self-contained report (what `rung report` writes).
    public static func report(from reader: any StudyReading, now: Double = Date().timeIntervalSince1970) async throws -> String {
        var decisions = DecisionLog()
        let s = try await StudySnapshot.read(from: reader, decisions: &decisions, now: now)
        let details = try await reportDetails(s, reader: reader)
        return report(s, importance: ForestImportance.of(s), details: details, now: now)
    }

    // MARK: - Parts

    static func grid(_ ps: [Panel]) -> String {
        var out = ""
        for p in ps {
            let cls = p.id == "p-head" ? "head" : (["p-best", "p-events"].contains(p.id) ? "card wide" : "card")
            out += "<section id=\"\(p.id)\" class=\"\(cls)\">\(p.html)</section>"
        }
        return "<div class=\"grid\">\(out)</div>"
    }

    static func card(_ title: String, _ content: String, _ caption: String?) -> String {
        var s = "<h2>\(ViewFormat.escape(title))</h2>"
        if let caption { s += "<p class=\"caption\">\(ViewFormat.escape(caption))</p>" }
        return s + content
    }

    static func head(_ s: StudySnapshot, now: Double) -> String {
        let done = s.finishedCount
        let planned = s.plannedTrials.map { "/\($0)" } ?? ""
        let running = s.trials.filter { $0.state == .running || $0.state == .leased }.count
        let healthy = s.summary.workers.filter { WorkerHealth.of($0, now: now) == .healthy }.count
        let best = s.best
        var out = "<div class=\"title\"><h1>\(ViewFormat.escape(s.info.name))</h1>"
        out += "<span class=\"badge s-\(s.info.state.rawValue)\">\(s.info.state.rawValue)</span>"
        out += "<span class=\"objective\">\(s.info.direction == .maximize ? "maximize" : "minimize") \(ViewFormat.escape(s.info.objective))</span></div>"
        out += "<div class=\"tiles\">"
        out += tile("trials done", "\(done)\(planned)", "\(s.trials.count) started", id: "t-done")
        out += tile("running", String(running), "\(s.trials.filter { $0.state == .queued || $0.state == .promoted }.count) waiting for a worker")
        out += tile("best \(s.info.objective)", ViewFormat.metric(best?.value),
                    best.map { "trial \($0.trial) · rung \($0.rung)" } ?? "no result yet", id: "t-best")
        out += tile("workers", "\(healthy)/\(s.summary.workers.count)", "healthy")
        out += tile("epoch reports", String(s.summary.reportCount), "\(s.summary.rungResultCount) rung results", id: "t-reports")
        out += "</div>"
        return out
    }

    static func tile(_ label: String, _ value: String, _ sub: String, id: String? = nil) -> String {
        let idAttr = id.map { " id=\"\($0)\"" } ?? ""
        return "<div class=\"tile\"\(idAttr)><div class=\"tlabel\">\(ViewFormat.escape(label))</div><div class=\"tvalue\">\(ViewFormat.escape(value))</div><div class=\"tsub\">\(ViewFormat.escape(sub))</div></div>"
    }

    static func leaderboardTable(_ s: StudySnapshot, link: (TrialID) -> String, limit: Int = 10) -> String {
        guard !s.leaderboard.isEmpty else { return "<p class=\"empty\">no results yet</p>" }
        let params = (s.study?.space.parameters.filter(\.isFree).map(\.name)) ?? Array(Set(s.leaderboard.flatMap { $0.config.keys })).sorted()
        var out = "<table class=\"trials\"><thead><tr><th>#</th><th>trial</th><th>state</th><th>rung</th><th>\(ViewFormat.escape(s.info.objective))</th>"
        for p in params { out += "<th>\(ViewFormat.escape(p))</th>" }
        out += "<th>worker</th></tr></thead><tbody>"
        for (i, e) in s.leaderboard.prefix(limit).enumerated() {
            out += "<tr class=\"trial-row\" data-trial=\"\(e.trial)\"><td>\(i + 1)</td><td><a href=\"\(link(e.trial))\">trial \(e.trial)</a></td>"
            out += "<td><span class=\"state\" style=\"background:\(Palette.state(e.state))\">\(e.state.rawValue)</span></td>"
            out += "<td>\(e.rung) · \(ViewFormat.sig(e.resource))</td><td class=\"num\">\(ViewFormat.metric(e.value))\(e.feasible ? "" : " <span class=\"infeasible\">infeasible</span>")</td>"
            for p in params { out += "<td class=\"num\">\(ViewFormat.escape(e.config[p]?.shortText ?? "–"))</td>" }
            out += "<td>\(ViewFormat.escape(e.worker ?? "–"))</td></tr>"
        }
        return out + "</tbody></table>"
    }

    static func workersTable(_ s: StudySnapshot, now: Double) -> String {
        guard !s.summary.workers.isEmpty else { return "<p class=\"empty\">no worker has connected</p>" }
        var out = "<table class=\"workers\"><thead><tr><th>worker</th><th>host</th><th>slots</th><th>health</th><th>last heartbeat</th><th>running</th></tr></thead><tbody>"
        for w in s.summary.workers {
            let health = WorkerHealth.of(w, now: now)
            let mine = s.trials.filter { $0.worker == w.id && ($0.state == .running || $0.state == .leased) }.map { "trial \($0.id)" }
            out += "<tr class=\"worker-row\"><td>\(ViewFormat.escape(w.name))</td><td>\(ViewFormat.escape(w.host))</td><td class=\"num\">\(w.slots)</td>"
            let why = w.note.map { " title=\"\(ViewFormat.escape($0))\"" } ?? ""
            out += "<td><span class=\"health h-\(health.rawValue)\"\(why)>\(health.rawValue)</span></td>"
            out += "<td>\(w.state == .active ? ViewFormat.duration(max(0, now - w.lastHeartbeat)) + " ago" : "–")</td>"
            out += "<td>\(ViewFormat.escape(mine.isEmpty ? "idle" : mine.joined(separator: ", ")))</td></tr>"
        }
        return out + "</tbody></table>"
    }

    static func decisionsList(_ s: StudySnapshot, link: (TrialID) -> String, limit: Int = 12) -> String {
        let recent = s.decisions.suffix(limit).reversed()
        guard !recent.isEmpty else { return "<p class=\"empty\">no decisions yet</p>" }
        var out = "<ul class=\"decisions\">"
        for e in recent {
            let kind = e.decision?.rawValue ?? "line"
            let who = e.trial.map { "<a href=\"\(link($0))\">trial \($0)</a> " } ?? ""
            out += "<li><span class=\"time\">\(ViewFormat.clock(e.time).dropFirst(11).prefix(8))</span> <span class=\"kind k-\(kind)\">\(kind)</span> \(who)\(ViewFormat.escape(e.text))</li>"
        }
        return out + "</ul>"
    }

    static func trialSection(_ d: TrialDetail, _ s: StudySnapshot) -> String {
        let t = d.trial
        var out = "<section class=\"trial\" id=\"trial-\(t.id)\"><h2>Trial \(t.id) <span class=\"state\" style=\"background:\(Palette.state(t.state))\">\(t.state.rawValue)</span></h2>"
        out += "<div class=\"cols\"><div><h3>Configuration</h3><table class=\"kv\">"
        for k in t.config.keys.sorted() { out += "<tr><th>\(ViewFormat.escape(k))</th><td>\(ViewFormat.escape(t.config[k]!.shortText))</td></tr>" }
        out += "</table><h3>Status</h3><table class=\"kv\">"
        out += "<tr><th>rung</th><td>\(t.rung.map(String.init) ?? "–") (\(ViewFormat.sig(t.resource)) \(ViewFormat.escape(s.resourceName)))</td></tr>"
        out += "<tr><th>\(ViewFormat.escape(s.info.objective))</th><td>\(ViewFormat.metric(t.value))</td></tr>"
        out += "<tr><th>attempt</th><td>\(t.attempt)</td></tr><tr><th>worker</th><td>\(ViewFormat.escape(t.worker ?? "–"))</td></tr>"
        for (k, v) in (t.metrics ?? [:]).sorted(by: { $0.key < $1.key }) where k != s.info.objective {
            out += "<tr><th>\(ViewFormat.escape(k))</th><td>\(ViewFormat.metric(v))</td></tr>"
        }
        if let e = t.error { out += "<tr><th>error</th><td class=\"error\">\(ViewFormat.escape(e))</td></tr>" }
        out += "</table></div><div class=\"metrics\">"
        let charts = Charts.trialMetrics(d.rows)
        out += charts.isEmpty ? "<p class=\"empty\">no metrics reported yet</p>" : charts.map { "<div class=\"small\">\($0)</div>" }.joined()
        out += "</div></div>"
        if let r = d.classReport {
            out += "<h3>Per-class report (\(ViewFormat.escape(r.report.split)), accuracy \(ViewFormat.metric(r.report.accuracy)))</h3><div class=\"cols\">"
            out += "<div class=\"perclass\"><table class=\"trials\"><thead><tr><th>class</th><th>precision</th><th>recall</th><th>f1</th><th>support</th></tr></thead><tbody>"
            for (i, name) in r.report.classNames.enumerated() {
                func at(_ a: [Double]) -> String { i < a.count ? ViewFormat.metric(a[i]) : "–" }
                out += "<tr><td>\(ViewFormat.escape(name))</td><td class=\"num\">\(at(r.report.precision))</td><td class=\"num\">\(at(r.report.recall))</td><td class=\"num\">\(at(r.report.f1))</td><td class=\"num\">\(i < r.report.support.count ? String(r.report.support[i]) : "–")</td></tr>"
            }
            out += "</tbody></table></div><div class=\"confusion\">\(Charts.confusion(r.report))</div></div>"
        } else {
            out += "<h3>Per-class report</h3><p class=\"empty\">this trial sent no per-class report</p>"
        }
        out += "<h3>Log tail</h3><pre class=\"log\">"
        for e in d.logTail {
            let tag = e.decision.map { "[\($0.rawValue)] " } ?? (e.stream == .stderr ? "! " : "")
            out += ViewFormat.escape(tag + e.text) + "\n"
        }
        return out + "</pre></section>"
    }

    static func footer(_ s: StudySnapshot) -> String {
        "<footer>study created \(ViewFormat.clock(s.info.created)) · read \(ViewFormat.clock(s.taken)) · \(s.summary.engineEventCount) engine events · \(s.summary.lineCount) log lines</footer>"
    }

    static func document(title: String, body: String) -> String {
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>\(ViewFormat.escape(title))</title><style>\(css)</style></head>\(body)</html>"
    }

    /// Replaces panels from the `snapshot` events of `/events`; counts updates on `<body>`. The
    /// page's own `?limit=N` / `?seconds=S` are passed on, so a headless render can ask for a
    /// stream that ends (`end` event) and leaves the network idle.
    static let script = """
    (function(){
      var live = document.getElementById('live'), n = 0;
      if (!window.EventSource) { live.textContent = 'no live updates in this browser'; return; }
      var q = new URLSearchParams(location.search), p = [];
      ['limit', 'seconds'].forEach(function (k) { if (q.get(k)) p.push(k + '=' + encodeURIComponent(q.get(k))); });
      var es = new EventSource('events' + (p.length ? '?' + p.join('&') : ''));
      es.addEventListener('snapshot', function (e) {
        var d = JSON.parse(e.data);
        d.panels.forEach(function (x) { var el = document.getElementById(x.id); if (el) el.innerHTML = x.html; });
        n += 1;
        document.body.dataset.sseUpdates = String(n);
        document.body.dataset.version = String(d.version);
        live.textContent = 'live · update ' + n + ' · ' + d.time;
        live.className = 'live on';
      });
      es.addEventListener('end', function () { es.close(); live.textContent += ' · stream ended'; });
      es.onerror = function () { live.textContent = 'reconnecting…'; live.className = 'live off'; };
    })();
    """

    static let css = """
    *{box-sizing:border-box}body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:#202124;background:#f1f3f4}
    header{display:flex;align-items:center;gap:16px;padding:10px 24px;background:#202124;color:#fff}
    .brand{font-weight:700;letter-spacing:.08em;text-transform:uppercase;font-size:13px}
    .live{margin-left:auto;font-size:12px;color:#bdc1c6}.live.on::before{content:"●";color:#34a853;margin-right:6px}.live.off::before{content:"●";color:#ea4335;margin-right:6px}
    a{color:#1a73e8;text-decoration:none}a:hover{text-decoration:underline}.back{color:#8ab4f8}
    main{padding:16px 24px;max-width:1500px;margin:0 auto}
    .grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(560px,1fr));gap:16px}
    .head{grid-column:1/-1}.wide{grid-column:1/-1}
    .title{display:flex;align-items:baseline;gap:12px;margin:4px 0 12px}h1{font-size:22px;margin:0}
    .objective{color:#5f6368}.badge{font-size:12px;padding:2px 8px;border-radius:10px;background:#e8f0fe;color:#1967d2}
    .badge.s-completed{background:#e6f4ea;color:#137333}.badge.s-stopped{background:#fce8e6;color:#c5221f}.badge.s-paused,.badge.s-draining{background:#fef7e0;color:#b06000}
    .tiles{display:grid;grid-template-columns:repeat(auto-fit,minmax(170px,1fr));gap:12px}
    .tile{background:#fff;border-radius:8px;padding:10px 14px;box-shadow:0 1px 2px rgba(60,64,67,.15)}
    .tlabel{font-size:12px;color:#5f6368}.tvalue{font-size:24px;font-weight:600;font-variant-numeric:tabular-nums}.tsub{font-size:12px;color:#80868b}
    .card,.trial{background:#fff;border-radius:8px;padding:12px 16px;box-shadow:0 1px 2px rgba(60,64,67,.15);min-width:0}
    .trial{margin-top:16px}
    h2{font-size:15px;margin:0 0 2px}h3{font-size:13px;margin:14px 0 6px;color:#3c4043}.caption{margin:0 0 6px;color:#5f6368;font-size:12px}
    svg.chart{width:100%;height:auto;display:block}.small svg.chart{max-width:360px}
    .grid line.grid,line.grid{stroke:#e8eaed}.frame{fill:none;stroke:#dadce0}
    text{font-family:inherit}.tick{font-size:10px;fill:#5f6368}.axis{font-size:11px;fill:#3c4043}.legend{font-size:10.5px;fill:#3c4043}
    .empty{fill:#80868b;color:#80868b;font-size:13px}.rungline{stroke:#bdc1c6;stroke-dasharray:3 3}.runglabel{font-size:9.5px;fill:#80868b}
    .paxis{stroke:#5f6368;stroke-width:1}.barlabel{font-size:10.5px;fill:#fff;font-weight:600}.cell{font-size:11px;fill:#202124}.cellhi{font-size:11px;fill:#fff}
    .curve:hover polyline{stroke-width:3.5}.pc:hover polyline{stroke:#e8710a;stroke-width:3}
    table{border-collapse:collapse;width:100%;font-size:12.5px}th,td{text-align:left;padding:4px 8px;border-bottom:1px solid #eceff1;white-space:nowrap}
    th{color:#5f6368;font-weight:500}td.num{text-align:right;font-variant-numeric:tabular-nums}
    .state,.health{display:inline-block;color:#fff;border-radius:9px;padding:0 8px;font-size:11.5px}
    .h-healthy{background:#34a853}.h-late{background:#f29900}.h-lost{background:#d93025}.h-left{background:#9aa0a6}.h-quarantined{background:#a142f4}
    .infeasible{color:#d93025;font-size:11px}.error{color:#d93025;white-space:pre-wrap}
    .decisions{list-style:none;margin:0;padding:0;font-size:12.5px;columns:2;column-gap:32px}.decisions li{padding:2px 0;break-inside:avoid}
    .time{color:#80868b;font-variant-numeric:tabular-nums}.kind{display:inline-block;min-width:70px;font-weight:500}
    .k-promoted{color:#7b1fa2}.k-stopped{color:#5f6368}.k-completed{color:#137333}.k-failed{color:#d93025}.k-paused{color:#b06000}.k-started,.k-resumed{color:#1967d2}
    .cols{display:flex;flex-wrap:wrap;gap:24px}.cols>div{min-width:280px}.metrics{display:flex;flex-wrap:wrap;gap:8px;flex:1}
    .kv th{width:140px}.perclass{flex:1 1 420px;max-width:640px}.confusion{flex:0 1 auto}
    pre.log{background:#202124;color:#e8eaed;padding:10px 12px;border-radius:6px;font-size:12px;max-height:360px;overflow:auto}
    footer{color:#80868b;font-size:12px;padding:8px 24px 24px;max-width:1500px;margin:0 auto}
    """
}

/// How a worker is doing, from its state and the age of its last heartbeat.
public enum WorkerHealth: String, Sendable {
    /// Active and heard from within `lateAfter` seconds.
    case healthy
    /// Active but silent for longer.
    case late
    /// Its lease timed out.
    case lost
    /// It said goodbye.
    case left
    /// Connected but given no new work (a machine fault; see the worker's note).
    case quarantined

    /// Seconds of silence after which an active worker is shown late.
    public static let lateAfter = 10.0

    /// The health of `w` at `now`.
    public static func of(_ w: WorkerRecord, now: Double) -> WorkerHealth {
        switch w.state {
        case .lost: return .lost
        case .left: return .left
        case .quarantined: return .quarantined
        case .active: return now - w.lastHeartbeat > lateAfter ? .late : .healthy
        }
    }
}
