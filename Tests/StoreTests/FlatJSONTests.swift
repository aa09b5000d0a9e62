// The flat JSON of configurations and metrics: exact, type-preserving round trips.
import Testing
import Search
@testable import Store

@Test func configurationRoundTripKeepsTypes() throws {
    let config: Configuration = [
        "lr": .double(1.0), "tiny": .double(5e-324), "neg": .double(-0.0), "third": .double(1.0 / 3),
        "layers": .int(3), "big": .int(Int.max), "opt": .string("adam \"w\"\n\\ é 😀\u{01}"), "bn": .bool(false),
    ]
    let text = FlatJSON.encode(config)
    #expect(text.hasPrefix("{\"big\":9223372036854775807,\"bn\":false,\"layers\":3,\"lr\":1.0,"))
    let back = try FlatJSON.decodeConfiguration(text)
    #expect(back == config)
    #expect(back["neg"]?.numeric?.sign == .minus)
}

@Test func metricsRoundTripNonFinite() throws {
    let metrics: MetricValues = ["loss": Double.nan, "up": .infinity, "down": -.infinity, "acc": 0.1, "n": 2]
    let text = FlatJSON.encode(metrics)
    #expect(text == "{\"acc\":0.1,\"down\":\"-inf\",\"loss\":\"nan\",\"n\":2.0,\"up\":\"inf\"}")
    let back = try FlatJSON.decodeMetrics(text)
    #expect(back.count == 5)
    #expect(back["loss"]!.isNaN)
    #expect(back["up"] == .infinity && back["down"] == -.infinity && back["acc"] == 0.1 && back["n"] == 2)
    #expect(back.keys == ["acc", "down", "loss", "n", "up"])
}

@Test func metricsReadInTheRowsOrderAndARepeatedNameKeepsItsLastValue() throws {
    let back = try FlatJSON.decodeMetrics(#"{"val_loss":0.4,"acc":0.9,"val_loss":0.3}"#)
    #expect(back.keys == ["val_loss", "acc"] && back["val_loss"] == 0.3)
    #expect(try FlatJSON.decodeMetrics("{}").isEmpty)
    #expect(throws: StoreError.self) { try FlatJSON.decodeMetrics(#"{"acc":"high"}"#) }
}

@Test func malformedObjectsAreRefused() {
    for bad in ["", "{", "{\"a\":}", "{\"a\":1,}", "{\"a\" 1}", "[1]", "{\"a\":1} x", "{\"a\":\"\\q\"}"] {
        #expect(throws: StoreError.self, "\(bad)") { try FlatJSON.decodeConfiguration(bad) }
    }
    #expect((try? FlatJSON.decodeConfiguration("{ }")) == [:])
}
