// MetricValues, the metrics of a report: read by name, in the order reported, each name once (the
// last value of a repeated name wins, in the place of its first), equal and hashed like a
// dictionary whatever the order.

import Foundation
import Search
import Testing

@Suite struct MetricValuesTests {
    @Test func readByNameInOrder() {
        var m: MetricValues = ["val_loss": 0.41, "acc": 0.87]
        #expect(m["acc"] == 0.87 && m["val_loss"] == 0.41 && m["f1"] == nil)
        #expect(m.keys == ["val_loss", "acc"] && m.values == [0.41, 0.87] && m.count == 2)
        m["f1"] = 0.5
        m["acc"] = 0.9
        #expect(m.keys == ["val_loss", "acc", "f1"] && m["acc"] == 0.9)
        m["val_loss"] = nil
        m["absent"] = nil
        #expect(m.keys == ["acc", "f1"])
        #expect(m.dictionary == ["acc": 0.9, "f1": 0.5])
        #expect(MetricValues(["a": 1]).pairs.map(\.key) == ["a"])
    }

    @Test func repeatedNamesKeepTheLastValueInTheFirstPlace() {
        let few = MetricValues(uniquing: [("x", 1), ("y", 2), ("x", 3)])
        #expect(few.keys == ["x", "y"] && few["x"] == 3)
        // Past 16 pairs the check goes through an index instead of comparing every pair.
        var many: [(key: String, value: Double)] = (0..<40).map { (key: "m\($0)", value: Double($0)) }
        many.append((key: "m3", value: -1))
        let unique = MetricValues(uniquing: many)
        #expect(unique.count == 40 && unique["m3"] == -1 && unique.keys[3] == "m3" && unique.keys.last == "m39")
        let distinct = MetricValues(uniquing: Array(many.prefix(20)))
        #expect(distinct.count == 20 && distinct.keys == (0..<20).map { "m\($0)" })
    }

    @Test func equalAndHashedWhateverTheOrder() {
        let a: MetricValues = ["x": 1, "y": 2]
        let b: MetricValues = ["y": 2, "x": 1]
        #expect(a == b && a.hashValue == b.hashValue)
        #expect(a != ["x": 1, "y": 3] && a != ["x": 1] && a != ["x": 1, "z": 2])
        let nan: MetricValues = ["loss": .nan]
        #expect(nan != nan)  // as `[String: Double]` compares NaN values
        #expect(Set([a, b]).count == 1)
    }

    @Test func filterKeepsTheOrder() {
        let m: MetricValues = ["seconds": 3, "val_loss": 0.4, "acc": 0.9, "latency_ms": 2]
        let kept: MetricValues = m.filter { $0.key != "seconds" && $0.key != "latency_ms" }
        #expect(kept.keys == ["val_loss", "acc"] && kept.values == [0.4, 0.9])
        #expect(m.filter { _ in false }.isEmpty)
    }

    @Test func jsonIsADictionarys() throws {
        let m: MetricValues = ["val_loss": 0.41, "acc": 0.87, "loss": .nan, "up": .infinity]
        let plain = JSONEncoder()
        plain.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        // A key-sorting encoder writes the very text of the same numbers as a dictionary. (Members
        // go to the encoder in order; Foundation's own encoder keeps no order without sorting, the
        // wire's does: WireTests' BodyCodecTests.)
        let sorted = JSONEncoder()
        sorted.outputFormatting = [.sortedKeys]
        sorted.nonConformingFloatEncodingStrategy = plain.nonConformingFloatEncodingStrategy
        #expect(String(decoding: try sorted.encode(m), as: UTF8.self) == #"{"acc":0.87,"loss":"nan","up":"inf","val_loss":0.41}"#)
        #expect(try sorted.encode(m) == (try sorted.encode(m.dictionary)))
        // A dictionary's JSON reads as the metrics, and the metrics' JSON as the dictionary.
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        let back = try decoder.decode(MetricValues.self, from: try plain.encode(m.dictionary))
        #expect(back.count == 4 && back["val_loss"] == 0.41 && back["acc"] == 0.87 && back["loss"]!.isNaN && back["up"] == .infinity)
        let dictionary = try decoder.decode([String: Double].self, from: try plain.encode(m))
        #expect(dictionary.count == 4 && dictionary["acc"] == 0.87 && dictionary["loss"]!.isNaN)
    }
}
