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
}
