// `rung bench-wire`: the transport's figures — one-way throughput and round-trip latency of Rung's
// envelope over real tcp loopback — beside libzmq's own raw figure from the same run, as ratios.
// Leaves out durability (the coordinator's REPORT ingestion benchmark measures that).

import ArgumentParser
import Foundation
import Wire

struct BenchWireCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-wire",
        abstract: "Measure ZeroMQ transport throughput and latency: Rung's envelope against raw libzmq.",
        discussion: """
            Runs DEALER→ROUTER over tcp://127.0.0.1 on a free port, in one process with a sender \
            thread and a receiver thread. One-way: messages per second counted by the receiver from \
            the first message to the last, the best of --repeats runs, the payloads taking turns; \
            envelope figures include JSON encoding on the sender and decoding on the receiver. Round trip: a DEALER sends, the ROUTER decodes and answers \
            (STOP for envelope payloads, an echo for raw), p50/p99 over all round trips.
            """)

    @Option(name: .long, help: "Messages per one-way run.")
    var messages: Int = 200_000

    @Option(name: .long, help: "Round trips per latency run.")
    var roundTrips: Int = 20_000

    @Option(name: .long, help: "Repeat each one-way run this many times, the payloads taking turns, and keep the best.")
    var repeats: Int = 3

    @Flag(name: .long, help: "Only time the envelope codec (encode and decode, and the sockets' write and read paths; no sockets).")
    var codecOnly = false

    @Option(name: .long, help: "Run only this payload (raw, frames, envelope, report), e.g. under a profiler.")
    var payload: String?

    /// The payloads to run: all, or the one `--payload` names.
    private var payloads: [BenchPayload] {
        guard let payload else { return BenchPayload.allCases }
        return [BenchPayload.byName[payload]!]
    }

    func validate() throws {
        guard messages >= 2 else { throw ValidationError("--messages is \(messages), but must be ≥ 2") }
        guard roundTrips >= 1 else { throw ValidationError("--round-trips is \(roundTrips), but must be ≥ 1") }
        guard repeats >= 1 else { throw ValidationError("--repeats is \(repeats), but must be ≥ 1") }
        if let payload, BenchPayload.byName[payload] == nil {
            throw ValidationError("--payload is '\(payload)', but must be one of: \(BenchPayload.byName.keys.sorted().joined(separator: ", "))")
        }
    }

    func run() throws {
        if codecOnly { return try printCodec() }
        let v = ZMQContext.libraryVersion
        print("libzmq \(v.major).\(v.minor).\(v.patch), tcp loopback, DEALER→ROUTER, \(messages) messages × best of \(repeats)")
        print("")
        print(pad("one-way throughput", 28) + pad("bytes/msg", 11) + pad("msg/s", 14) + pad("MB/s", 9) + "vs raw")
        // The payloads take turns, round after round, so that a slow patch of a shared machine
        // falls on each of them alike rather than on the ones that happened to run then.
        var best: [BenchPayload: ThroughputFigure] = [:]
        for _ in 0..<repeats {
            for payload in payloads {
                let f = try WireBenchmark.oneWay(payload, messages: messages)
                if best[payload].map({ f.rate > $0.rate }) ?? true { best[payload] = f }
            }
        }
        var raw = 0.0
        for payload in payloads {
            let f = best[payload]!
            if payload == .raw100 { raw = f.rate }
            let mb = f.rate * Double(f.bytesPerMessage) / 1e6
            print(pad(payload.rawValue, 28) + pad("\(f.bytesPerMessage)", 11) + pad(fmt(f.rate, 0), 14)
                  + pad(fmt(mb, 1), 9) + (payload == .raw100 ? "1" : raw == 0 ? "-" : "1/" + fmt(raw / f.rate, 1)))
        }
        print("")
        try printCodec()
        print("")
        print(pad("round trip", 28) + pad("p50 µs", 11) + pad("p99 µs", 14) + "mean µs")
        for payload in payloads {
            let l = try WireBenchmark.roundTrip(payload, count: roundTrips)
            print(pad(payload.rawValue, 28) + pad(fmt(l.p50, 1), 11) + pad(fmt(l.p99, 1), 14) + fmt(l.mean, 1))
        }
    }

    private func printCodec() throws {
        print(pad("envelope codec alone", 28) + pad("encode ns", 11) + pad("decode ns", 11)
              + pad("write ns", 10) + "read ns")
        for payload in [BenchPayload.envelope100, .report] where payloads.contains(payload) {
            let c = try WireBenchmark.codec(payload, count: min(messages, 100_000))
            print(pad(payload.rawValue, 28) + pad(fmt(c.encode, 0), 11) + pad(fmt(c.decode, 0), 11)
                  + pad(fmt(c.write, 0), 10) + fmt(c.read, 0))
        }
        print("(CPU time per message. encode: new frames; decode: through Envelope.decode; write: into a")
        print(" reused buffer, as a socket sends; read: a REPORT read in place, as a ROUTER receives it)")
    }

    private func pad(_ s: String, _ n: Int) -> String { s.count >= n ? s + " " : s + String(repeating: " ", count: n - s.count) }
    private func fmt(_ x: Double, _ digits: Int) -> String {
        var s = String(format: "%.\(digits)f", x)
        if digits == 0 {  // thousands separators for rates
            var out = ""
            for (i, c) in s.reversed().enumerated() { if i > 0 && i % 3 == 0 { out.append(",") }; out.append(c) }
            s = String(out.reversed())
        }
        return s
    }
}
