/// A line chart rendered as standalone SVG: time on x, one or more series on y, vertical markers for
/// events (faults, alarms, healing). No scripts, no external assets, so reports open anywhere.
public struct SVGChart: Sendable {
    /// One line.
    public struct Line: Sendable {
        public var label: String
        public var points: [(time: Double, value: Double)]
        /// CSS colour; `nil` picks from the palette.
        public var color: String?
        public var dashed: Bool

        public init(label: String, points: [(time: Double, value: Double)], color: String? = nil, dashed: Bool = false) {
            self.label = label
            self.points = points
            self.color = color
            self.dashed = dashed
        }
    }

    /// A vertical marker at an event.
    public struct Marker: Sendable {
        public var time: Double
        public var label: String
        public var color: String

        public init(time: Double, label: String, color: String = "#c0392b") {
            self.time = time
            self.label = label
            self.color = color
        }
    }

    public var title: String
    public var yLabel: String
    public var lines: [Line]
    public var markers: [Marker]
    public var width = 900
    public var height = 300
    /// Draw at most this many legend entries (many-cell charts skip the legend).
    public var maximumLegendEntries = 12

    public init(title: String, yLabel: String, lines: [Line], markers: [Marker] = []) {
        self.title = title
        self.yLabel = yLabel
        self.lines = lines
        self.markers = markers
    }

    static let palette = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"]

    /// The chart as an `<svg>` element.
    public var svg: String {
        let left = 70.0, right = 20.0, top = 30.0, bottom = 40.0
        let plotWidth = Double(width) - left - right
        let plotHeight = Double(height) - top - bottom
        let all = lines.flatMap(\.points)
        var (tMin, tMax) = (all.map(\.time).min() ?? 0, all.map(\.time).max() ?? 1)
        for marker in markers { tMin = min(tMin, marker.time); tMax = max(tMax, marker.time) }
        var (vMin, vMax) = (all.map(\.value).min() ?? 0, all.map(\.value).max() ?? 1)
        if tMax <= tMin { tMax = tMin + 1 }
        if vMax <= vMin { vMax = vMin + max(abs(vMin) * 0.01, 1e-3); vMin -= max(abs(vMin) * 0.01, 1e-3) }
        let (yTicks, yStep) = SVGChart.niceTicks(vMin, vMax)
        vMin = min(vMin, yTicks.first ?? vMin)
        vMax = max(vMax, yTicks.last ?? vMax)
        let (xTicks, xStep) = SVGChart.niceTicks(tMin, tMax)
        func x(_ t: Double) -> Double { left + (t - tMin) / (tMax - tMin) * plotWidth }
        func y(_ v: Double) -> Double { top + (1 - (v - vMin) / (vMax - vMin)) * plotHeight }

        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(width)\" height=\"\(height)\" viewBox=\"0 0 \(width) \(height)\" font-family=\"sans-serif\" font-size=\"11\">\n"
        svg += "<text x=\"\(fixed(left, 1))\" y=\"18\" font-size=\"13\" font-weight=\"bold\">\(title.xmlEscaped)</text>\n"
        svg += "<rect x=\"\(fixed(left, 1))\" y=\"\(fixed(top, 1))\" width=\"\(fixed(plotWidth, 1))\" height=\"\(fixed(plotHeight, 1))\" fill=\"none\" stroke=\"#999\"/>\n"
        for tick in yTicks where tick >= vMin && tick <= vMax {
            svg += "<line x1=\"\(fixed(left, 1))\" x2=\"\(fixed(left + plotWidth, 1))\" y1=\"\(fixed(y(tick), 1))\" y2=\"\(fixed(y(tick), 1))\" stroke=\"#eee\"/>"
            svg += "<text x=\"\(fixed(left - 6, 1))\" y=\"\(fixed(y(tick) + 4, 1))\" text-anchor=\"end\">\(SVGChart.label(tick, step: yStep))</text>\n"
        }
        for tick in xTicks where tick >= tMin && tick <= tMax {
            svg += "<line x1=\"\(fixed(x(tick), 1))\" x2=\"\(fixed(x(tick), 1))\" y1=\"\(fixed(top, 1))\" y2=\"\(fixed(top + plotHeight, 1))\" stroke=\"#eee\"/>"
            svg += "<text x=\"\(fixed(x(tick), 1))\" y=\"\(fixed(top + plotHeight + 14, 1))\" text-anchor=\"middle\">\(SVGChart.label(tick, step: xStep))</text>\n"
        }
        svg += "<text x=\"\(fixed(left + plotWidth / 2, 1))\" y=\"\(height - 6)\" text-anchor=\"middle\">time (s)</text>\n"
        svg += "<text transform=\"translate(14,\(fixed(top + plotHeight / 2, 1))) rotate(-90)\" text-anchor=\"middle\">\(yLabel.xmlEscaped)</text>\n"
        for (number, line) in lines.enumerated() where !line.points.isEmpty {
            let color = line.color ?? SVGChart.palette[number % SVGChart.palette.count]
            var path = ""
            for (index, point) in line.points.enumerated() {
                path += (index == 0 ? "M" : "L") + fixed(x(point.time), 1) + "," + fixed(y(point.value), 1)
            }
            let dash = line.dashed ? " stroke-dasharray=\"5,3\"" : ""
            svg += "<path d=\"\(path)\" fill=\"none\" stroke=\"\(color)\" stroke-width=\"1.2\"\(dash)><title>\(line.label.xmlEscaped)</title></path>\n"
        }
        for marker in markers {
            svg += "<line x1=\"\(fixed(x(marker.time), 1))\" x2=\"\(fixed(x(marker.time), 1))\" y1=\"\(fixed(top, 1))\" y2=\"\(fixed(top + plotHeight, 1))\" stroke=\"\(marker.color)\" stroke-dasharray=\"3,3\"><title>\(marker.label.xmlEscaped)</title></line>\n"
        }
        if lines.count <= maximumLegendEntries {
            for (number, line) in lines.enumerated() {
                let color = line.color ?? SVGChart.palette[number % SVGChart.palette.count]
                let lx = left + 10 + Double(number % 4) * 200
                let ly = top + 12 + Double(number / 4) * 14
                svg += "<rect x=\"\(fixed(lx, 1))\" y=\"\(fixed(ly - 8, 1))\" width=\"10\" height=\"3\" fill=\"\(color)\"/><text x=\"\(fixed(lx + 14, 1))\" y=\"\(fixed(ly - 4, 1))\">\(line.label.xmlEscaped)</text>\n"
            }
        }
        svg += "</svg>\n"
        return svg
    }

    /// Round tick positions (1, 2, 5 × 10^n steps) covering `low...high` with about 6 ticks.
    static func niceTicks(_ low: Double, _ high: Double) -> ([Double], Double) {
        let span = max(high - low, 1e-12)
        let rough = span / 6
        var magnitude = 1.0
        while magnitude * 10 <= rough { magnitude *= 10 }
        while magnitude > rough { magnitude /= 10 }
        let step = [1.0, 2.0, 5.0, 10.0].map { $0 * magnitude }.first { $0 >= rough } ?? magnitude * 10
        var tick = (low / step).rounded(.down) * step
        var ticks: [Double] = []
        while tick <= high + step * 0.5, ticks.count < 50 {
            ticks.append(tick)
            tick += step
        }
        return (ticks, step)
    }

    static func label(_ value: Double, step: Double) -> String {
        var decimals = 0
        var probe = step
        while probe < 1 && decimals < 6 { probe *= 10; decimals += 1 }
        return fixed(value, decimals)
    }
}
