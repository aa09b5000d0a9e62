// Reading YAML nodes with key paths, so every complaint names where it is and what is accepted.
// Scalars are typed here (not by YAML 1.1 rules): a plain `1e-5` is a number, a quoted "3" a
// string, only true/false are booleans. Leaves out the study's own schema (StudyParser.swift).

import RungBasics
import Yams

/// A YAML node reader that builds `SearchError`s with key paths and lines.
struct YAMLReader {
    let source: String

    func error(_ path: String, _ node: Node?, _ message: String) -> SearchError {
        SearchError(.invalidStudy, message, keyPath: path, source: source, line: node?.mark?.line)
    }

    /// The mapping's pairs in order; rejects keys not in `allowed` and repeated keys.
    func mapping(_ node: Node, _ path: String, allowed: [String]? = nil) throws -> [(key: String, value: Node)] {
        guard case .mapping(let m) = node else {
            throw error(path, node, "`\(path)` is \(describe(node)); it must be a mapping of keys to values")
        }
        var out: [(key: String, value: Node)] = []
        for (k, v) in m {
            guard let key = k.string, case .scalar = k else {
                throw error(path, k, "`\(path)` has a key that is not a plain name")
            }
            let full = path.isEmpty ? key : "\(path).\(key)"
            if let allowed, !allowed.contains(key) {
                throw error(full, k, "`\(full)` is not a known key; accepted here: \(allowed.joined(separator: ", "))")
            }
            if out.contains(where: { $0.key == key }) {
                throw error(full, k, "`\(full)` appears twice; give each key once")
            }
            out.append((key, v))
        }
        return out
    }

    func required(_ pairs: [(key: String, value: Node)], _ key: String, _ path: String, _ hint: String) throws -> Node {
        guard let v = pairs.first(where: { $0.key == key })?.value else {
            let full = path.isEmpty ? key : "\(path).\(key)"
            throw SearchError(.invalidStudy, "`\(full)` is missing; \(hint)", keyPath: full, source: source)
        }
        return v
    }

    func optional(_ pairs: [(key: String, value: Node)], _ key: String) -> Node? {
        pairs.first { $0.key == key }?.value
    }

    /// A short description of a node for messages: its scalar text or its kind.
    func describe(_ node: Node) -> String {
        switch node {
        case .scalar(let s): return s.string.isEmpty ? "empty" : s.string
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .alias: return "an alias"
        }
    }

    func string(_ node: Node, _ path: String, _ accepted: String = "it must be a text value") throws -> String {
        guard case .scalar(let s) = node, !s.string.isEmpty else {
            throw error(path, node, "`\(path)` is \(describe(node)); \(accepted)")
        }
        return s.string
    }

    func double(_ node: Node, _ path: String, _ accepted: String = "it must be a number") throws -> Double {
        guard case .scalar(let s) = node, s.style == .plain,
              let d = Double(s.string.replacingOccurrences(of: "_", with: "")), d.isFinite else {
            throw error(path, node, "`\(path)` is \(describe(node)); \(accepted)")
        }
        return d
    }

    func int(_ node: Node, _ path: String, _ accepted: String = "it must be an integer") throws -> Int {
        guard case .scalar(let s) = node, s.style == .plain else {
            throw error(path, node, "`\(path)` is \(describe(node)); \(accepted)")
        }
        let text = s.string.replacingOccurrences(of: "_", with: "")
        if let i = Int(text) { return i }
        if let d = Double(text), d.rounded() == d, abs(d) < 1e15 { return Int(d) }
        throw error(path, node, "`\(path)` is \(describe(node)); \(accepted)")
    }

    func bool(_ node: Node, _ path: String) throws -> Bool {
        guard case .scalar(let s) = node, s.style == .plain, s.string == "true" || s.string == "false" else {
            throw error(path, node, "`\(path)` is \(describe(node)); it must be true or false")
        }
        return s.string == "true"
    }

    /// A parameter value: plain integers → int, plain numbers → double, true/false → bool, else string.
    func value(_ node: Node, _ path: String) throws -> ParameterValue {
        guard case .scalar(let s) = node else {
            throw error(path, node, "`\(path)` is \(describe(node)); it must be a single number, text or true/false")
        }
        guard s.style == .plain else { return .string(s.string) }
        let text = s.string
        if let i = Int(text) { return .int(i) }
        if let d = Double(text), d.isFinite { return .double(d) }
        if text == "true" { return .bool(true) }
        if text == "false" { return .bool(false) }
        return .string(text)
    }

    /// Any node as a JSON-like value (mapping keys must be plain text).
    func json(_ node: Node, _ path: String) throws -> JSONValue {
        switch node {
        case .scalar(let s):
            if s.style == .plain {
                if s.string == "null" || s.string == "~" || s.string.isEmpty { return .null }
                if let i = Int(s.string) { return .int(i) }
                if let d = Double(s.string), d.isFinite { return .double(d) }
                if s.string == "true" { return .bool(true) }
                if s.string == "false" { return .bool(false) }
            }
            return .string(s.string)
        case .sequence(let seq):
            return .array(try seq.enumerated().map { try json($0.element, "\(path)[\($0.offset)]") })
        case .mapping:
            var o: [String: JSONValue] = [:]
            for (k, v) in try mapping(node, path) { o[k] = try json(v, "\(path).\(k)") }
            return .object(o)
        case .alias:
            throw error(path, node, "`\(path)` uses a YAML alias; write the value out")
        }
    }
}
