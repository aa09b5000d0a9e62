// Tests of trials in real child processes (small /bin/sh scripts as the external command): metric
// and log lines, placeholders and environment, pause with checkpoint, resume from it, crash,
// kill by signal, stop with SIGTERM then SIGKILL, and early exit.
import Foundation
import Testing
import Search
@testable import Runtime

private func tempCache() -> TrialCache {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rung-runtime-\(UUID().uuidString)")
    return TrialCache(root: dir)
}

private func order(_ t: Int = 7, attempt: Int = 1, from: Double = 0, to: Double = 2, final: Bool = false) -> WorkOrder {
    WorkOrder(assignment: Assignment(trial: TrialID(t), config: ["lr": .double(0.01), "layers": .int(3)],
                                     fromResource: from, toResource: to, reportAt: [to]),
              attempt: attempt, checkpoint: from > 0 ? .local : .none, isFinal: final)
}

private func sh(_ script: String) -> TrialTask {
    .command(CommandTask(argv: ["/bin/sh", "-c", script, "trial", "{lr}", "{layers}"]))
}

private func collect(_ run: TrialRun, stopAfterFirstReport: Bool = false) async -> [TrialRunEvent] {
    var out: [TrialRunEvent] = []
    for await e in run.events {
        out.append(e)
        if stopAfterFirstReport, case .report = e { run.stop() }
    }
    return out
}

private func reports(_ events: [TrialRunEvent]) -> [EpochReport] {
    events.compactMap { if case .report(let r) = $0 { return r } else { return nil } }
}
private func logs(_ events: [TrialRunEvent], _ stream: LineSource) -> [String] {
    events.compactMap { if case .log(stream, let l) = $0 { return l } else { return nil } }
}

