// Colours of trial states and rung decisions, shared by every chart and the legend, and a
// sequential ramp for colouring by objective value.
import Foundation
import Store

enum Palette {
    /// The colour of a trial in `state`.
    static func state(_ state: TrialStatus) -> String {
        switch state {
        case .completed: return "#2e7d32"
        case .promoted: return "#7b1fa2"
        case .running, .leased: return "#1e88e5"
        case .paused: return "#f29900"
        case .stopped: return "#9aa0a6"
        case .failed: return "#d93025"
        case .queued: return "#b0bec5"
        }
    }

    /// The states in legend order, as (label, colour).
    static let stateLegend: [(String, String)] = [
        ("completed", state(.completed)), ("running", state(.running)), ("paused", state(.paused)),
        ("promoted", state(.promoted)), ("stopped", state(.stopped)), ("failed", state(.failed)),
    ]

    /// Incumbent (best so far) line.
    static let incumbent = "#e8710a"

    /// A colour on a light-to-dark blue ramp for t in [0, 1] (1 = best).
    static func ramp(_ t: Double) -> String {
        let t = min(max(t.isFinite ? t : 0, 0), 1)
        // From #c6dbef to #08306b.
        let a = (198.0, 219.0, 239.0), b = (8.0, 48.0, 107.0)
        func mix(_ x: Double, _ y: Double) -> Int { Int((x + (y - x) * t).rounded()) }
        return String(format: "#%02x%02x%02x", mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
    }
}
