// What a trial runs, read from the study's `task:` section: an external command with `{param}`
// placeholders, or Rung's built-in fine-tune task with its options. Also the environment and the
// JSON metric lines an external command uses to talk to its worker (read with RungBasics' JSON
// parser). Leaves out running it (TrialRun).
import Foundation
import RungBasics
import Search

/// The work every trial of a study runs.
///
/// In a study file:
/// ```yaml
/// task:                                   # an external command
///   command: ["python3", "train.py", "--lr", "{lr}", "--out", "{checkpoint_dir}"]
///   env: {OMP_NUM_THREADS: "1"}           # optional
///   cwd: /path/to/project                 # optional
///   timeout: {epoch: 600, attempt: 7200}  # optional wall seconds (either key; or one number: per attempt)
/// task:                                   # the built-in tabular task
///   builtin: tabular
///   data: data/breast_cancer.csv          # other keys: TabularTrialConfig's fields
///   target: label
/// ```
public enum TrialTask: Hashable, Codable, Sendable {
    /// An external command.
    case command(CommandTask)
    /// A built-in fine-tune task, run by `rung run-trial` in a child process.
    case builtin(BuiltinTask)

    /// Reads the study's `task` section given as JSON text.
    public static func parse(json: Data) throws -> TrialTask {
        guard var object = try? JSONSerialization.jsonObject(with: json) as? [String: Any] else {
            throw RuntimeError(.invalidArgument, "the study's `task` must be a mapping with either `command: [program, args…]` or `builtin: tabular`")
        }
        object["timeout"] = nil  // read by `TaskTimeout.parse`
        // The long form `kind: command | builtin` (with `name: tabular` for a built-in task).
        if let kind = object.removeValue(forKey: "kind") as? String {
            switch kind {
            case "command": break
            case "builtin": object["builtin"] = object.removeValue(forKey: "name") ?? "tabular"
            default:
                throw RuntimeError(.invalidArgument, "`task.kind` is '\(kind)'; accepted: command, builtin")
            }
        }
        if let command = object["command"] {
            guard let argv = command as? [Any], !argv.isEmpty else {
                throw RuntimeError(.invalidArgument, "`task.command` must be a non-empty list of strings, e.g. [\"python3\", \"train.py\", \"--lr\", \"{lr}\"]")
            }
            let words = argv.map { "\($0)" }
            var env: [String: String] = [:]
            if let e = object["env"] {
                guard let m = e as? [String: Any] else {
                    throw RuntimeError(.invalidArgument, "`task.env` must be a mapping of names to strings")
                }
                for (k, v) in m { env[k] = "\(v)" }
            }
            let unknown = Set(object.keys).subtracting(["command", "env", "cwd"])
            guard unknown.isEmpty else {
                throw RuntimeError(.invalidArgument, "`task` has unknown key(s) \(unknown.sorted()); a command task accepts command, env, cwd")
            }
            return .command(CommandTask(argv: words, environment: env, workingDirectory: object["cwd"] as? String))
        }
        if let builtin = object["builtin"] {
            guard let kind = builtin as? String else {
                throw RuntimeError(.invalidArgument, "`task.builtin` must be a name; accepted: \(BuiltinTask.kinds.joined(separator: ", "))")
            }
            guard BuiltinTask.kinds.contains(kind) else {
                throw RuntimeError(.invalidArgument, "`task.builtin` is '\(kind)'; accepted: \(BuiltinTask.kinds.joined(separator: ", "))")
            }
            var options = object
            options["builtin"] = nil
            let text = try JSONSerialization.data(withJSONObject: options, options: [.sortedKeys])
            return .builtin(BuiltinTask(kind: kind, optionsJSON: String(decoding: text, as: UTF8.self)))
        }
        throw RuntimeError(.invalidArgument, "the study's `task` needs `command: [program, args…]` or `builtin: tabular`; it has \(object.keys.sorted())")
    }
}

/// Wall-clock limits on an attempt (`task.timeout`): at most `epoch` seconds from the attempt's
/// start or its last metric line to the next one, at most `attempt` seconds in all. Past either,
/// the worker stops the child (SIGTERM, then SIGKILL after `--stop-grace`) and the attempt fails
/// with the reason.
public struct TaskTimeout: Hashable, Codable, Sendable {
    /// Seconds allowed between metric lines (and before the first); nil: no limit.
    public var epoch: Double?
    /// Seconds allowed for the whole attempt; nil: no limit.
    public var attempt: Double?
    public init(epoch: Double? = nil, attempt: Double? = nil) { self.epoch = epoch; self.attempt = attempt }

    /// Reads `timeout` from the study's `task` section given as JSON text (no limits when absent):
    /// a mapping with `epoch` and/or `attempt`, or one number (the attempt's limit).
    public static func parse(json: Data) throws -> TaskTimeout {
        guard let object = try? JSONSerialization.jsonObject(with: json) as? [String: Any],
              let value = object["timeout"] else { return TaskTimeout() }
        func seconds(_ v: Any, _ key: String) throws -> Double {
            guard let n = v as? NSNumber, !(v is Bool), n.doubleValue.isFinite, n.doubleValue > 0 else {
                throw RuntimeError(.invalidArgument, "`\(key)` is \(v); it must be a number of seconds > 0")
            }
            return n.doubleValue
        }
        if value is NSNumber { return TaskTimeout(attempt: try seconds(value, "task.timeout")) }
        guard let m = value as? [String: Any], !m.isEmpty else {
            throw RuntimeError(.invalidArgument, "`task.timeout` must be seconds per attempt, or a mapping {epoch: S, attempt: S} (either key)")
        }
        let unknown = Set(m.keys).subtracting(["epoch", "attempt"])
        guard unknown.isEmpty else {
            throw RuntimeError(.invalidArgument, "`task.timeout` has unknown key(s) \(unknown.sorted()); accepted: epoch, attempt")
        }
        return TaskTimeout(epoch: try m["epoch"].map { try seconds($0, "task.timeout.epoch") },
                           attempt: try m["attempt"].map { try seconds($0, "task.timeout.attempt") })
    }
}