/// Real child processes whose stop and kill are timed: run as a process suite on its own (in the
/// parallel pass, CPU-bound training tests can hold the task pool past the stop grace).
@Suite(.serialized) struct TrialRunTests {
    @Test func commandReportsLogsAndPausesWithItsCheckpoint() async throws {
        let cache = tempCache()
        defer { try? FileManager.default.removeItem(at: cache.root) }
        let script = """
        echo "lr=$1 layers=$2 trial=$RUNG_TRIAL_ID attempt=$RUNG_ATTEMPT from=$RUNG_FROM_EPOCH to=$RUNG_TO_EPOCH"
        echo '{"epoch": 1, "val_f1": 0.5, "ok": true}'
        echo "warming up" >&2
        echo '{"epoch": 2, "val_f1": 0.75}'
        echo "weights at 2" > "$RUNG_CHECKPOINT_DIR/state.txt"
        """
        let run = try TrialRun(order: order(), task: sh(script), cache: cache, rungExecutable: "/bin/false")
        let events = await collect(run)
        #expect(reports(events) == [
            EpochReport(trial: TrialID(7), attempt: 1, seq: 1, resource: 1, metrics: ["val_f1": 0.5, "ok": 1]),
            EpochReport(trial: TrialID(7), attempt: 1, seq: 2, resource: 2, metrics: ["val_f1": 0.75]),
        ])
        #expect(logs(events, .stdout) == ["lr=0.01 layers=3 trial=7 attempt=1 from=0 to=2"])
        #expect(logs(events, .stderr) == ["warming up"])
        #expect(events.last == .ended(.paused(resource: 2)))
        let saved = try String(contentsOf: cache.checkpoint(TrialID(7), at: 2).appendingPathComponent("state.txt"), encoding: .utf8)
        #expect(saved == "weights at 2\n")
        #expect(!FileManager.default.fileExists(atPath: cache.workspace(AttemptRef(trial: TrialID(7), attempt: 1)).path))

        // Attempt 2 resumes from the checkpoint at 2 and completes at 4.
        let resume = """
        read w < "$RUNG_CHECKPOINT_DIR/state.txt"; echo "resumed: $w"
        echo '{"epoch": 3, "val_f1": 0.8}'; echo '{"epoch": 4, "val_f1": 0.9}'
        """
        let run2 = try TrialRun(order: order(attempt: 2, from: 2, to: 4, final: true), task: sh(resume), cache: cache,
                                rungExecutable: "/bin/false")
        let events2 = await collect(run2)
        #expect(logs(events2, .stdout) == ["resumed: weights at 2"])
        #expect(reports(events2).map(\.seq) == [1, 2])
        #expect(reports(events2).map(\.resource) == [3, 4])
        #expect(events2.last == .ended(.completed))
    }

    @Test func crashingAndKilledTrialsFailWithTheirReason() async throws {
        let cache = tempCache()
        defer { try? FileManager.default.removeItem(at: cache.root) }
        let crash = try TrialRun(order: order(), task: sh("echo 'CUDA out of memory' >&2; exit 3"), cache: cache,
                                 rungExecutable: "/bin/false")
        #expect(await collect(crash).last == .ended(.failed(reason: "CUDA out of memory (exit status 3)")))
        // A Python traceback: the exception line leads the reason, blank lines are skipped.
        let traceback = try TrialRun(order: order(), task: sh("printf 'Traceback (most recent call last):\\n  File \"t.py\", line 3\\nValueError: lr must be > 0\\n\\n' >&2; exit 1"),
                                     cache: cache, rungExecutable: "/bin/false")
        #expect(await collect(traceback).last == .ended(.failed(reason:
            "ValueError: lr must be > 0 (exit status 1; stderr before it: Traceback (most recent call last): | File \"t.py\", line 3)")))
        let killed = try TrialRun(order: order(), task: sh("echo '{\"epoch\": 1, \"f\": 1}'; kill -9 $$"), cache: cache,
                                  rungExecutable: "/bin/false")
        let events = await collect(killed)
        #expect(reports(events).count == 1)
        #expect(events.last == .ended(.failed(reason: "killed by signal 9 (SIGKILL) (out of memory, or killed from outside)")))
        let short = try TrialRun(order: order(), task: sh("echo '{\"epoch\": 1, \"f\": 1}'"), cache: cache,
                                 rungExecutable: "/bin/false")
        #expect(await collect(short).last == .ended(.failed(reason: "exited normally after epoch 1 without reaching epoch 2")))
    }

    @Test func stopEndsATrialThatIgnoresSIGTERM() async throws {
        let cache = tempCache()
        defer { try? FileManager.default.removeItem(at: cache.root) }
        // The script ignores SIGTERM and would run for a minute: SIGKILL after the 0.3 s grace ends it.
        let script = "trap '' TERM; echo '{\"epoch\": 1, \"f\": 0.1}'; i=0; while [ $i -lt 600 ]; do sleep 0.1; i=$((i+1)); done"
        let run = try TrialRun(order: order(), task: sh(script), cache: cache, rungExecutable: "/bin/false", stopGrace: 0.3)
        let events = await collect(run, stopAfterFirstReport: true)
        #expect(events.last == .ended(.stopped))
        let polite = try TrialRun(order: order(), task: sh("echo '{\"epoch\": 1, \"f\": 0.1}'; sleep 60"), cache: cache,
                                  rungExecutable: "/bin/false", stopGrace: 30)
        #expect(await collect(polite, stopAfterFirstReport: true).last == .ended(.stopped))
    }

    @Test func placeholdersAndTaskSections() throws {
        let c = CommandTask(argv: ["python3", "train.py", "--lr={lr}", "--out", "{checkpoint_dir}/m"])
        #expect(try c.arguments(config: ["lr": .double(0.5)], extra: ["checkpoint_dir": "/c"])
                == ["python3", "train.py", "--lr=0.5", "--out", "/c/m"])
        #expect(throws: RuntimeError.self) { try c.arguments(config: [:], extra: [:]) }
        let t = try TrialTask.parse(json: Data(#"{"command": ["python3", "t.py", "{lr}"], "env": {"A": 1}}"#.utf8))
        #expect(t == .command(CommandTask(argv: ["python3", "t.py", "{lr}"], environment: ["A": "1"])))
        let b = try TrialTask.parse(json: Data(#"{"builtin": "tabular", "target": "y", "epochs": 9}"#.utf8))
        #expect(b == .builtin(BuiltinTask(kind: "tabular", optionsJSON: #"{"epochs":9,"target":"y"}"#)))
        #expect(throws: RuntimeError.self) { try TrialTask.parse(json: Data(#"{"builtin": "vision"}"#.utf8)) }
        #expect(MetricLine(#"{"epoch": 2, "loss": 0.5, "name": "x"}"#) == MetricLine(#"{"loss": 0.5, "epoch": 2.0}"#))
        #expect(MetricLine(#"{"loss": 0.5}"#) == nil)
        #expect(MetricLine("epoch 2 done") == nil)
    }

    @Test func missingProgramCannotStart() {
        #expect(throws: RuntimeError.self) {
            _ = try TrialRun(order: order(), task: .command(CommandTask(argv: ["/nonexistent/program"])), cache: tempCache(),
                             rungExecutable: "/bin/false")
        }
    }
}
