/// A self-contained HTML page for one or more scenario runs: a summary table of expectations with
/// measured figures, charts of the recorded signals, and the list of notable events.
public struct HTMLReport: Sendable {
    /// One scenario's section.
    public struct Section: Sendable {
        public var title: String
        /// Lines shown under the title (seed, simulated time, wall time, speed-up).
        public var facts: [(name: String, value: String)]
        /// (expectation, passed, detail)
        public var results: [(expectation: String, passed: Bool, detail: String)]
        public var charts: [SVGChart]
        /// (time in seconds, kind, detail)
        public var events: [(time: Double, kind: String, detail: String)]

        public init(
            title: String, facts: [(name: String, value: String)], results: [(expectation: String, passed: Bool, detail: String)],
            charts: [SVGChart], events: [(time: Double, kind: String, detail: String)]
        ) {
            self.title = title
            self.facts = facts
            self.results = results
            self.charts = charts
            self.events = events
        }
    }

    public var title: String
    public var sections: [Section]

    public init(title: String, sections: [Section]) {
        self.title = title
        self.sections = sections
    }

    /// The page as HTML text.
    public var html: String {
        let passed = sections.filter { $0.results.allSatisfy(\.passed) }.count
        var page = """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><title>\(title.xmlEscaped)</title>
            <style>
            body{font-family:sans-serif;margin:2em;color:#222} table{border-collapse:collapse;margin:0.5em 0 1em}
            td,th{border:1px solid #ccc;padding:3px 8px;text-align:left;font-size:13px} .pass{color:#1e8449;font-weight:bold}
            .fail{color:#c0392b;font-weight:bold} h2{border-bottom:1px solid #ddd;padding-bottom:4px} .events{max-height:300px;overflow:auto}
            </style></head><body>
            <h1>\(title.xmlEscaped)</h1>
            <p>\(passed) of \(sections.count) scenarios passed.</p>
            <table><tr><th>scenario</th><th>result</th></tr>

            """
        for (number, section) in sections.enumerated() {
            let ok = section.results.allSatisfy(\.passed)
            page += "<tr><td><a href=\"#s\(number)\">\(section.title.xmlEscaped)</a></td><td class=\"\(ok ? "pass" : "fail")\">\(ok ? "pass" : "FAIL")</td></tr>\n"
        }
        page += "</table>\n"
        for (number, section) in sections.enumerated() {
            page += "<h2 id=\"s\(number)\">\(section.title.xmlEscaped)</h2>\n<p>"
            page += section.facts.map { "\($0.name.xmlEscaped): <b>\($0.value.xmlEscaped)</b>" }.joined(separator: " · ")
            page += "</p>\n<table><tr><th>expectation</th><th>result</th><th>measured</th></tr>\n"
            for result in section.results {
                page += "<tr><td>\(result.expectation.xmlEscaped)</td><td class=\"\(result.passed ? "pass" : "fail")\">\(result.passed ? "pass" : "FAIL")</td><td>\(result.detail.xmlEscaped)</td></tr>\n"
            }
            page += "</table>\n"
            for chart in section.charts { page += "<div>\(chart.svg)</div>\n" }
            if !section.events.isEmpty {
                page += "<div class=\"events\"><table><tr><th>time (s)</th><th>event</th><th>detail</th></tr>\n"
                for event in section.events {
                    page += "<tr><td>\(fixed(event.time, 3))</td><td>\(event.kind.xmlEscaped)</td><td>\(event.detail.xmlEscaped)</td></tr>\n"
                }
                page += "</table></div>\n"
            }
        }
        page += "</body></html>\n"
        return page
    }
}
