// The `{name}` placeholders of a command task (`task.command: [python3, train.py, --lr, "{lr}"]`):
// their syntax, the built-in names, and the load-time check that each one names a parameter of the
// search space or a built-in, with the study file's line. Leaves out the substitution (Runtime's
// CommandTask) and the built-in tasks' own options.
import Yams

/// Placeholders in a command task's arguments.
public enum CommandPlaceholders {
    /// Names every trial provides besides its parameters.
    public static let builtins = ["trial", "attempt", "from_epoch", "to_epoch", "checkpoint_dir"]

    /// A placeholder name: letters, digits, `_`, `-`, `.`, not empty. Braces around anything else
    /// (`{"epoch": 1}` in a shell script) are literal text.
    public static func isName(_ s: some StringProtocol) -> Bool {
        !s.isEmpty && s.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" || $0 == "." }
    }

    /// The placeholder names in one argument, in order.
    public static func names(in word: String) -> [String] {
        var out: [String] = []
        var rest = Substring(word)
        while let open = rest.firstIndex(of: "{"), let close = rest[open...].firstIndex(of: "}") {
            let name = rest[rest.index(after: open)..<close]
            if isName(name) {
                out.append(String(name))
                rest = rest[rest.index(after: close)...]
            } else {
                rest = rest[rest.index(after: open)...]
            }
        }
        return out
    }
}

extension YAMLReader {
    /// Each `{placeholder}` of `task.command` names a parameter of `space` or a built-in one; else
    /// an error at that argument's line listing what is known.
    func checkPlaceholders(task: Node, space: SearchSpace) throws {
        guard case .mapping(let m) = task, let command = m["command"], case .sequence(let items) = command else { return }
        let parameters = space.parameters.map(\.name)
        let known = Set(parameters).union(CommandPlaceholders.builtins)
        for (i, item) in items.enumerated() {
            guard case .scalar(let s) = item else { continue }
            for name in CommandPlaceholders.names(in: s.string) where !known.contains(name) {
                throw error("task.command[\(i)]", item,
                    "`task.command` argument \(i) ('\(s.string)') names {\(name)}, which is not a parameter of the search space; parameters: \(parameters.joined(separator: ", ")); built-in placeholders: \(CommandPlaceholders.builtins.joined(separator: ", "))")
            }
        }
    }
}

extension Study {
    /// The 1-based line of a key path (`objective.metric`) in a study file's text, if it is there.
    public static func line(of keyPath: String, inYAML yaml: String) -> Int? {
        guard var node = try? Yams.compose(yaml: yaml) else { return nil }
        for key in keyPath.split(separator: ".") {
            guard case .mapping(let m) = node, let next = m[Node(String(key))] else { return nil }
            node = next
        }
        return node.mark?.line
    }
}
