// The dashboard in a real browser against a live study: a coordinator serving `--http`, two workers
// running a shell-script trainer on loopback, and headless Chromium (Debian's `chromium`) loading
// the page while the study runs. The DOM must show panels that arrived over Server-Sent Events
// after the page loaded; a screenshot of the finished study is written as a test artefact.
// Also `/metrics`, `rung dashboard --connect` and `rung report` against the same study.
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing
import Runtime
import RungTestKit

/// Debian's Chromium, if installed.
let chromiumPath = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first { FileManager.default.isExecutableFile(atPath: $0) }

@Suite(.serialized) struct BrowserTests {
    @Test(.enabled(if: chromiumPath != nil, "needs Debian's chromium (deploy/test.sh installs it through RUNG_EXTRA_APT)"),
          .enabled(if: rungBinary() != nil, "needs the rung executable built beside the tests"),
          .timeLimit(.minutes(2)))
    func theDashboardShowsALiveTwoWorkerStudyInChromium() async throws {
        let study = try GatedStudy(trials: 15)
        defer { study.remove() }
        let cluster = LocalCluster(rung: rungBinary()!, endpoints: try LoopbackEndpoints())
        let httpPort = try freeLoopbackPort()
        let base = "http://127.0.0.1:\(httpPort)/"
        let coordinator = try Watched(cluster.coordinator(study: study.studyFile, directory: study.directory,
                                                          extra: ["--http", "127.0.0.1:\(httpPort)", "--keep-running"]))
        var children = [coordinator]
        defer { for c in children { c.process.signal(SIGKILL) } }
        let listening = await coordinator.line(within: 20) { $0.contains("dashboard: http://127.0.0.1:\(httpPort)/") }
        #expect(listening != nil, "the coordinator did not say it serves the dashboard: \(coordinator.lines) \(coordinator.stderr)")
        for name in ["w1", "w2"] {
            children.append(try Watched(cluster.worker(name: name, cache: study.cache(name))))
        }

        // Live: wait until one trial waits at its last epoch (the study cannot finish before the
        // gate opens) and some have stopped, then load the page in Chromium.
        #expect(await waitFor(within: 40) { FileManager.default.fileExists(atPath: study.firstFinal.path) },
                "no trial reached its last epoch: \(coordinator.lines.suffix(20))")
        let metrics = try await get(base + "metrics")
        #expect(metrics.contains("rung_trials{state=\"running\"}"), "metrics: \(metrics.prefix(600))")
        // While the gate holds the study open, both workers are connected and beating; a scrape
        // reads the study afresh.
        for name in ["rung_workers{health=\"healthy\"} 2", "rung_worker_up{worker=\"w1\"} 1", "rung_worker_up{worker=\"w2\"} 1"] {
            #expect(metrics.contains(name), "/metrics lacks \(name) while the study runs: \(metrics)")
        }
        // `?seconds=3`: the page's event stream ends after 3 s, so the network falls idle and
        // Chromium's virtual time runs out (an open stream would hold it forever).
        let live = try await chromium(["--dump-dom", "--virtual-time-budget=5000", base + "?seconds=3"])
        let updates = attribute("data-sse-updates", in: live).flatMap(Int.init) ?? 0
        #expect(updates >= 1, "no snapshot arrived over SSE after the page loaded: \(live.prefix(400))")
        #expect(live.contains("live · update") && live.contains("stream ended"), "the live line was not updated by the script")
        #expect(live.contains("<title>intermediate values</title>") && live.contains("class=\"curve\""))
        #expect(live.components(separatedBy: "class=\"worker-row\"").count - 1 == 2, "two workers are listed")
        #expect(live.contains("h-healthy"))
        #expect(live.contains("class=\"trial-row\""))

