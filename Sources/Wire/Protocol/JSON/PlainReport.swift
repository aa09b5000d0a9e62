// The REPORT body read straight from its bytes with RungBasics' JSON cursor, no tree: the
// coordinator's hottest decode. Anything but a plain well-formed body is left to the tree path.
// Leaves out every other body and every error message (the tree path words refusals).

import Foundation
import RungBasics
import Search

extension JSONParser {
    /// A REPORT body read straight from its bytes, no tree: nil whenever the body is anything but
    /// a plain well-formed one (an unknown or repeated field, an escape or a non-ASCII byte in a
    /// string, a missing field, a wrong type, bad JSON), and the caller then takes the tree path,
    /// which decides and words every refusal. Where it answers, it answers what the tree path
    /// would (the same number reading, first-wins top-level fields, last-wins metric names).
    static func report(_ data: Data) -> Report? {
        scan(data) { $0.plainReport() }
    }

    private enum ReportField: Int { case trial, attempt, seq, resource, metrics, atRung, time }

    private static func reportField(_ k: UnsafeBufferPointer<UInt8>) -> ReportField? {
        func equals(_ s: StaticString) -> Bool {
            s.utf8CodeUnitCount == k.count && memcmp(s.utf8Start, k.baseAddress!, k.count) == 0
        }
        switch k.count {
        case 3: return equals("seq") ? .seq : nil
        case 4: return equals("time") ? .time : nil
        case 5: return equals("trial") ? .trial : nil
        case 6: return equals("atRung") ? .atRung : nil
        case 7: return equals("attempt") ? .attempt : equals("metrics") ? .metrics : nil
        case 8: return equals("resource") ? .resource : nil
        default: return nil
        }
    }

    /// A finite number, or a non-finite one spelt as a string (`Scalar.double`).
    private mutating func plainDouble() -> Double? {
        if next == 0x22 {
            guard let s = plainString() else { return nil }
            switch s.count {
            case 3 where s[0] == 0x4E && s[1] == 0x61 && s[2] == 0x4E: return .nan
            case 8 where String(decoding: s, as: UTF8.self) == "Infinity": return .infinity
            case 9 where String(decoding: s, as: UTF8.self) == "-Infinity": return -.infinity
            default: return nil
            }
        }
        guard let (d, _) = plainNumber(), d.isFinite else { return nil }
        return d
    }

    private mutating func plainInt() -> Int? {
        guard let (_, exact) = plainNumber() else { return nil }
        return exact
    }

    private mutating func plainMetrics() -> [String: Double]? {
        guard consume(0x7B) else { return nil }
        var metrics: [String: Double] = [:]
        metrics.reserveCapacity(8)
        skipSpace()
        if consume(0x7D) { return metrics }
        while true {
            skipSpace()
            guard let k = plainString() else { return nil }
            skipSpace()
            guard consume(0x3A) else { return nil }
            skipSpace()
            guard let v = plainDouble() else { return nil }
            metrics[String(decoding: k, as: UTF8.self)] = v
            skipSpace()
            if consume(0x2C) { continue }
            if consume(0x7D) { return metrics }
            return nil
        }
    }

    private mutating func plainReport() -> Report? {
        skipSpace()
        guard consume(0x7B) else { return nil }
        var trial: Int?, attempt: Int?, seq: Int?, resource: Double?, metrics: [String: Double]?
        var atRung: Bool?, time: Double?, sawTime = false
        skipSpace()
        if next == 0x7D { return nil }
        members: while true {
            skipSpace()
            guard let k = plainString(), let field = Self.reportField(k) else { return nil }
            skipSpace()
            guard consume(0x3A) else { return nil }
            skipSpace()
            switch field {
            case .trial: guard trial == nil, let v = plainInt() else { return nil }; trial = v
            case .attempt: guard attempt == nil, let v = plainInt() else { return nil }; attempt = v
            case .seq: guard seq == nil, let v = plainInt() else { return nil }; seq = v
            case .resource: guard resource == nil, let v = plainDouble() else { return nil }; resource = v
            case .metrics: guard metrics == nil, let v = plainMetrics() else { return nil }; metrics = v
            case .atRung:
                guard atRung == nil else { return nil }
                if consume(word: "true") { atRung = true }
                else if consume(word: "false") { atRung = false }
                else { return nil }
            case .time:
                guard !sawTime else { return nil }
                sawTime = true
                if next == 0x6E { guard consume(word: "null") else { return nil } }
                else { guard let v = plainDouble() else { return nil }; time = v }
            }
            skipSpace()
            if consume(0x2C) { continue }
            if consume(0x7D) { break members }
            return nil
        }
        skipSpace()
        guard isAtEnd, let trial, let attempt, let seq, let resource, let metrics, let atRung else { return nil }
        return Report(trial: TrialID(trial), attempt: attempt, seq: seq, resource: resource, metrics: metrics,
                      atRung: atRung, time: time)
    }
}
