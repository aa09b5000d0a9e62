// The one number formatter for text people read: parameters to 4 significant digits, metrics to
// 4 decimals, times and sizes in human units. Every table, stream line and summary uses it; full
// precision stays in `--json` output and `rung export`. Leaves out column layout (the CLI's tables).
import Foundation

/// Numbers as people read them.
public enum Readable {
    /// A parameter value: a real to 4 significant digits (`0.1091`, `1.827e-05`, `3.2`), integers,
    /// strings and bools as they are.
    public static func parameter(_ v: ParameterValue) -> String {
        switch v {
        case .double(let d): return significant(d)
        case .int(let i): return String(i)
        case .string(let s): return s
        case .bool(let b): return String(b)
        }
    }

    /// A real to `digits` significant digits, without trailing zeros; exponent form below 1e-4
    /// and from 1e6 on.
    public static func significant(_ d: Double, digits: Int = 4) -> String {
        guard d.isFinite else { return nonFinite(d) }
        if d == 0 { return "0" }
        let a = abs(d)
        if a < 1e-4 || a >= 1e6 {
            var s = String(format: "%.\(digits - 1)e", d)
            // 1.230e-05 → 1.23e-05
            if let e = s.firstIndex(of: "e") {
                var mantissa = String(s[..<e])
                if mantissa.contains(".") {
                    while mantissa.hasSuffix("0") { mantissa.removeLast() }
                    if mantissa.hasSuffix(".") { mantissa.removeLast() }
                }
                s = mantissa + s[e...]
            }
            return s
        }
        let magnitude = Int(floor(log10(a)))
        let decimals = max(0, digits - 1 - magnitude)
        var s = String(format: "%.\(decimals)f", d)
        if s.contains(".") {
            while s.hasSuffix("0") { s.removeLast() }
            if s.hasSuffix(".") { s.removeLast() }
        }
        return s
    }

    /// A metric value: 4 decimals (`0.8123`, `0.9100`), so a column lines up; from 10 000 on,
    /// whole numbers (`70469`); NaN and infinities as `nan`, `inf`, `-inf`.
    public static func metric(_ d: Double) -> String {
        guard d.isFinite else { return nonFinite(d) }
        return abs(d) >= 10_000 ? String(format: "%.0f", d) : String(format: "%.4f", d)
    }

    /// A configuration `{dropout=0.1091, lr=0.0003}` in key order (parameters as above).
    public static func config(_ c: Configuration, braces: Bool = true) -> String {
        let body = c.keys.sorted().map { "\($0)=\(parameter(c[$0]!))" }.joined(separator: braces ? ", " : " ")
        return braces ? "{\(body)}" : body
    }

    /// A duration in human units: `0.4 ms`, `12 ms`, `1.25 s`, `42.1 s`, `3 min 05 s`, `2 h 07 min`.
    public static func duration(_ seconds: Double) -> String {
        guard seconds.isFinite else { return nonFinite(seconds) }
        let s = max(0, seconds)
        if s < 0.001 { return s == 0 ? "0 s" : String(format: "%.1f ms", s * 1000) }
        if s < 1 { return String(format: "%.0f ms", s * 1000) }
        if s < 10 { return String(format: "%.2f s", s) }
        if s < 60 { return String(format: "%.1f s", s) }
        let whole = Int(s.rounded())
        if whole < 3600 { return String(format: "%d min %02d s", whole / 60, whole % 60) }
        return String(format: "%d h %02d min", whole / 3600, (whole % 3600) / 60)
    }

    /// A size in bytes in human units (powers of 1024): `512 B`, `1.5 KiB`, `12.3 MiB`, `2.00 GiB`.
    public static func bytes(_ n: Int) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB"]
        var v = Double(n), i = 0
        while abs(v) >= 1024, i < units.count - 1 { v /= 1024; i += 1 }
        if i == 0 { return "\(n) B" }
        return (v < 10 ? String(format: "%.2f", v) : v < 100 ? String(format: "%.1f", v) : String(format: "%.0f", v)) + " " + units[i]
    }

    /// A count with thousands separators: `7,046`.
    public static func count(_ n: Int) -> String {
        let digits = String(abs(n))
        var out = ""
        for (i, c) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out += "," }
            out.append(c)
        }
        return n < 0 ? "-" + out : out
    }

    private static func nonFinite(_ d: Double) -> String { d.isNaN ? "nan" : d > 0 ? "inf" : "-inf" }
}
