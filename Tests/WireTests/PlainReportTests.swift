// The REPORT body read without a JSON tree (`EpochReport.plain`) against the tree path it stands
// in for: wherever it answers, it answers the same Report; on every other body it steps aside.
// Leaves out the refusals themselves (BodyCodecTests, ValidationTests: the tree path words them).

import Foundation
import RungBasics
import Search
import Testing
@testable import Wire

/// `"m0":0,"m1":1,…` for `n` names.
private func manyNames(_ n: Int) -> String {
    (0..<n).map { "\"m\($0)\":\($0)" }.joined(separator: ",")
}

/// Whether two readings are the same to the bit: every field, the metrics' names in order.
private func same(_ a: Report?, _ b: Report?) -> Bool {
    guard let a, let b else { return a == nil && b == nil }
    return a.trial == b.trial && a.attempt == b.attempt && a.seq == b.seq && a.atRung == b.atRung
        && a.resource.bitPattern == b.resource.bitPattern && a.time?.bitPattern == b.time?.bitPattern
        && a.metrics.keys == b.metrics.keys && a.metrics.values.map(\.bitPattern) == b.metrics.values.map(\.bitPattern)
}

/// A REPORT body with `metrics` (the object's members, written as given).
private func body(_ metrics: String, seq: Int = 1) -> String {
    #"{"trial":1,"attempt":1,"seq":\#(seq),"resource":1,"metrics":{\#(metrics)},"atRung":true}"#
}

/// `text` read with the kept names `names`.
private func plain(_ text: String, _ names: inout MetricNameCache) -> Report? {
    Array(text.utf8).withUnsafeBytes { EpochReport.plain($0, names: &names) }
}

struct PlainReportTests {
    /// The tree path's reading of a REPORT body.
    private func viaTree(_ text: String) -> Report? {
        guard let tree = try? BodyDecoder.tree(Data(text.utf8)) else { return nil }
        return try? Report(json: tree, path: [])
    }

