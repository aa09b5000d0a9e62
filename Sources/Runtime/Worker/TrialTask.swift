// What a trial runs, read from the study's `task:` section: an external command with `{param}`
// placeholders, or Rung's built-in fine-tune task with its options. Also the environment and the
// JSON metric lines an external command uses to talk to its worker. Leaves out running it (TrialRun).
import Foundation
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
    /// The numeric fields other than `epoch`.
    public var metrics: [String: Double]

    /// Parses a line; nil if it is not a metric line (then it is a log line).
    public init?(_ line: String) {
        var scanner = FlatObjectScanner(Array(line.utf8))
        guard let fields = scanner.object(), let epoch = fields["epoch"], epoch.isFinite else { return nil }
        self.epoch = epoch
        var metrics = fields
        metrics["epoch"] = nil
        self.metrics = metrics
    }
}

/// Reads one JSON object of a metric line, keeping its numeric (and boolean) fields.
struct FlatObjectScanner {
    let b: [UInt8]
    var i = 0
    init(_ bytes: [UInt8]) { b = bytes }

    /// The numeric fields, or nil when the text is not one JSON object (with nothing after it).
    mutating func object() -> [String: Double]? {
        skipSpace()
        guard take(0x7B) else { return nil }  // {
        var fields: [String: Double] = [:]
        skipSpace()
        if take(0x7D) { return end() ? fields : nil }
        while true {
            skipSpace()
            guard let key = string() else { return nil }
            skipSpace()
            guard take(0x3A) else { return nil }  // :
            skipSpace()
            guard let value = value() else { return nil }
            if let v = value { fields[key] = v }
            skipSpace()
            if take(0x2C) { continue }  // ,
            guard take(0x7D) else { return nil }  // }
            return end() ? fields : nil
        }
    }

    private mutating func end() -> Bool { skipSpace(); return i == b.count }

    private mutating func skipSpace() {
        while i < b.count, b[i] == 0x20 || b[i] == 0x09 || b[i] == 0x0A || b[i] == 0x0D { i += 1 }
    }

    private mutating func take(_ c: UInt8) -> Bool {
        guard i < b.count, b[i] == c else { return false }
        i += 1
        return true
    }

    private mutating func literal(_ s: String) -> Bool {
        let u = Array(s.utf8)
        guard i + u.count <= b.count, Array(b[i..<(i + u.count)]) == u else { return false }
        i += u.count
        return true
    }

    /// A value: `.some(number)` for a number, boolean or non-finite word; `.some(nil)` for a value
    /// that is valid JSON but not a number; nil for a syntax error.
    private mutating func value() -> Double?? {
        guard i < b.count else { return nil }
        switch b[i] {
        case 0x22:
            guard let s = string() else { return nil }
            switch s {
            case "NaN", "nan": return .some(.nan)
            case "Infinity", "inf": return .some(.infinity)
            case "-Infinity", "-inf": return .some(-.infinity)
            default: return .some(nil)
            }
        case 0x74: return literal("true") ? .some(1) : nil
        case 0x66: return literal("false") ? .some(0) : nil
        case 0x6E: return literal("null") ? .some(nil) : nil
        case 0x4E: return literal("NaN") ? .some(.nan) : nil
        case 0x49: return literal("Infinity") ? .some(.infinity) : nil
        case 0x7B, 0x5B: return skipNested() ? .some(nil) : nil
        case 0x2D where i + 1 < b.count && b[i + 1] == 0x49:
            i += 1
            return literal("Infinity") ? .some(-.infinity) : nil
        case 0x2D, 0x30...0x39: return number().map { .some($0) }
        default: return nil
        }
    }

    /// A JSON number, converted with the correctly rounded `Double(_: String)`.
    private mutating func number() -> Double? {
        let start = i
        _ = take(0x2D)
        func digits() -> Bool {
            let s = i
            while i < b.count, (0x30...0x39).contains(b[i]) { i += 1 }
            return i > s
        }
        guard digits() else { return nil }
        if take(0x2E) { guard digits() else { return nil } }
        if i < b.count, b[i] == 0x65 || b[i] == 0x45 {
            i += 1
            if i < b.count, b[i] == 0x2B || b[i] == 0x2D { i += 1 }
            guard digits() else { return nil }
        }
        return Double(String(decoding: b[start..<i], as: UTF8.self))
    }

    /// A JSON string with its escapes resolved.
    private mutating func string() -> String? {
        guard take(0x22) else { return nil }
        var out: [UInt8] = []
        while i < b.count {
            let c = b[i]
            i += 1
            if c == 0x22 { return String(decoding: out, as: UTF8.self) }
            guard c == 0x5C else { out.append(c); continue }
            guard i < b.count else { return nil }
            let e = b[i]
            i += 1
            switch e {
            case 0x22, 0x5C, 0x2F: out.append(e)
            case 0x62: out.append(0x08)
            case 0x66: out.append(0x0C)
            case 0x6E: out.append(0x0A)
            case 0x72: out.append(0x0D)
            case 0x74: out.append(0x09)
            case 0x75:
                guard var scalar = hex4() else { return nil }
                if (0xD800..<0xDC00).contains(scalar), literal("\\u"), let low = hex4(), (0xDC00..<0xE000).contains(low) {
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                }
                out.append(contentsOf: Array(String(Unicode.Scalar(scalar).map(Character.init) ?? "\u{FFFD}").utf8))
            default: return nil
            }
        }
        return nil
    }

    private mutating func hex4() -> UInt32? {
        guard i + 4 <= b.count, let v = UInt32(String(decoding: b[i..<(i + 4)], as: UTF8.self), radix: 16) else { return nil }
        i += 4
        return v
    }

    /// Skips an array or object (strings inside may hold brackets).
    private mutating func skipNested() -> Bool {
        var depth = 0
        while i < b.count {
            switch b[i] {
            case 0x7B, 0x5B: depth += 1; i += 1
            case 0x7D, 0x5D:
                depth -= 1; i += 1
                if depth == 0 { return true }
            case 0x22: guard string() != nil else { return false }
            default: i += 1
            }
        }
        return false
    }
}
