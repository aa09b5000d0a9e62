// Numbers and text as the pictures print them: Search's `Readable` (parameters to 4 significant
// digits, metrics to 4 decimals, times in human units) under short names, clock times, and HTML
// escaping.
import Foundation
import Search

enum ViewFormat {
    /// A parameter or axis value: 4 significant digits (Search's `Readable`, the one formatter).
    static func sig(_ v: Double) -> String { Readable.significant(v) }

    /// A metric value: 4 decimals; `–` when there is none.
    static func metric(_ v: Double?) -> String { v.map(Readable.metric) ?? "–" }

    /// Seconds in human units.
    static func duration(_ s: Double) -> String { Readable.duration(s) }

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
    var shortText: String { Readable.parameter(self) }
}
