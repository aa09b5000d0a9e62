// The few SVG pieces every chart uses: a linear or log scale, "nice" tick values, and a plot frame
// that draws axes, grid and labels around marks the caller adds. Pure string building.
import Foundation

/// A map from data values to pixels, linear or logarithmic.
struct Scale {
    var lo: Double, hi: Double
    var from: Double, to: Double
    var log = false

    /// The pixel of `v` (clamped to a finite number).
    func callAsFunction(_ v: Double) -> Double {
        let (a, b, x) = log ? (Foundation.log10(lo), Foundation.log10(hi), Foundation.log10(max(v, 1e-300)))
                            : (lo, hi, v)
        let t = b > a ? (x - a) / (b - a) : 0.5
        let p = from + t * (to - from)
        return p.isFinite ? p : from
    }

    /// Values for tick marks: about `count` round numbers (powers of ten on a log scale).
    func ticks(_ count: Int = 5) -> [Double] {
        if log {
            let a = Int(Foundation.floor(Foundation.log10(lo))), b = Int(Foundation.ceil(Foundation.log10(hi)))
            return (a...max(a, b)).map { Foundation.pow(10, Double($0)) }.filter { $0 >= lo * 0.999 && $0 <= hi * 1.001 }
        }
        return Scale.niceTicks(lo, hi, count)
    }

    /// Round tick values covering [lo, hi] (steps of 1, 2 or 5 × 10ⁿ).
    static func niceTicks(_ lo: Double, _ hi: Double, _ count: Int) -> [Double] {
        guard hi > lo, lo.isFinite, hi.isFinite else { return [lo] }
        let raw = (hi - lo) / Double(max(count, 1))
        let mag = Foundation.pow(10, Foundation.floor(Foundation.log10(raw)))
        let step = [1.0, 2, 5, 10].map { $0 * mag }.first { $0 >= raw } ?? 10 * mag
        var v = Foundation.ceil(lo / step - 1e-9) * step
        var out: [Double] = []
        while v <= hi + step * 1e-9, out.count < 50 {
            out.append(abs(v) < step * 1e-9 ? 0 : v)
            v += step
        }
        return out
    }

    /// Tick text with as many decimals as the step between ticks needs (`0.9096`, `0.9098`).
    static func tickText(_ ticks: [Double], log: Bool) -> (Double) -> String {
        guard !log, ticks.count > 1 else { return ViewFormat.sig }
        let step = abs(ticks[1] - ticks[0])
        guard step > 0, step < 1 else { return ViewFormat.sig }
        let decimals = min(10, Int(Foundation.ceil(-Foundation.log10(step) - 1e-9)))
        return { v in String(format: "%.\(decimals)f", v) }
    }

    /// A domain [lo, hi] padded by 5 % on each side (a single value gets ±1, or ±10 %).
    static func padded(_ values: [Double]) -> (Double, Double) {
        let finite = values.filter(\.isFinite)
        guard let lo = finite.min(), let hi = finite.max() else { return (0, 1) }
        if hi == lo { let d = lo == 0 ? 1 : abs(lo) * 0.1; return (lo - d, hi + d) }
        let pad = (hi - lo) * 0.05
        return (lo - pad, hi + pad)
    }
}

/// A chart frame: fixed size, margins, and axes; marks go in `body`.
struct PlotFrame {
    var width: Double = 560, height: Double = 300
    var left: Double = 58, right: Double = 16, top: Double = 30, bottom: Double = 42
    var x: Scale
    var y: Scale
    var xLabel: String
    var yLabel: String
    var xTickText: ((Double) -> String)?
    var yTickText: ((Double) -> String)?

    init(xDomain: (Double, Double), yDomain: (Double, Double), xLog: Bool = false, yLog: Bool = false,
         xLabel: String, yLabel: String, width: Double = 560, height: Double = 300) {
        self.width = width; self.height = height
        x = Scale(lo: xDomain.0, hi: xDomain.1, from: left, to: width - right, log: xLog)
        y = Scale(lo: yDomain.0, hi: yDomain.1, from: height - bottom, to: top, log: yLog)
        self.xLabel = xLabel; self.yLabel = yLabel
    }

