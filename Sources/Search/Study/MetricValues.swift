// An epoch's metrics as a small ordered list of (name, value) pairs, read by name: what a REPORT
// carries and the coordinator, the store and the search engine look up. A list, not a dictionary:
// a report holds a handful of names, so a scan is cheaper than hashing each one, and the wire's
// decoder builds it with one allocation. Leaves out JSON (EpochReportJSON.swift writes and reads it).

/// Metric name → value, in the order they were reported; each name at most once.
///
/// Equality and hashing ignore the order, as a dictionary's do, so two reports of the same
/// numbers are equal however their JSON was ordered.
public struct MetricValues: Sendable, RandomAccessCollection, ExpressibleByDictionaryLiteral {
    /// The pairs, in order, names unique.
    public private(set) var pairs: [(key: String, value: Double)]

    /// No metrics.
    public init() { pairs = [] }

    /// `pairs` in order; a name given twice keeps its last value (as JSON readers do) in the
    /// place of its first.
    public init(uniquing pairs: [(key: String, value: Double)]) {
        self.pairs = pairs
        guard pairs.count > 1 else { return }
        if pairs.count <= 16 {
            // A handful of names: compare each with those before it.
            var duplicates = false
            outer: for i in 1..<pairs.count {
                for j in 0..<i where pairs[j].key == pairs[i].key { duplicates = true; break outer }
            }
            if !duplicates { return }
        }
        var index: [String: Int] = [:]
        var unique: [(key: String, value: Double)] = []
        unique.reserveCapacity(pairs.count)
        for p in pairs {
            if let i = index[p.key] { unique[i].value = p.value } else { index[p.key] = unique.count; unique.append(p) }
        }
        self.pairs = unique
    }

    /// `pairs` whose names the caller has seen to be distinct (the REPORT reader, which compares
    /// them as bytes): no comparison here.
    init(distinct pairs: [(key: String, value: Double)]) {
        self.pairs = pairs
    }

    /// The members of `dictionary`, in its order.
    public init(_ dictionary: [String: Double]) {
        pairs = dictionary.map { (key: $0.key, value: $0.value) }
    }

    /// `["val_loss": 0.41, "acc": 0.87]`, in the written order.
    public init(dictionaryLiteral elements: (String, Double)...) {
        self.init(uniquing: elements.map { (key: $0.0, value: $0.1) })
    }

    /// The value of metric `name`, nil if not reported. Setting appends a new name, replaces the
    /// value of a known one, and nil removes it.
    public subscript(name: String) -> Double? {
        get {
            for p in pairs where p.key == name { return p.value }
            return nil
        }
        set {
            let i = pairs.firstIndex { $0.key == name }
            switch (i, newValue) {
            case (let i?, let v?): pairs[i].value = v
            case (let i?, nil): pairs.remove(at: i)
            case (nil, let v?): pairs.append((key: name, value: v))
            case (nil, nil): break
            }
        }
    }

    /// The names, in order.
    public var keys: [String] { pairs.map(\.key) }
    /// The values, in order.
    public var values: [Double] { pairs.map(\.value) }
    /// The metrics `isIncluded` keeps, in order (as a dictionary's `filter` gives a dictionary).
    public func filter(_ isIncluded: ((key: String, value: Double)) throws -> Bool) rethrows -> MetricValues {
        var kept = self
        kept.pairs = try pairs.filter(isIncluded)
        return kept
    }

    /// The same metrics as a dictionary.
    public var dictionary: [String: Double] {
        var d = [String: Double](minimumCapacity: pairs.count)
        for p in pairs { d[p.key] = p.value }
        return d
    }

    /// 0.
    public var startIndex: Int { 0 }
    /// The number of metrics.
    public var endIndex: Int { pairs.count }
    /// The pair at `position`.
    public subscript(position: Int) -> (key: String, value: Double) { pairs[position] }
}

extension MetricValues: Hashable {
    /// Same names with equal values (`==` on each value, so a NaN is unequal, as in a dictionary).
    public static func == (a: MetricValues, b: MetricValues) -> Bool {
        guard a.count == b.count else { return false }
        if a.count > 16 { return a.dictionary == b.dictionary }  // no scan per name past a handful
        for p in a.pairs { guard let v = b[p.key], v == p.value else { return false } }
        return true
    }

    /// Independent of the order, as `==` is.
    public func hash(into hasher: inout Hasher) {
        var combined = 0
        for p in pairs {
            var h = Hasher()
            h.combine(p.key)
            h.combine(p.value)
            combined ^= h.finalize()
        }
        hasher.combine(pairs.count)
        hasher.combine(combined)
    }
}

extension MetricValues: Codable {
    /// Reads a JSON object of numbers, as a dictionary of them is read, in the order of the
    /// decoder's `allKeys` (the wire's body decoder gives the members' order).
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: Name.self)
        let names = c.allKeys
        var pairs: [(key: String, value: Double)] = []
        pairs.reserveCapacity(names.count)
        for name in names { pairs.append((key: name.stringValue, value: try c.decode(Double.self, forKey: name))) }
        self.init(uniquing: pairs)
    }

    /// Writes a JSON object of numbers, as a dictionary of them is written, its members in order
    /// (an encoder that sorts keys sorts them, so its text is a dictionary's).
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Name.self)
        for p in pairs { try c.encode(p.value, forKey: Name(p.key)) }
    }

    /// A metric name as a coding key.
    private struct Name: CodingKey {
        var stringValue: String
        init(_ name: String) { stringValue = name }
        init?(stringValue: String) { self.stringValue = stringValue }
        var intValue: Int? { nil }
        init?(intValue: Int) { nil }
    }
}

extension MetricValues: CustomStringConvertible {
    /// `["val_loss": 0.41, "acc": 0.87]`, as a dictionary prints.
    public var description: String {
        pairs.isEmpty ? "[:]" : "[" + pairs.map { "\"\($0.key)\": \($0.value)" }.joined(separator: ", ") + "]"
    }
}