    @Test func plainBodiesReadAsTheTreeReadsThem() throws {
        let bodies = [
            #"{"trial":17,"attempt":1,"seq":3,"resource":3,"metrics":{"val_loss":0.41234,"acc":0.8731},"atRung":true,"time":1764426000.125}"#,
            #" { "trial" : 0 , "attempt": 2, "seq": 1, "resource": 0.5, "metrics": {}, "atRung": false } "#,
            #"{"atRung":false,"metrics":{"a":"NaN","b":"Infinity","c":"-Infinity","d":-0.0,"e":1e-7},"resource":1.5e2,"seq":9,"attempt":1,"trial":4,"time":null}"#,
            #"{"trial":1,"attempt":1,"seq":1,"resource":1,"metrics":{"x":1,"x":2},"atRung":true}"#,  // last name wins, as in the tree path
            "{\"trial\":1,\"attempt\":1,\"seq\":1,\"resource\":1,\"metrics\":{\"loss\":12345678901234567890},\"atRung\":true}",
            #"{"trial":1,"attempt":1,"seq":1,"resource":1,"metrics":{"ab":1,"cd":2,"abc":4,"ab":3},"atRung":true}"#,  // a repeat among names of one length
            #"{"trial":1,"attempt":1,"seq":1,"resource":1,"metrics":{\#(manyNames(17)),"m3":-1},"atRung":true}"#,     // a repeat past the 16th name
            #"{"trial":1,"attempt":1,"seq":1,"resource":1,"metrics":{\#(manyNames(40))},"atRung":true}"#,            // many distinct names
        ]
        for text in bodies {
            let plain = try #require(EpochReport.plain(Data(text.utf8)), "\(text)")
            // The same reading from bytes held in place (a socket's buffer).
            let inPlace = try #require(Array(text.utf8).withUnsafeBytes { EpochReport.plain($0) }, "\(text)")
            #expect(inPlace.trial == plain.trial && inPlace.attempt == plain.attempt && inPlace.seq == plain.seq)
            #expect(inPlace.resource.bitPattern == plain.resource.bitPattern && inPlace.atRung == plain.atRung)
            #expect(inPlace.time?.bitPattern == plain.time?.bitPattern)
            #expect(inPlace.metrics.keys == plain.metrics.keys && inPlace.metrics.values.map(\.bitPattern) == plain.metrics.values.map(\.bitPattern))
            let tree = try #require(viaTree(text), "\(text)")
            #expect(plain.trial == tree.trial && plain.attempt == tree.attempt && plain.seq == tree.seq)
            #expect(plain.resource.bitPattern == tree.resource.bitPattern && plain.atRung == tree.atRung)
            #expect(plain.time?.bitPattern == tree.time?.bitPattern)
            #expect(plain.metrics.keys == tree.metrics.keys, "\(text)")
            for (k, v) in tree.metrics { #expect(plain.metrics[k]?.bitPattern == v.bitPattern, "\(k) in \(text)") }
        }
    }

    @Test func anythingElseStepsAsideForTheTreePath() {
        let bodies = [
            "", "{}", "[]", "null",
            #"{"trial":1,"attempt":1,"seq":1,"resource":1,"metrics":{},"atRung":true,"extra":1}"#,   // unknown field
            #"{"trial":1,"trial":2,"attempt":1,"seq":1,"resource":1,"metrics":{},"atRung":true}"#,   // repeated field (first wins there)
            #"{"trial":1.5,"attempt":1,"seq":1,"resource":1,"metrics":{},"atRung":true}"#,           // not an integer
            #"{"trial":1,"attempt":1,"seq":1,"resource":1e999,"metrics":{},"atRung":true}"#,         // beyond a Double
            #"{"trial":1,"attempt":1,"seq":1,"resource":1,"metrics":{"l\u00e9":1},"atRung":true}"#,  // an escape
            #"{"trial":1,"attempt":1,"seq":1,"resource":1,"metrics":{"lé":1},"atRung":true}"#,       // non-ASCII
            #"{"trial":1,"attempt":1,"seq":1,"resource":1,"metrics":{"a":"nan"},"atRung":true}"#,    // not a spelling
            #"{"trial":1,"attempt":1,"seq":1,"resource":1,"metrics":{},"atRung":1}"#,                // wrong type
            #"{"trial":1,"attempt":1,"seq":1,"resource":1,"metrics":{},"atRung":true} x"#,           // trailing bytes
            #"{"trial":1,"attempt":1,"seq":1,"resource":1,"metrics":{},"atRung":true"#,              // truncated
            #"{"trial":1,"attempt":1,"seq":1,"metrics":{},"atRung":true}"#,                          // missing field
            #"{"trial":1,"attempts":1,"seq":1,"resource":1,"metrics":{},"atRung":true}"#,            // unknown keys with the
            #"{"trial":1,"attempt":1,"sek":1,"resource":1,"metrics":{},"atRung":true}"#,             // lengths of known ones
            #"{"trial":1,"attempt":1,"seq":1,"resource":1,"metricz":{},"atRung":true}"#,
            #"{"trial":1,"attempt":1,"seq":1,"resourcE":1,"metrics":{},"atRung":true}"#,
            #"{"trial":1,"attempt":1,"seq":1,"resource":1,"metrics":{},"atRunk":true}"#,
            #"{"triax":1,"attempt":1,"seq":1,"resource":1,"metrics":{},"atRung":true}"#,
        ]
        for text in bodies { #expect(EpochReport.plain(Data(text.utf8)) == nil, "\(text)") }
    }
    /// One cache through reports whose names stay, change, shrink, grow, repeat, run past what
    /// it keeps, and a report cut short after a repeated name: each reads as with no cache.
    @Test func keptNamesReadAsFreshOnes() throws {
        let long = String(repeating: "validation_accuracy_", count: 6)
        let bodies = [
            body(#""val_loss":0.41,"val_acc":0.87,"lr":0.001"#),
            body(#""val_loss":0.4,"val_acc":0.88,"lr":0.0009"#, seq: 2),
            body(#""val_loss":0.39,"val_acc":0.89"#),                                 // fewer
            body(#""val_loss":0.39,"val_acc":0.89,"lr":1,"epoch_time":12.5"#),         // more
            body(#""val_loss":0.39,"val_acc2":0.89,"lr":1,"epoch_time":12.5"#),        // one changed
            body(#""val_loss":0.39,"val_acd":0.89,"lr":1,"epoch_time":12.5"#),         // same length
            body(#""val_loss":1,"val_loss":2"#),                                       // a repeat
            body(#""val_loss":1,"val_acd":2"#),
            body(#""val_loss":1,"val_acd":2"#) + " x",                                 // refused whole
            body(#""val_loss":1,"val_loss":2,"x":"#),                                  // cut short after a repeat
            body(#""val_loss":1,"val_loss":2"#),                                       // the repeat read whole
            body(#""val_loss":1,"val_loss":2"#),
            body(#""a":1,"b":2,"c":3"#),
            body(#""a":1,"b":2,"a":3"#),                                              // a repeat after the kept prefix
            body(#""a":1,"b":2"#),
            body(#""":1,"b":2"#),                                                     // an empty name
            body(#""":1,"":2"#),
            body(#""\#(long)1":1,"\#(long)2":2,"\#(long)":3"#),                       // long names
            body(#""\#(long)1":1,"\#(long)2":2,"\#(long)":3"#),
            body(#""\#(long)1":1,"\#(long)3":2,"\#(long)":3"#),                       // differing in the middle
            body(manyNames(40)),                                                       // past `maxNames`
            body(manyNames(40) + #","m39":-1"#),
            body(manyNames(40)),
            body((0..<30).map { #""\#(long)\#($0)":\#($0)"# }.joined(separator: ",")), // past `maxBytes`
            body((0..<30).map { #""\#(long)\#($0)":\#($0)"# }.joined(separator: ",")),
            body((0..<30).map { #""\#(long)\#($0 % 20)":\#($0)"# }.joined(separator: ",")),
            body(#""val_loss":0.41,"val_acc":0.87,"lr":0.001"#),
        ]
        var names = MetricNameCache()
        for text in bodies {
            let kept = plain(text, &names)
            let fresh = EpochReport.plain(Data(text.utf8))
            #expect(same(kept, fresh), "\(text)")
            if let kept { #expect(kept.metrics.count == Set(kept.metrics.keys).count, "\(text)") }
            if let tree = viaTree(text), let kept { #expect(same(kept, tree), "\(text)") }
        }
    }

    /// Random plain bodies, names drawn from a small set (so that they repeat from report to
    /// report, and within one): read with one cache, with none, and by the tree, alike.
    @Test func randomBodiesReadAlikeWithAndWithoutKeptNames() {
        var rng = SplitMix64(seed: 5)
        let pool = ["", "a", "b", "lr", "acc", "val_loss", "val_acc", "val_lost", "train_loss_ema",
                    "validation_accuracy_top5", "validation_accuracy_top1", String(repeating: "n", count: 300)]
        let values = ["0", "-0", "1", "0.41234", "-2.5", "1764426000.125", "1e-7", "12345678901234567890",
                      "0.30000000000000004", #""NaN""#, #""Infinity""#, #""-Infinity""#]
        var previous: [String] = []
        var names = MetricNameCache()
        for _ in 0..<5_000 {
            var metricNames: [String]
            switch rng.next() % 4 {
            case 0, 1 where !previous.isEmpty: metricNames = previous  // as the last report
            case 2 where !previous.isEmpty:
                metricNames = previous
                metricNames[Int(rng.next() % UInt64(previous.count))] = pool[Int(rng.next() % UInt64(pool.count))]
            default:
                metricNames = (0..<Int(rng.next() % 9)).map { _ in pool[Int(rng.next() % UInt64(pool.count))] }
            }
            previous = metricNames
            var text = body(metricNames.map { #""\#($0)":\#(values[Int(rng.next() % UInt64(values.count))])"# }
                                .joined(separator: ","))
            if rng.next() % 10 == 0 { text = String(text.prefix(Int(rng.next() % UInt64(text.utf8.count)))) }
            let kept = plain(text, &names)
            let fresh = EpochReport.plain(Data(text.utf8))
            #expect(same(kept, fresh), "\(text)")
            if let kept {
                #expect(same(kept, viaTree(text)), "\(text)")
            }
        }
    }

    /// The receive path takes a REPORT exactly when `validate` accepts its ranges.
    @Test func boundsCheckAgreesWithValidate() {
        let ints = [Int.min, -1, 0, 1, 2, WireBounds.maxAttempt, WireBounds.maxAttempt + 1, WireBounds.maxTrial,
                    WireBounds.maxTrial + 1, WireBounds.maxSeq, WireBounds.maxSeq + 1, Int.max]
        let doubles: [Double] = [-.infinity, -1, -0.0, 0, 1.5, WireBounds.maxTime, WireBounds.maxTime.nextUp,
                                 WireBounds.maxResource, WireBounds.maxResource.nextUp, .infinity, .nan]
        let metrics: [MetricValues] = [
            [:], ["a": 1], ["": 1], [String(repeating: "n", count: 1024): 1], [String(repeating: "n", count: 1025): .nan],
            MetricValues(uniquing: (0..<10_000).map { (key: "m\($0)", value: 0) }),
            MetricValues(uniquing: (0..<10_001).map { (key: "m\($0)", value: 0) }),
        ]
        var checked = 0
        for t in ints {
            for a in ints where a == t || a <= 2 {
                for s in ints where s == t || s == 1 {
                    for r in doubles {
                        for time in [nil] + doubles where time == nil || r == 1.5 {
                            for m in metrics where m.count < 2 || (t == 0 && r == 0) {
                                let report = Report(trial: TrialID(t), attempt: a, seq: s, resource: r, metrics: m,
                                                    atRung: false, time: time)
                                let valid = (try? Message.report(report).validate()) != nil
                                let frame = Envelope.encode(.report(report))[0]
                                let taken = frame.withUnsafeBytes { Envelope.plainReport(frame: $0, limits: .standard) } != nil
                                #expect(taken == valid, "\(report)")
                                checked += 1
                            }
                        }
                    }
                }
            }
        }
        #expect(checked > 1000)
    }

    /// The receive path's literal header is the header `encode` writes.
    @Test func literalReportHeaderIsTheWrittenOne() {
        let written = Envelope.frame(type: MessageType.report.rawValue, body: [UInt8]())
        #expect(Array("\(Envelope.reportHeaderText)".utf8) == Array(written))
        #expect(Envelope.reportHeaderText.utf8CodeUnitCount >= 8)
    }
}