        // Finish the study, then photograph the page with everything filled in.
        try Data().write(to: study.gate)
        #expect(await coordinator.line(within: 40) { $0.contains("study complete") } != nil,
                "the study did not complete: \(coordinator.lines.suffix(20))")
        // The dashboard's next read (within a second) sees the study complete.
        #expect(await waitFor(within: 10) { ((try? await get(base)) ?? "").contains("badge s-completed") },
                "the dashboard does not show the study completed")
        let shot = artefacts().appendingPathComponent("dashboard.png")
        try? FileManager.default.removeItem(at: shot)
        _ = try await chromium(["--screenshot=\(shot.path)", "--window-size=1440,2300", "--hide-scrollbars",
                                "--virtual-time-budget=3000", base + "?seconds=1"])
        let png = try Data(contentsOf: shot)
        #expect(png.count > 20_000 && png.starts(with: [0x89, 0x50, 0x4E, 0x47]), "screenshot at \(shot.path)")

        let done = try await chromium(["--dump-dom", "--virtual-time-budget=3000", base + "?seconds=1"])
        #expect(done.contains("<title>Pareto front</title>") && done.contains("<title>parameter importances</title>"))
        #expect(done.contains("badge s-completed"), "the finished study is shown completed")

        // /metrics after the study (the workers may have left by now: the study told them so).
        let after = try await get(base + "metrics")
        for name in ["rung_trials{state=\"completed\"}", "rung_reports_total", "rung_reports_per_second", "rung_queue_depth",
                     "rung_worker_up{worker=\"w1\"}", "rung_assignment_latency_seconds_count"] {
            #expect(after.contains(name), "/metrics lacks \(name)")
        }
        let latencyCount = after.split(separator: "\n").first { $0.hasPrefix("rung_assignment_latency_seconds_count") }
            .flatMap { Int($0.split(separator: " ").last ?? "") } ?? 0
        #expect(latencyCount >= 15, "every trial's start is an assignment: \(latencyCount)")

        // A trial's page.
        let trial = try await get(base + "trial/0")
        #expect(trial.contains("Trial 0") && trial.contains("Log tail"))

        // `rung dashboard --connect` reads the same study through the coordinator's QUERY protocol.
        let port2 = try freeLoopbackPort()
        let remote = try Watched(ChildLaunch(executable: rungBinary()!, arguments: ["dashboard", "--connect", cluster.endpoints.routerURL,
                                                                                    "--listen", "127.0.0.1:\(port2)"],
                                                 environment: ParentWatch.childEnvironment()))
        children.append(remote)
        #expect(await remote.line(within: 20) { $0.contains("http://127.0.0.1:\(port2)/") } != nil, "\(remote.stderr)")
        let page = try await get("http://127.0.0.1:\(port2)/")
        #expect(page.contains("badge s-completed") && page.contains("<title>rung ladder</title>"))

        // `rung report` writes one self-contained file.
        let out = study.root.appendingPathComponent("report.html")
        let report = try Watched(ChildLaunch(executable: rungBinary()!, arguments: ["report", "--dir", study.directory.path, "--out", out.path],
                                                 environment: ParentWatch.childEnvironment()))
        #expect(await report.waitExit(within: 30) == .exited(0), "\(report.stderr)")
        let html = try String(contentsOf: out, encoding: .utf8)
        for title in ["optimisation history", "intermediate values", "rung ladder", "parallel coordinates",
                      "parameter importances", "Pareto front", "confusion matrix"] {
            #expect(html.contains("<title>\(title)</title>"), "the report lacks \(title)")
        }
        for outside in ["http://", "https://", "src=", "<script"] { #expect(!html.contains(outside), "the report contains \(outside)") }
    }
}

// MARK: - Support

/// Where test artefacts go: $RUNG_TEST_ARTEFACTS, or .build/test-artefacts in the package.
func artefacts() -> URL {
    let dir = ProcessInfo.processInfo.environment["RUNG_TEST_ARTEFACTS"].map { URL(fileURLWithPath: $0) }
        ?? URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent(".build/test-artefacts")
    try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    return dir
}

/// Runs headless Chromium on `arguments` with a throwaway profile; returns its standard output.
func chromium(_ arguments: [String]) async throws -> String {
    let profile = FileManager.default.temporaryDirectory.appendingPathComponent("rung-chromium-\(UUID().uuidString.prefix(8))")
    defer { try? FileManager.default.removeItem(at: profile) }
    let args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                "--user-data-dir=\(profile.path)"] + arguments
    let child = try Watched(ChildLaunch(executable: chromiumPath!, arguments: args, environment: ParentWatch.childEnvironment()))
    let exit = await child.waitExit(within: 40)
    #expect(exit == .exited(0), "chromium \(arguments): \(child.stderr.suffix(10))")
    return child.lines.joined(separator: "\n")
}

/// The value of the first `name="…"` attribute in `html`.
func attribute(_ name: String, in html: String) -> String? {
    guard let r = html.range(of: "\(name)=\"") else { return nil }
    return String(html[r.upperBound...].prefix { $0 != "\"" })
}

/// The body of a GET.
func get(_ url: String) async throws -> String {
    let (data, _) = try await URLSession.shared.data(from: URL(string: url)!)
    return String(decoding: data, as: UTF8.self)
}

/// Polls `condition` every 50 ms until it holds (true) or `seconds` pass (false).
func waitFor(within seconds: Double, _ condition: () async -> Bool) async -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if await condition() { return true }
        try? await Task.sleep(for: .milliseconds(50))
    }
    return false
}
