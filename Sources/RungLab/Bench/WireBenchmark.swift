// Transport benchmark kernels behind `rung bench-wire`: one-way throughput and round-trip latency
// over real tcp loopback, for Rung's envelope (JSON encode/decode included) and, as the peer
// figure, raw zmq_send/zmq_recv of the same sizes. Lives in Wire so only Wire touches libzmq's C
// API. Leaves out durability (the coordinator's store) and printing (RungCLI).

import CZeroMQ
import Dispatch
import Foundation
import RungBasics
import Search
import Wire

/// What travels in a benchmark run.
public enum BenchPayload: String, Sendable, CaseIterable {
    /// 100-byte messages through raw `zmq_send`/`zmq_recv` (libzmq's own figure).
    case raw100 = "raw libzmq, 100 B"
    /// 100-byte single frames through `ZMQSocket.send/receive` ([Data], no envelope).
    case frames100 = "ZMQSocket [Data], 100 B"
    /// A LOG message whose JSON body is 100 bytes, encoded and decoded with `Envelope`.
    case envelope100 = "Rung envelope, 100 B body"
    /// A REPORT with five metrics, encoded and decoded with `Envelope`.
    case report = "Rung envelope, REPORT"

    /// Each payload by its short name (`rung bench-wire --payload`).
    public static let byName: [String: BenchPayload] =
        ["raw": .raw100, "frames": .frames100, "envelope": .envelope100, "report": .report]
}

/// One throughput measurement.
public struct ThroughputFigure: Sendable {
    /// What was sent.
    public var payload: BenchPayload
    /// Messages timed (from the first received to the last).
    public var messages: Int
    /// Wall time of the timed span.
    public var seconds: Double
    /// Bytes of one message on the wire (all frames, without the routing id).
    public var bytesPerMessage: Int
    /// Messages per second.
    public var rate: Double { Double(messages) / seconds }
}

/// One latency measurement (microseconds).
public struct LatencyFigure: Sendable {
    /// What was sent.
    public var payload: BenchPayload
    /// Round trips timed.
    public var roundTrips: Int
    /// Median round trip.
    public var p50: Double
    /// 99th percentile round trip.
    public var p99: Double
    /// Mean round trip.
    public var mean: Double
}

/// DEALER→ROUTER benchmarks on tcp loopback; the receiver runs on the calling thread, the sender on
/// a second thread with its own socket (sockets never cross threads).
public enum WireBenchmark {
    /// The 100-byte-body LOG message and the REPORT message used by the envelope payloads.
    public static func sample(_ payload: BenchPayload, seq: Int) -> Message {
        switch payload {
        case .report:
            return .report(Report(trial: TrialID(17), attempt: 1, seq: seq, resource: 3,
                                  metrics: ["val_loss": 0.41234, "val_acc": 0.8731, "val_f1": 0.86412,
                                            "train_loss": 0.3312, "lr": 0.00031],
                                  atRung: true, time: 1_764_426_000.125))
        default:
            return .log(LogLines(trial: TrialID(17), attempt: 1, seq: seq, stream: .stdout, lines: [padding]))
        }
    }

    /// A log line that makes the LOG body exactly 100 bytes (for a 6-digit seq).
    private static let padding: String = {
        let frame = Envelope.encode(.log(LogLines(trial: TrialID(17), attempt: 1, seq: 100_000, stream: .stdout, lines: [""])))[0]
        let base = frame.count - (frame.firstIndex(of: 0x0A)! + 1)  // the body, after the header line
        return String(repeating: "x", count: max(0, 100 - base))
    }()

    /// Sends `messages` messages one way and times the receiver from the first to the last.
    public static func oneWay(_ payload: BenchPayload, messages: Int) throws(WireError) -> ThroughputFigure {
        let ctx = try ZMQContext()
        let router = try ZMQSocket(ctx, .router, options: [.receiveHighWaterMark(10_000)])
        try router.bind("tcp://127.0.0.1:*")
        let endpoint = try router.lastEndpoint
        let done = DispatchSemaphore(value: 0)
        let failure = LockedText()
        let sender = Thread {
            defer { done.signal() }
            do {
                let dealer = try ZMQSocket(ctx, .dealer, options: [.sendHighWaterMark(10_000)])
                try dealer.connect(endpoint)
                try send(payload, count: messages, on: dealer)
            } catch {
                failure.set("\(error)")
            }
        }
        sender.start()
        var bytes = 0
        var start = ContinuousClock.now
        let scratch = RawBuffers()
        for i in 0..<messages {
            let n = try receiveOne(payload, on: router, scratch)
            if i == 0 { start = .now; bytes = n }
        }
        let elapsed = ContinuousClock.now - start
        done.wait()
        if let f = failure.get() { throw WireError(.transport, "sender: \(f)") }
        return ThroughputFigure(payload: payload, messages: messages - 1, seconds: seconds(elapsed), bytesPerMessage: bytes)
    }

