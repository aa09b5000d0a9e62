// Numbers and text as the pictures print them: parameters to 4 significant digits, metrics to 4
// decimals, ages in human units, and HTML escaping. Kept small and internal so a project-wide
// formatter can replace it without touching the views.
import Foundation
import Search

enum ViewFormat {
    /// A parameter or axis value: 4 significant digits, integers as integers, `nan` for NaN.
    static func sig(_ v: Double) -> String {
        if v.isNaN { return "nan" }
        if v.isInfinite { return v > 0 ? "∞" : "−∞" }
        if v == v.rounded(), abs(v) < 1e9 { return String(Int(v)) }
        let a = abs(v)
        if a >= 1e-5 && a < 1e6 {
            var s = String(format: "%.4g", v)
            if s.contains("e") { s = String(format: "%.4f", v) }
            return s
        }
        return String(format: "%.3e", v)
    }

    /// A metric value: 4 decimals (or 4 significant digits when it is large or tiny).
    static func metric(_ v: Double?) -> String {
        guard let v else { return "–" }
        if v.isNaN { return "nan" }
        let a = abs(v)
        if a != 0 && (a < 1e-3 || a >= 1e5) { return sig(v) }
        return String(format: "%.4f", v)
    }

    /// Seconds as `0.4 s`, `12 s`, `3 min 5 s`, `2 h 10 min`.
    static func duration(_ s: Double) -> String {
        if s.isNaN || s < 0 { return "–" }
        if s < 10 { return String(format: "%.1f s", s) }
        if s < 60 { return "\(Int(s.rounded())) s" }
        if s < 3600 { let m = Int(s) / 60; return "\(m) min \(Int(s) % 60) s" }
        let h = Int(s) / 3600
        return "\(h) h \((Int(s) % 3600) / 60) min"
    }

    /// UTC clock time `12:03:04`.
    static func clock(_ t: Double) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "yyyy-MM-dd HH:mm:ss 'UTC'"
        return f.string(from: Date(timeIntervalSince1970: t))
    }

    /// Text safe inside HTML/SVG element content and attribute values.
    static func escape(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.count)
        for c in s {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(c)
            }
        }
        return out
    }
}


extension ParameterValue {
    /// Short text for tables and axes: numbers to 4 significant digits.
    var shortText: String {
        switch self {
        case .double(let v): return ViewFormat.sig(v)
        case .int(let v): return String(v)
        case .string(let s): return s
        case .bool(let b): return String(b)
        }
    }
}
