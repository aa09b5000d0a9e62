// The metric names of the last REPORT a receiver read, kept so that the next one, which nearly
// always names the same metrics in the same order, reuses their `String`s instead of making and
// checking new ones (`EpochReport.plain(_:names:)`). Leaves out the values and everything else of
// a report: this only saves the names' strings and their duplicate check.

/// Metric names kept from one REPORT to the next by a receiver (one per receiving socket).
///
/// A kept name is reused only where the bytes at the same position of the next report equal it
/// byte for byte (plain names are ASCII, so equal bytes are equal strings); any other name is made
/// anew and replaces the kept ones from its position on. Whatever the input, a report reads the
/// same with a cache, with an empty one or with none.
public struct MetricNameCache: Sendable {
    /// The most names kept (names past it are made anew every time).
    public static let maxNames = 32
    /// The most bytes of names kept, all names together.
    public static let maxBytes = 2048

    /// One kept name: the string, and where its bytes end in `bytes`.
    struct Entry: Sendable {
        var name: String
        var end: Int
    }

    /// The kept names, in the order of the report they came from.
    var entries: [Entry] = []
    /// The kept names' UTF-8 bytes, back to back.
    var bytes: [UInt8] = []
    /// Whether the kept names are distinct (false when unknown).
    var distinct = false
    /// False for the cache that keeps nothing (`none`).
    let keeps: Bool

    /// An empty cache.
    public init() { keeps = true }

    private init(keeps: Bool) { self.keeps = keeps }

    /// A cache that keeps nothing: every name is made anew (a reader of one report).
    public static var none: MetricNameCache { MetricNameCache(keeps: false) }

    /// The kept name at `position` if its bytes are `k`'s.
    func name(at position: Int, _ k: UnsafeBufferPointer<UInt8>) -> String? {
        guard position < entries.count else { return nil }
        let start = position == 0 ? 0 : entries[position - 1].end
        let e = entries[position]
        guard e.end - start == k.count else { return nil }
        if k.isEmpty { return e.name }
        let same = bytes.withUnsafeBufferPointer { kept in
            Self.equal(UnsafeRawPointer(kept.baseAddress! + start), UnsafeRawPointer(k.baseAddress!), k.count)
        }
        return same ? e.name : nil
    }

    /// Keeps `name` (whose bytes are `k`) at `position`, dropping the kept names from there on;
    /// nothing past `maxNames` or `maxBytes`, or after a position that was not kept.
    mutating func keep(_ name: String, _ k: UnsafeBufferPointer<UInt8>, at position: Int) {
        guard keeps, position <= entries.count, position < Self.maxNames else { return }
        if position < entries.count {
            entries.removeSubrange(position...)
            bytes.removeSubrange((position == 0 ? 0 : entries[position - 1].end)...)
        }
        guard bytes.count + k.count <= Self.maxBytes else { return }
        bytes.append(contentsOf: k)
        entries.append(Entry(name: name, end: bytes.count))
    }

    /// Whether the `n` bytes at `a` and at `b` are equal: 8, 4, 2 or 1 bytes at a time, the last
    /// load overlapping the one before it, never past the `n` bytes.
    @inline(__always)
    static func equal(_ a: UnsafeRawPointer, _ b: UnsafeRawPointer, _ n: Int) -> Bool {
        if n >= 8 {
            var k = 0
            while k + 8 < n {
                if a.loadUnaligned(fromByteOffset: k, as: UInt64.self) != b.loadUnaligned(fromByteOffset: k, as: UInt64.self) { return false }
                k += 8
            }
            return a.loadUnaligned(fromByteOffset: n - 8, as: UInt64.self) == b.loadUnaligned(fromByteOffset: n - 8, as: UInt64.self)
        }
        if n >= 4 {
            return a.loadUnaligned(as: UInt32.self) == b.loadUnaligned(as: UInt32.self)
                && a.loadUnaligned(fromByteOffset: n - 4, as: UInt32.self) == b.loadUnaligned(fromByteOffset: n - 4, as: UInt32.self)
        }
        if n >= 2 {
            return a.loadUnaligned(as: UInt16.self) == b.loadUnaligned(as: UInt16.self)
                && a.loadUnaligned(fromByteOffset: n - 2, as: UInt16.self) == b.loadUnaligned(fromByteOffset: n - 2, as: UInt16.self)
        }
        return n == 0 || a.load(as: UInt8.self) == b.load(as: UInt8.self)
    }
}