    /// Times `count` request/reply round trips: the DEALER sends, the ROUTER receives, decodes and
    /// answers (a STOP for the envelope payloads, an echo for raw), the DEALER receives.
    public static func roundTrip(_ payload: BenchPayload, count: Int) throws(WireError) -> LatencyFigure {
        let ctx = try ZMQContext()
        let dealer = try ZMQSocket(ctx, .dealer)
        let ready = DispatchSemaphore(value: 0)
        let done = DispatchSemaphore(value: 0)
        let failure = LockedText()
        let bound = LockedText()
        let server = Thread {
            defer { done.signal() }
            do {
                let router = try ZMQSocket(ctx, .router)
                try router.bind("tcp://127.0.0.1:*")
                bound.set(try router.lastEndpoint)
                ready.signal()
                try echo(payload, count: count + 100, on: router, RawBuffers())
            } catch {
                failure.set("\(error)")
                ready.signal()
            }
        }
        server.start()
        ready.wait()
        if let f = failure.get() { throw WireError(.transport, "server: \(f)") }
        try dealer.connect(bound.get()!)
        var samples: [Double] = []
        samples.reserveCapacity(count)
        let scratch = RawBuffers()
        for i in 0..<(count + 100) {  // the first 100 warm the connection up
            let t0 = ContinuousClock.now
            try send(payload, count: 1, on: dealer, seq: i + 1)
            _ = try receiveReply(payload, on: dealer, scratch)
            if i >= 100 { samples.append(seconds(ContinuousClock.now - t0) * 1e6) }
        }
        done.wait()
        if let f = failure.get() { throw WireError(.transport, "server: \(f)") }
        samples.sort()
        return LatencyFigure(payload: payload, roundTrips: count, p50: samples[samples.count / 2],
                             p99: samples[min(samples.count - 1, samples.count * 99 / 100)],
                             mean: samples.reduce(0, +) / Double(samples.count))
    }

    /// Envelope codec alone, no sockets: mean nanoseconds of this thread's CPU time per message
    /// (not wall time, so other work on the machine sways it less), each way twice. `encode`
    /// makes the frames as new `[Data]` and `decode` reads them through `Envelope.decode`; `write`
    /// and `read` are what a socket does: the frame written into one reused buffer
    /// (`Envelope.write`), and a REPORT read in place from the received bytes
    /// (`Envelope.plainReport`; other types go through `decode` there too, so `read` repeats
    /// `decode` for them).
    public static func codec(_ payload: BenchPayload, count: Int) throws(WireError)
        -> (encode: Double, decode: Double, write: Double, read: Double)
    {
        let messages = (0..<count).map { sample(payload, seq: $0 + 1) }
        var frames: [[Data]] = []
        frames.reserveCapacity(count)
        let t0 = cpuNow()
        for m in messages { frames.append(Envelope.encode(m)) }
        let t1 = cpuNow()
        var check = 0
        for f in frames { if case .log = try Envelope.decode(f) { check += 1 } }
        let t2 = cpuNow()
        precondition(check == (payload == .report ? 0 : count))
        var writer = JSONWriter()
        var written = 0
        let t3 = cpuNow()
        for m in messages {
            writer.bytes.removeAll(keepingCapacity: true)
            _ = Envelope.write(m, into: &writer)
            written &+= writer.bytes.count
        }
        let t4 = cpuNow()
        precondition(written == frames.reduce(0) { $0 + $1[0].count })
        var read = 0
        var names = MetricNameCache()  // kept from report to report, as a ROUTER keeps them
        for f in frames {
            let m = f[0].withUnsafeBytes { Envelope.plainReport(frame: $0, limits: .standard, names: &names) }
            if case .report? = m { read += 1 } else if case .log = try Envelope.decode(f) { read += 1 }
        }
        let t5 = cpuNow()
        precondition(read == count)
        func ns(_ d: UInt64) -> Double { Double(d) / Double(count) }
        return (ns(t1 - t0), ns(t2 - t1), ns(t4 - t3), ns(t5 - t4))
    }

