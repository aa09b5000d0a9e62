// An epoch's numbers as JSON, the one coding shared by the wire (a REPORT body), the journal
// (the `.epoch` record) and anyone else who writes or reads it: written with RungBasics'
// JSONWriter, read from bytes with its cursor when the text is a plain one. Leaves out the error
// wording of a refused body (Wire reads those through the JSON tree and words every refusal).

import Foundation
import RungBasics

extension JSONWriter {
    /// `{"trial":…,"attempt":…,"seq":…,"resource":…,"metrics":{…},"atRung":…,"time":…}` (`time`
    /// only when known; metrics in their order). The members `EpochReport.Field` names. Written
    /// in one `withSpace`, sized from the metric names.
    public mutating func write(_ r: EpochReport) {
        let d = JSONSpan.maxDoubleBytes(nonFinite)
        // The keys, punctuation and `false` take 76 bytes; three integers and two doubles.
        var bound = 80 + 3 * JSONSpan.maxIntBytes + 2 * d
        for p in r.metrics.pairs { bound += JSONSpan.maxBytes(of: p.key) + 2 + d }
        withSpace(upTo: bound) { $0.write(r) }
    }

    /// An object of number members, `{"a":1.5,"b":0.25}`, in the metrics' order.
    public mutating func write(_ metrics: MetricValues) {
        let d = JSONSpan.maxDoubleBytes(nonFinite)
        var bound = 2
        for p in metrics.pairs { bound += JSONSpan.maxBytes(of: p.key) + 2 + d }
        withSpace(upTo: bound) { $0.write(metrics) }
    }
}

extension JSONSpan {
    /// `JSONWriter.write(_: EpochReport)` into sized memory.
    public mutating func write(_ r: EpochReport) {
        byte(0x7B)
        key(EpochReport.Field.trial.key, first: true); writeInt(r.trial.rawValue)
        key(EpochReport.Field.attempt.key); writeInt(r.attempt)
        key(EpochReport.Field.seq.key); writeInt(r.seq)
        key(EpochReport.Field.resource.key); writeDouble(r.resource)
        key(EpochReport.Field.metrics.key); write(r.metrics)
        key(EpochReport.Field.atRung.key); writeBool(r.atRung)
        if let time = r.time { key(EpochReport.Field.time.key); writeDouble(time) }
        byte(0x7D)
    }

    /// `JSONWriter.write(_: MetricValues)` into sized memory.
    public mutating func write(_ metrics: MetricValues) {
        byte(0x7B)
        for (i, p) in metrics.pairs.enumerated() {
            key(p.key, first: i == 0)
            writeDouble(p.value)
        }
        byte(0x7D)
    }
}

extension EpochReport {
    /// A report read straight from its JSON bytes, no tree: nil whenever the text is anything but
    /// a plain well-formed one (an unknown or repeated field, an escape or a non-ASCII byte in a
    /// string, a missing field — `time` may be absent or null — a wrong type, bad JSON); the
    /// caller then takes the tree path, which decides and words every refusal. Where it answers,
    /// it answers what Wire's tree path would (the same number reading, first-wins top-level
    /// fields, last-wins metric names).
    public static func plain(_ data: Data) -> EpochReport? {
        var names = MetricNameCache.none
        return JSONParser.scan(data) { $0.plainReport(&names) }
    }

    /// `plain` over bytes the caller holds (valid during the call), without a `Data`.
    public static func plain(_ bytes: UnsafeRawBufferPointer) -> EpochReport? {
        var names = MetricNameCache.none
        return JSONParser.scan(bytes) { $0.plainReport(&names) }
    }

    /// `plain` over bytes the caller holds, reusing the metric names `names` kept from the
    /// reports read before (a receiver's stream of REPORTs) and keeping this one's: the same
    /// answer as without them, with fewer strings made.
    public static func plain(_ bytes: UnsafeRawBufferPointer, names: inout MetricNameCache) -> EpochReport? {
        JSONParser.scan(bytes) { $0.plainReport(&names) }
    }
}

extension JSONParser {
    /// The field whose key is `k`: the one field of that length (`attempt` and `metrics` told
    /// apart by their first byte), then its bytes compared with two overlapping loads, no
    /// `memcmp` call.
    @inline(__always)
    private static func reportField(_ k: UnsafeBufferPointer<UInt8>) -> EpochReport.Field? {
        let f: EpochReport.Field
        switch k.count {
        case 3: f = .seq
        case 4: f = .time
        case 5: f = .trial
        case 6: f = .atRung
        case 7: f = k[0] == 0x61 ? .attempt : .metrics
        case 8: f = .resource
        default: return nil
        }
        let s = f.key
        precondition(s.utf8CodeUnitCount == k.count, "report key \(s) is not \(k.count) bytes long")
        let a = UnsafeRawPointer(k.baseAddress!), b = UnsafeRawPointer(s.utf8Start), n = k.count
        if n >= 4 {
            return a.loadUnaligned(as: UInt32.self) == b.loadUnaligned(as: UInt32.self)
                && a.loadUnaligned(fromByteOffset: n - 4, as: UInt32.self) == b.loadUnaligned(fromByteOffset: n - 4, as: UInt32.self) ? f : nil
        }
        return a.loadUnaligned(as: UInt16.self) == b.loadUnaligned(as: UInt16.self)
            && a.loadUnaligned(fromByteOffset: n - 2, as: UInt16.self) == b.loadUnaligned(fromByteOffset: n - 2, as: UInt16.self) ? f : nil
    }

