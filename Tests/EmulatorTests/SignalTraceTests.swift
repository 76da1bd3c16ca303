import Emulator
import Testing

@Suite("SignalTrace")
struct SignalTraceTests {
    @Test func longRunsStayBoundedAndKeepSpikes() {
        var trace = SignalTrace(capacity: 200, initialBucketSeconds: 0.01)
        for step in 0..<100_000 {
            let time = Double(step) * 0.01
            let value = step == 73_217 ? 9.0 : (step == 12_345 ? -5.0 : 3.7)
            trace.record("v", group: "voltage", unit: "V", timeSeconds: time, value: value)
        }
        trace.finish()
        let points = trace.series[0].points
        #expect(points.count <= 200)
        #expect(points.contains { $0.value == 9.0 && abs($0.time - 732.17) < 1e-9 })
        #expect(points.contains { $0.value == -5.0 })
        #expect(zip(points, points.dropFirst()).allSatisfy { $0.time <= $1.time })
    }

    @Test func seriesAreGroupedInFirstUseOrder() {
        var trace = SignalTrace()
        trace.record("soc", group: "SOC", unit: "%", timeSeconds: 0, value: 50)
        trace.record("t1", group: "temperature", unit: "°C", timeSeconds: 0, value: 25)
        trace.record("soc_est", group: "SOC", unit: "%", timeSeconds: 0, value: 49)
        trace.record("nan", group: "x", unit: "", timeSeconds: 0, value: .nan)
        #expect(trace.groups == ["SOC", "temperature"])
        #expect(trace.series.map(\.name) == ["soc", "t1", "soc_est"])
    }
}