    /// The whole `<svg>` with grid, axes and the given marks (drawn over the grid).
    func svg(_ body: String, title: String, legend: [(String, String)] = []) -> String {
        var s = SVGText.open(width: width, height: height, title: title)
        let yTicks = y.ticks(), xTicks = x.ticks(6)
        let yText = yTickText ?? Scale.tickText(yTicks, log: y.log), xText = xTickText ?? Scale.tickText(xTicks, log: x.log)
        for t in yTicks {
            let py = SVGText.n(y(t))
            s += "<line class=\"grid\" x1=\"\(SVGText.n(left))\" x2=\"\(SVGText.n(width - right))\" y1=\"\(py)\" y2=\"\(py)\"/>"
            s += "<text class=\"tick\" x=\"\(SVGText.n(left - 6))\" y=\"\(py)\" text-anchor=\"end\" dominant-baseline=\"middle\">\(ViewFormat.escape(yText(t)))</text>"
        }
        for t in xTicks {
            let px = SVGText.n(x(t))
            s += "<line class=\"grid\" x1=\"\(px)\" x2=\"\(px)\" y1=\"\(SVGText.n(top))\" y2=\"\(SVGText.n(height - bottom))\"/>"
            s += "<text class=\"tick\" x=\"\(px)\" y=\"\(SVGText.n(height - bottom + 15))\" text-anchor=\"middle\">\(ViewFormat.escape(xText(t)))</text>"
        }
        s += "<rect class=\"frame\" x=\"\(SVGText.n(left))\" y=\"\(SVGText.n(top))\" width=\"\(SVGText.n(width - left - right))\" height=\"\(SVGText.n(height - top - bottom))\"/>"
        s += body
        s += "<text class=\"axis\" x=\"\(SVGText.n((left + width - right) / 2))\" y=\"\(SVGText.n(height - 6))\" text-anchor=\"middle\">\(ViewFormat.escape(xLabel))</text>"
        s += "<text class=\"axis\" transform=\"translate(13 \(SVGText.n((top + height - bottom) / 2))) rotate(-90)\" text-anchor=\"middle\">\(ViewFormat.escape(yLabel))</text>"
        var lx = left + 8
        for (label, colour) in legend {
            s += "<rect x=\"\(SVGText.n(lx))\" y=\"\(SVGText.n(top - 20))\" width=\"10\" height=\"10\" rx=\"2\" fill=\"\(colour)\"/>"
            s += "<text class=\"legend\" x=\"\(SVGText.n(lx + 14))\" y=\"\(SVGText.n(top - 11))\">\(ViewFormat.escape(label))</text>"
            lx += 22 + Double(label.count) * 6.4
        }
        return s + "</svg>"
    }
}

/// SVG text helpers.
enum SVGText {
    /// A coordinate with at most one decimal.
    static func n(_ v: Double) -> String {
        let r = (v * 10).rounded() / 10
        return r == r.rounded() ? String(Int(r)) : String(r)
    }

    /// `<svg …>` with a viewBox (scales with its container) and an accessible title; inline in HTML5,
    /// so no namespace URL.
    /// With `natural`, the chart is never drawn larger than its own size.
    static func open(width: Double, height: Double, title: String, natural: Bool = false) -> String {
        let style = natural ? " style=\"max-width:\(n(width))px\"" : ""
        return "<svg viewBox=\"0 0 \(n(width)) \(n(height))\" role=\"img\" class=\"chart\"\(style)><title>\(ViewFormat.escape(title))</title>"
    }

    /// A polyline through `points`.
    static func polyline(_ points: [(Double, Double)], stroke: String, width: Double = 1.5, opacity: Double = 1,
                         dash: String? = nil, cssClass: String? = nil) -> String {
        let p = points.map { "\(n($0.0)),\(n($0.1))" }.joined(separator: " ")
        var s = "<polyline points=\"\(p)\" fill=\"none\" stroke=\"\(stroke)\" stroke-width=\"\(n(width))\""
        if opacity < 1 { s += " stroke-opacity=\"\(opacity)\"" }
        if let dash { s += " stroke-dasharray=\"\(dash)\"" }
        if let cssClass { s += " class=\"\(cssClass)\"" }
        return s + "/>"
    }

    /// A circle with a tooltip.
    static func dot(_ x: Double, _ y: Double, r: Double = 3.5, fill: String, stroke: String? = nil, tip: String? = nil) -> String {
        var s = "<circle cx=\"\(n(x))\" cy=\"\(n(y))\" r=\"\(n(r))\" fill=\"\(fill)\""
        if let stroke { s += " stroke=\"\(stroke)\" stroke-width=\"1.5\"" }
        guard let tip else { return s + "/>" }
        return s + "><title>\(ViewFormat.escape(tip))</title></circle>"
    }

    /// An empty chart with a message, same size as a chart.
    static func empty(_ message: String, width: Double = 560, height: Double = 120) -> String {
        open(width: width, height: height, title: message)
            + "<text class=\"empty\" x=\"\(n(width / 2))\" y=\"\(n(height / 2))\" text-anchor=\"middle\">\(ViewFormat.escape(message))</text></svg>"
    }
}
