import Foundation
import FoundationXML
@testable import ScenarioReports
import Testing

@Suite("Reports")
struct ReportTests {
    @Test func junitXMLIsWellFormedAndCountsFailures() throws {
        let report = JUnitReport(name: "bmsemu", suites: [
            JUnitReport.Suite(name: "cell-ov <msl>", seconds: 1.5, cases: [
                .init(name: "contactors open within 100 ms", className: "cell-ov", seconds: 0.1),
                .init(name: "never tr.alarm", className: "cell-ov", seconds: 0, failure: "unexpected tr.alarm & \"quotes\" \u{1}"),
                .init(name: "run", className: "cell-ov", seconds: 0, failure: "could not load", isError: true),
            ], properties: [("seed", "42")]),
        ])
        let xml = report.xml
        #expect(xml.contains("tests=\"3\" failures=\"1\" errors=\"1\""))
        #expect(xml.contains("cell-ov &lt;msl&gt;"))
        #expect(!xml.contains("\u{1}"))
        // Foundation's XML parser must accept it.
        let parser = XMLParser(data: Data(xml.utf8))
        #expect(parser.parse(), "\(parser.parserError.map { "\($0)" } ?? "")")
    }

    @Test func chartsContainOnePathPerLineAndMarkers() {
        let chart = SVGChart(title: "Cell voltage", yLabel: "V", lines: [
            .init(label: "cell 1", points: [(0, 3.7), (10, 3.9), (20, 4.1)]),
            .init(label: "estimate", points: [(0, 3.6), (20, 4.0)], dashed: true),
        ], markers: [.init(time: 15, label: "OV fault")])
        let svg = chart.svg
        #expect(svg.components(separatedBy: "<path ").count == 3)
        #expect(svg.contains("stroke-dasharray=\"5,3\""))
        #expect(svg.contains("<title>OV fault</title>"))
        let parser = XMLParser(data: Data(svg.utf8))
        #expect(parser.parse())
    }

    @Test func niceTicksAreRound() {
        let (ticks, step) = SVGChart.niceTicks(3.01, 4.19)
        #expect(step == 0.2)
        #expect(ticks.first! <= 3.01 && ticks.last! >= 4.19)
    }

    @Test func htmlReportListsEveryScenario() {
        let report = HTMLReport(title: "Suite", sections: [
            .init(title: "a", facts: [("seed", "1")], results: [("x occurs", true, "ok")], charts: [], events: [(1.5, "tr.warning", "cell 3")]),
            .init(title: "b", facts: [], results: [("y occurs", false, "missing")], charts: [], events: []),
        ])
        let html = report.html
        #expect(html.contains("1 of 2 scenarios passed"))
        #expect(html.contains("class=\"fail\">FAIL"))
        #expect(html.contains("tr.warning"))
    }
}
