// The three messages that once crashed the coordinator — a LOG with a huge `seq`, a REPORT with a
// NaN / infinite / 1e308 `resource` (journalled first, so every restart crashed again), two HELLOs
// with `slots` near Int.max — sent to a real coordinator over a real socket: each gets ERROR
// MALFORMED_BODY naming the field, the coordinator carries on, and a restart on the same directory
// reads back a journal with none of them in it.
import Foundation
import Testing
import Search
import Store
import Wire
@testable import Runtime

@Suite(.serialized) struct CrashInputTests {
    @Test func crashInputsAreRefusedAndARestartOnTheSameDirectoryWorks() throws {
        let s = try ScriptStudy(trials: 1, sleep: 0)
        defer { s.remove() }
        let endpoints = try LoopbackEndpoints()
        let options = endpoints.coordinatorOptions(study: s.studyFile, directory: s.directory)
        let coordinator = try CoordinatorProcess(options: options)
        // Its own thread from the start (not a Task: the test blocks on sockets, and a busy
        // cooperative pool would never start one).
        let served = DispatchSemaphore(value: 0)
        Thread.detachNewThread { try? coordinator.run(); served.signal() }
        defer { coordinator.requestStop() }

        let context = try ZMQContext()
        func dealer(_ name: String) throws -> ZMQSocket {
            let d = try ZMQSocket(context, .dealer, options: [.linger(milliseconds: 0), .routingID(Data(name.utf8))])
            try d.connect(endpoints.routerURL)
            return d
        }
        let worker = try dealer("w1")
        defer { worker.close() }
        try worker.send(.hello(Hello(name: "w1", host: "h", pid: 1, slots: 1)))
        var assign: Assign?
        while assign == nil, let m = try worker.receiveMessage(timeout: .seconds(60)) {
            if case .assign(let a) = m { assign = a }
        }
        let a = try #require(assign)
        func reply(_ socket: ZMQSocket, _ type: String, _ body: String) throws -> ErrorReply? {
            try socket.send([Envelope.frame(type: type, body: body.utf8)])
            while let m = try socket.receiveMessage(timeout: .seconds(60)) {
                if case .error(let e) = m { return e }
            }
            return nil
        }
        let t = a.trial.rawValue, n = a.attempt
        let huge = try reply(worker, "LOG", #"{"trial":\#(t),"attempt":\#(n),"seq":9300000000000000,"stream":"stdout","lines":["x"]}"#)
        #expect(huge?.code == .malformedBody && huge!.message.contains("`seq`"))
        for resource in [#""NaN""#, #""Infinity""#, #""-Infinity""#, "1e308"] {
            let e = try reply(worker, "REPORT",
                              #"{"trial":\#(t),"attempt":\#(n),"seq":1,"resource":\#(resource),"metrics":{"acc":0.5},"atRung":true}"#)
            #expect(e?.code == .malformedBody && e!.message.contains("`resource`"), "\(resource)")
        }
        for name in ["h1", "h2"] {
            let d = try dealer(name)
            defer { d.close() }
            let e = try reply(d, "HELLO", #"{"name":"\#(name)","host":"h","pid":1,"slots":\#(Int.max - 1),"protocolVersion":1,"cachedCheckpoints":[],"running":[]}"#)
            #expect(e?.code == .malformedBody && e!.message.contains("`slots`"))
        }
        // A good report after them is taken; the coordinator still answers.
        try worker.send(.report(Report(trial: a.trial, attempt: n, seq: 1, resource: 0.5, metrics: ["acc": 0.5], atRung: false)))
        try worker.send(.status(StatusRequest()))
        var status: StatusReply?
        while status == nil, let m = try worker.receiveMessage(timeout: .seconds(60)) {
            if case .statusReply(let r) = m { status = r }
        }
        #expect(status?.workers.map(\.name) == ["w1"])
        coordinator.requestStop()
        served.wait()

        // The restart reads back every record; none of the refused messages was written.
        let restarted = try CoordinatorProcess(options: options)
        #expect(restarted.restoredRecords > 0)
        let reports = try StudyStore.open(StudyDirectory(s.directory), role: .reader).summary().reportCount
        #expect(reports == 1)
    }
}
