// The one number formatter: parameters to 4 significant digits, metrics to 4 decimals, times and
// sizes in human units — the frictions "dropout=0.10913118664128157", "0.133292 / 7046.89",
// a column mixing 0.91 and 0.898, and "seconds 0.00".
import Testing
import Search

@Test func parametersHaveFourSignificantDigits() {
    #expect(Readable.parameter(.double(0.10913118664128157)) == "0.1091")
    #expect(Readable.parameter(.double(0.00018268513068033358)) == "0.0001827")
    #expect(Readable.parameter(.double(1.826e-05)) == "1.826e-05")
    #expect(Readable.parameter(.double(3.0)) == "3")
    #expect(Readable.parameter(.double(7046.89)) == "7047")
    #expect(Readable.parameter(.double(2.5e7)) == "2.5e+07")
    #expect(Readable.parameter(.int(128)) == "128")
    #expect(Readable.parameter(.string("adam")) == "adam")
    #expect(Readable.config(["dropout": .double(0.10913118664128157), "lr": .double(0.01)]) == "{dropout=0.1091, lr=0.01}")
    #expect(Readable.config(["b": .int(2), "a": .bool(true)], braces: false) == "a=true b=2")
}

@Test func metricsHaveFourDecimalsSoAColumnLinesUp() {
    #expect(Readable.metric(0.91) == "0.9100")
    #expect(Readable.metric(0.898) == "0.8980")
    #expect(Readable.metric(0.133292) == "0.1333")
    #expect(Readable.metric(7046.89) == "7046.8900")
    #expect(Readable.metric(70468.9) == "70469")
    #expect(Readable.metric(.nan) == "nan")
    #expect(Readable.metric(-.infinity) == "-inf")
}

@Test func timesAndSizesInHumanUnits() {
    #expect(Readable.duration(0) == "0 s")
    #expect(Readable.duration(0.0004) == "0.4 ms")
    #expect(Readable.duration(0.0042) == "4 ms")
    #expect(Readable.duration(1.234) == "1.23 s")
    #expect(Readable.duration(42.06) == "42.1 s")
    #expect(Readable.duration(185) == "3 min 05 s")
    #expect(Readable.duration(7620) == "2 h 07 min")
    #expect(Readable.bytes(512) == "512 B")
    #expect(Readable.bytes(1536) == "1.50 KiB")
    #expect(Readable.bytes(12_900_000) == "12.3 MiB")
    #expect(Readable.count(7046) == "7,046")
    #expect(Readable.count(-1234567) == "-1,234,567")
}