    /// A finite number, or a non-finite one spelt as a string (`Scalar.double`).
    @inline(__always)
    private mutating func plainValue() -> Double? {
        if next == 0x22 {
            guard let s = plainString() else { return nil }
            switch s.count {
            case 3 where s[0] == 0x4E && s[1] == 0x61 && s[2] == 0x4E: return .nan
            case 8 where String(decoding: s, as: UTF8.self) == "Infinity": return .infinity
            case 9 where String(decoding: s, as: UTF8.self) == "-Infinity": return -.infinity
            default: return nil
            }
        }
        return plainFiniteDouble()
    }

    /// The metrics object, its names taken from `names` where they are the kept ones.
    @inline(__always)
    private mutating func plainMetrics(_ names: inout MetricNameCache) -> MetricValues? {
        guard consume(0x7B) else { return nil }
        skipSpace()
        if consume(0x7D) { return MetricValues() }
        var metrics: [(key: String, value: Double)] = []
        metrics.reserveCapacity(8)
        var kept = true  // every name so far is the kept one at its position
        let keptDistinct = names.distinct
        var distinct = true
        while true {
            skipSpace()
            guard let k = plainString() else { return nil }
            skipSpace()
            guard consume(0x3A) else { return nil }
            skipSpace()
            guard let v = plainValue() else { return nil }
            let position = metrics.count
            let name: String
            if kept, let known = names.name(at: position, k) {
                name = known
            } else {
                name = String(decoding: k, as: UTF8.self)
                if kept { kept = false; names.distinct = false }  // until this report is read whole
                names.keep(name, k, at: position)
            }
            // Whether the names are distinct: a kept name among kept names seen distinct needs
            // no look; any other is compared on its bytes (plain names are ASCII, so equal bytes
            // are equal Strings) with those before it of its length, for the first 16; past them
            // (or at a repeat), `MetricValues(uniquing:)` decides, in linear time.
            if distinct && !(kept && keptDistinct) {
                if metrics.count >= 16 {
                    distinct = false
                } else {
                    for p in metrics where p.key.utf8.count == k.count && p.key.utf8.elementsEqual(k) { distinct = false; break }
                }
            }
            metrics.append((key: name, value: v))
            skipSpace()
            if consume(0x2C) { continue }
            guard consume(0x7D) else { return nil }
            if !kept { names.distinct = distinct }
            return distinct ? MetricValues(distinct: metrics) : MetricValues(uniquing: metrics)
        }
    }

    @inline(__always)
    fileprivate mutating func plainReport(_ names: inout MetricNameCache) -> EpochReport? {
        skipSpace()
        guard consume(0x7B) else { return nil }
        var trial: Int?, attempt: Int?, seq: Int?, resource: Double?, metrics: MetricValues?
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
            case .trial: guard trial == nil, let v = plainInteger() else { return nil }; trial = v
            case .attempt: guard attempt == nil, let v = plainInteger() else { return nil }; attempt = v
            case .seq: guard seq == nil, let v = plainInteger() else { return nil }; seq = v
            case .resource: guard resource == nil, let v = plainValue() else { return nil }; resource = v
            case .metrics: guard metrics == nil, let v = plainMetrics(&names) else { return nil }; metrics = v
            case .atRung:
                guard atRung == nil else { return nil }
                if consume(word: "true") { atRung = true }
                else if consume(word: "false") { atRung = false }
                else { return nil }
            case .time:
                guard !sawTime else { return nil }
                sawTime = true
                if next == 0x6E { guard consume(word: "null") else { return nil } }
                else { guard let v = plainValue() else { return nil }; time = v }
            }
            skipSpace()
            if consume(0x2C) { continue }
            if consume(0x7D) { break members }
            return nil
        }
        skipSpace()
        guard isAtEnd, let trial, let attempt, let seq, let resource, let metrics, let atRung else { return nil }
        return EpochReport(trial: TrialID(trial), attempt: attempt, seq: seq, resource: resource, metrics: metrics,
                      atRung: atRung, time: time)
    }
}
