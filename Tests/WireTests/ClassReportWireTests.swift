// The optional `report` field of PAUSED and DONE (protocol 1, revision 2): the exact JSON written,
// decoding with and without it (an older worker sends none), non-finite figures as strings, and
// an older reader's view (unknown fields ignored). Leaves out storing it (StoreTests).

import Foundation
import Search
import Testing
@testable import Wire

@Suite struct ClassReportWireTests {
    static let report = ClassReport(split: "test", classNames: ["cat", "dog"], accuracy: 0.75,
                                    precision: [1, 0.5], recall: [0.5, 1], f1: [2.0 / 3, 2.0 / 3],
                                    support: [2, 2], confusion: [[1, 1], [0, 2]])

    private func decode(_ type: String, _ json: String) throws -> Message {
        try Envelope.decode([Envelope.frame(type: type, body: json.utf8)])
    }

    @Test func doneCarriesTheReportAndRoundTrips() throws {
        let done = Message.done(Done(trial: TrialID(4), attempt: 2, seq: 9, resource: 27, report: Self.report))
        let frames = Envelope.encode(done)
        let text = String(decoding: body(ofFrame: frames[0]), as: UTF8.self)
        #expect(text.contains(#""report":{"#))
        #expect(text.contains(#""classNames":["cat","dog"]"#))
        #expect(text.contains(#""confusion":[[1,1],[0,2]]"#))
        #expect(try Envelope.decode(frames) == done)
    }

    @Test func pausedAndDoneWithoutReportStillDecode() throws {
        #expect(try decode("DONE", #"{"attempt":2,"resource":27,"seq":9,"trial":17}"#)
                == .done(Done(trial: TrialID(17), attempt: 2, seq: 9, resource: 27)))
        #expect(try decode("PAUSED", #"{"attempt":1,"checkpoint":"t17-a1-r3","resource":3,"seq":7,"trial":17,"report":null}"#)
                == .paused(Paused(trial: TrialID(17), attempt: 1, seq: 7, resource: 3, checkpoint: "t17-a1-r3")))
    }

    @Test func reportFromPythonWithNonFiniteFiguresDecodes() throws {
        let m = try decode("DONE", #"{"attempt":1,"resource":3,"seq":4,"trial":0,"future":1,"report":{"split":"test","classNames":["a"],"accuracy":"NaN","precision":[0],"recall":[0],"f1":["NaN"],"support":[0],"confusion":[[0]]}}"#)
        guard case .done(let d) = m, let r = d.report else { Issue.record("no report in \(m)"); return }
        #expect(r.accuracy.isNaN && r.f1[0].isNaN && r.confusion == [[0]] && r.classNames == ["a"])
    }

    @Test func malformedReportIsRefusedNamingTheField() throws {
        #expect(throws: WireError.self) {
            _ = try decode("DONE", #"{"attempt":1,"resource":3,"seq":4,"trial":0,"report":{"split":"test"}}"#)
        }
    }

    @Test func shapeProblemsAreNamed() {
        var r = Self.report
        #expect(r.problem == nil)
        r.recall = [1]
        #expect(r.problem == "the report has 2 class names but 1 `recall` entries; each per-class list needs one per class")
        r = Self.report
        r.confusion = [[1, 1], [0]]
        #expect(r.problem == "row 1 of the report's confusion matrix has 1 columns; it needs 2 (one per class)")
    }
}