/// An external command run once per attempt.
public struct CommandTask: Hashable, Codable, Sendable {
    /// Program and arguments; `{name}` (letters, digits, `_ - .`) is replaced by the trial's
    /// parameter `name`, and by
    /// `{trial}`, `{attempt}`, `{from_epoch}`, `{to_epoch}`, `{checkpoint_dir}`.
    public var argv: [String]
    /// Extra environment variables.
    public var environment: [String: String]
    /// The directory the command starts in (nil: the worker's).
    public var workingDirectory: String?

    public init(argv: [String], environment: [String: String] = [:], workingDirectory: String? = nil) {
        self.argv = argv; self.environment = environment; self.workingDirectory = workingDirectory
    }

    /// The arguments with every placeholder replaced. Throws naming an unknown placeholder.
    public func arguments(config: Configuration, extra: [String: String]) throws -> [String] {
        var values = extra
        for (k, v) in config { values[k] = v.description }
        return try argv.enumerated().map { index, word in
            var out = ""
            var rest = Substring(word)
            while let open = rest.firstIndex(of: "{"), let close = rest[open...].firstIndex(of: "}") {
                out += rest[..<open]
                let name = String(rest[rest.index(after: open)..<close])
                guard isPlaceholderName(name) else {  // `{"epoch": 1}` in a shell script is literal text
                    out += "{"
                    rest = rest[rest.index(after: open)...]
                    continue
                }
                guard let value = values[name] else {
                    throw RuntimeError(.invalidArgument, "argument \(index) of `task.command` ('\(word)') names {\(name)}, which is neither a parameter of this trial nor a built-in placeholder; known: \(values.keys.sorted().joined(separator: ", "))")
                }
                out += value
                rest = rest[rest.index(after: close)...]
            }
            return out + rest
        }
    }
}

/// A placeholder name: letters, digits, `_`, `-`, `.`, not empty. Braces around anything else
/// stay as they are.
func isPlaceholderName(_ s: String) -> Bool { CommandPlaceholders.isName(s) }

/// A built-in task and its options (JSON object text; for `tabular`, `TabularTrialConfig`'s fields).
public struct BuiltinTask: Hashable, Codable, Sendable {
    /// The built-in task kinds.
    public static let kinds = ["tabular", "text", "image"]
    /// Which built-in task.
    public var kind: String
    /// The options as a JSON object's text.
    public var optionsJSON: String
    public init(kind: String, optionsJSON: String = "{}") { self.kind = kind; self.optionsJSON = optionsJSON }
}

/// Environment variables every trial child gets.
public enum TrialEnvironment {
    /// Directory for the attempt's checkpoint: read it when `RUNG_FROM_EPOCH` > 0, write it before
    /// exiting at `RUNG_TO_EPOCH`. Each attempt gets a fresh copy of the checkpoint it resumes.
    public static let checkpointDirectory = "RUNG_CHECKPOINT_DIR"
    /// The trial's id (0, 1, 2, …).
    public static let trialID = "RUNG_TRIAL_ID"
    /// The attempt number (1 for the first run of a trial).
    public static let attempt = "RUNG_ATTEMPT"
    /// Epochs already done (the checkpoint's epoch; 0 for a fresh start).
    public static let fromEpoch = "RUNG_FROM_EPOCH"
    /// The last epoch to run before exiting.
    public static let toEpoch = "RUNG_TO_EPOCH"
    /// The trial's configuration as a JSON object.
    public static let config = "RUNG_CONFIG"
}

/// One metric line printed by a trial: a JSON object with a numeric `epoch` (the epochs done,
/// counted from the trial's start, not the attempt's) and numeric metrics, e.g.
/// `{"epoch": 3, "val_f1": 0.91, "loss": 0.23}`. Booleans count as 0/1; `NaN`, `Infinity` and
/// `-Infinity` (bare, as Python's `json.dumps` writes them, or as strings) are numbers; other values
/// (strings, null, arrays, objects) are ignored. Every number is read exactly (correctly rounded,
/// so the shortest form a trial prints comes back bit for bit).
public struct MetricLine: Hashable, Sendable {
    /// Epochs done.
    public var epoch: Double
    /// The numeric fields other than `epoch`, in the line's order.
    public var metrics: MetricValues

    /// Parses a line; nil if it is not a metric line (then it is a log line). Read with
    /// RungBasics' JSON parser, bare non-finite words allowed. A name given twice keeps its last
    /// value; one whose last value is not a number is left out.
    public init?(_ line: String) {
        guard line.utf8.contains(0x7B),  // most log lines hold no '{': no parse
              case .object(let members)? = try? JSONParser.parse(line, nonFiniteWords: true) else { return nil }
        var epoch: Double?
        var fields = MetricValues()
        for m in members {
            let value: Double?
            switch m.value {
            case .number(let d, _): value = d
            case .bool(let b): value = b ? 1 : 0
            case .string("NaN"), .string("nan"): value = .nan
            case .string("Infinity"), .string("inf"): value = .infinity
            case .string("-Infinity"), .string("-inf"): value = -.infinity
            default: value = nil  // other strings, null, arrays, objects: not metrics
            }
            if m.key == "epoch" { epoch = value } else { fields[m.key] = value }
        }
        guard let epoch, epoch.isFinite else { return nil }
        self.epoch = epoch
        self.metrics = fields
    }
}