    /// This thread's CPU time in nanoseconds.
    private static func cpuNow() -> UInt64 {
        var t = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t)
        return UInt64(t.tv_sec) * 1_000_000_000 + UInt64(t.tv_nsec)
    }

    // MARK: Loops

    /// The raw payload's frames, allocated once per run as libzmq's own `local_thr`/`remote_thr`
    /// do, so the raw figure is libzmq's and not the allocator's.
    private struct RawBuffers: ~Copyable {
        let id = UnsafeMutableRawPointer.allocate(byteCount: 256, alignment: 16)
        let body = UnsafeMutableRawPointer.allocate(byteCount: 256, alignment: 16)
        deinit { id.deallocate(); body.deallocate() }
    }

    private static func send(_ payload: BenchPayload, count: Int, on s: ZMQSocket, seq: Int = 1) throws(WireError) {
        switch payload {
        case .raw100:
            let h = try s.live("bench send")
            for _ in 0..<count where zmq_send(h, Self.rawPayload, 100, 0) < 0 { throw WireError.zmq("zmq_send") }
        case .frames100:
            let frame = [Data(repeating: 7, count: 100)]
            for _ in 0..<count { try s.send(frame) }
        case .envelope100, .report:
            // One message value, its seq set per send: what is timed is the envelope (JSON
            // encoding, frames, decoding), not building the sender's dictionary of metrics.
            var message = sample(payload, seq: seq)
            for i in 0..<count {
                switch message {
                case .report(var r): r.seq = seq + i; message = .report(r)
                case .log(var l): l.seq = seq + i; message = .log(l)
                default: break
                }
                try s.send(message)
            }
        }
    }

    /// Receives one message on the ROUTER; returns its size without the routing id.
    private static func receiveOne(_ payload: BenchPayload, on r: ZMQSocket, _ scratch: borrowing RawBuffers) throws(WireError) -> Int {
        switch payload {
        case .raw100:
            let h = try r.live("bench receive")
            if zmq_recv(h, scratch.id, 256, 0) < 0 { throw WireError.zmq("zmq_recv") }
            let n = zmq_recv(h, scratch.body, 256, 0)
            if n < 0 { throw WireError.zmq("zmq_recv") }
            return Int(n)
        case .frames100:
            guard let f = try r.receive() else { throw WireError(.transport, "receive timed out") }
            return f.dropFirst().reduce(0) { $0 + $1.count }
        case .envelope100, .report:
            guard let m = try r.receiveRouted() else { throw WireError(.transport, "receive timed out") }
            _ = try m.result.get()
            return m.size
        }
    }

    private static func echo(_ payload: BenchPayload, count: Int, on r: ZMQSocket, _ scratch: consuming RawBuffers) throws(WireError) {
        for i in 0..<count {
            switch payload {
            case .raw100:
                let h = try r.live("bench echo")
                let k = zmq_recv(h, scratch.id, 256, 0)
                let n = zmq_recv(h, scratch.body, 256, 0)
                if k < 0 || n < 0 { throw WireError.zmq("zmq_recv") }
                if zmq_send(h, scratch.id, Int(k), ZMQ_SNDMORE) < 0 || zmq_send(h, scratch.body, Int(n), 0) < 0 {
                    throw WireError.zmq("zmq_send")
                }
            case .frames100:
                guard let f = try r.receive() else { throw WireError(.transport, "receive timed out") }
                try r.send(f)
            case .envelope100, .report:
                guard let m = try r.receiveRouted() else { throw WireError(.transport, "receive timed out") }
                _ = try m.result.get()
                try r.send(.stop(Stop(trial: TrialID(17), attempt: 1, reason: "bench \(i)")), to: m.peer)
            }
        }
    }

    private static func receiveReply(_ payload: BenchPayload, on d: ZMQSocket, _ scratch: borrowing RawBuffers) throws(WireError) -> Int {
        switch payload {
        case .raw100:
            let h = try d.live("bench receive")
            let n = zmq_recv(h, scratch.body, 256, 0)
            if n < 0 { throw WireError.zmq("zmq_recv") }
            return Int(n)
        case .frames100:
            return try d.receive()?.count ?? 0
        case .envelope100, .report:
            _ = try d.receiveMessage()
            return 1
        }
    }

    /// The raw payload's 100 bytes, sent from the same memory every time.
    nonisolated(unsafe) private static let rawPayload: UnsafeMutableRawPointer = {
        let p = UnsafeMutableRawPointer.allocate(byteCount: 100, alignment: 16)
        p.initializeMemory(as: UInt8.self, repeating: 7, count: 100)
        return p
    }()

    private static func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
    }
}
