import Foundation
import Emulator
import ScenarioReports

/// Turns scenario outcomes into JUnit XML and the HTML report.
enum ScenarioReportBuilder {
    static let markedKinds: Set<String> = [
        "scenario.action", "firmware.contactors_opened", "firmware.emergency_open", "firmware.tr_warning", "firmware.tr_alarm",
        "firmware.tr_confirmed", "firmware.healing_started", "pack.cell_vented", "pack.cell_thermal_runaway", "pack.cell_hard_short",
        "pack.hydrogen_detected",
    ]

    static func junit(_ outcomes: [(outcome: ScenarioOutcome, wallSeconds: Double)]) -> JUnitReport {
        JUnitReport(name: "bmsemu scenarios", suites: outcomes.map { entry in
            let outcome = entry.outcome
            var cases = outcome.results.map { result in
                JUnitReport.TestCase(
                    name: result.expectation.description, className: "scenario.\(outcome.scenario.name)", seconds: 0,
                    failure: result.passed ? nil : result.detail, output: result.detail)
            }
            if outcome.stopReason == "stopped by request" {
                cases.append(.init(name: "run", className: "scenario.\(outcome.scenario.name)", seconds: entry.wallSeconds, failure: "interrupted", isError: true))
            }
            return JUnitReport.Suite(
                name: outcome.scenario.name, seconds: entry.wallSeconds, cases: cases,
                properties: [
                    ("seed", "\(outcome.scenario.seed)"), ("simulated_seconds", "\(outcome.simulatedSeconds)"),
                    ("speedup", "\(outcome.simulatedSeconds / max(entry.wallSeconds, 1e-9))"), ("stop_reason", outcome.stopReason),
                ] + outcome.metrics.sorted { $0.key < $1.key }.map { ($0.key, "\($0.value)") })
        })
    }

    static func html(_ outcomes: [(outcome: ScenarioOutcome, wallSeconds: Double)]) -> HTMLReport {
        HTMLReport(title: "bmsemu scenario report", sections: outcomes.map { entry in
            let outcome = entry.outcome
            let markers = outcome.events.filter { markedKinds.contains($0.kind) }.prefix(60).map {
                SVGChart.Marker(time: Double($0.timeNanoseconds) / 1e9, label: "\($0.kind) \($0.subject)",
                                color: $0.kind.hasPrefix("pack.") ? "#c0392b" : $0.kind.hasPrefix("firmware.") ? "#8e44ad" : "#7f8c8d")
            }
            let charts = outcome.trace.groups.map { group in
                SVGChart(
                    title: group, yLabel: outcome.trace.series.first { $0.group == group }?.unit ?? "",
                    lines: outcome.trace.series.filter { $0.group == group }.map {
                        SVGChart.Line(label: $0.name, points: $0.points, dashed: $0.name.contains("reported"))
                    },
                    markers: Array(markers))
            }
            let facts: [(name: String, value: String)] = [
                ("seed", "\(outcome.scenario.seed)"),
                ("simulated", String(format: "%.0f s", outcome.simulatedSeconds)),
                ("wall", String(format: "%.1f s", entry.wallSeconds)),
                ("speed-up", String(format: "%.0fx", outcome.simulatedSeconds / max(entry.wallSeconds, 1e-9))),
                ("end", outcome.stopReason),
            ] + outcome.metrics.sorted { $0.key < $1.key }.map { ($0.key, String(format: "%.4g", $0.value)) }
            let notable = outcome.events.filter { $0.kind != "vehicle.phase" || outcome.events.count < 2000 }.prefix(500)
            return HTMLReport.Section(
                title: outcome.scenario.name + (outcome.scenario.summary.isEmpty ? "" : " — " + outcome.scenario.summary), facts: facts,
                results: outcome.results.map { ($0.expectation.description, $0.passed, $0.detail) }, charts: charts,
                events: notable.map { (Double($0.timeNanoseconds) / 1e9, $0.kind, [$0.subject, $0.value.map { String(format: "%.4g", $0) } ?? "", $0.source].filter { !$0.isEmpty }.joined(separator: " ")) })
        })
    }
}
