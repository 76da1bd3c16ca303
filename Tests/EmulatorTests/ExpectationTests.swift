import Emulator
import Testing

@Suite("Expectations")
struct ExpectationTests {
    let ms: Int64 = 1_000_000
    var events: [TraceEvent] {
        [
            TraceEvent(timeNanoseconds: 1_000 * ms, kind: "fault.injected", subject: "overcharge", source: "scenario"),
            TraceEvent(timeNanoseconds: 1_200 * ms, kind: "gas.h2_rise", subject: "module1"),
            TraceEvent(timeNanoseconds: 5_000 * ms, kind: "tr.warning", subject: "cell12", source: "firmware"),
            TraceEvent(timeNanoseconds: 5_080 * ms, kind: "contactors.opened", source: "firmware"),
            TraceEvent(timeNanoseconds: 400_000 * ms, kind: "cell.vented", subject: "12", source: "pack"),
        ]
    }

    @Test func selectorsParseTheScenarioForm() throws {
        let selector = try #require(EventSelector(parsing: "tr.warning[cell1*]@firmware"))
        #expect(selector == EventSelector(kind: "tr.warning", subject: "cell1*", source: "firmware"))
        #expect(selector.matches(events[2]))
        #expect(EventSelector(parsing: "cell.vented[*]")?.subject == nil)
        #expect(EventSelector(parsing: "bad kind") == nil)
        #expect(EventSelector(parsing: "x[unterminated") == nil)
        #expect(EventSelector(parsing: "x@") == nil)
    }

    @Test func withinMeasuresReactionLatency() {
        let ok = Expectation.within(from: EventSelector(kind: "tr.warning"), to: EventSelector(kind: "contactors.opened"), maximumNanoseconds: 100 * ms)
            .evaluate(events: events, metrics: [:])
        #expect(ok.passed)
        #expect(ok.measured == 0.08)
        let tooSlow = Expectation.within(from: EventSelector(kind: "tr.warning"), to: EventSelector(kind: "contactors.opened"), maximumNanoseconds: 50 * ms)
            .evaluate(events: events, metrics: [:])
        #expect(!tooSlow.passed)
        let missing = Expectation.within(from: EventSelector(kind: "cell.vented"), to: EventSelector(kind: "contactors.opened"), maximumNanoseconds: 50 * ms)
            .evaluate(events: events, metrics: [:])
        #expect(!missing.passed && missing.detail.contains("no contactors.opened after"))
    }

    @Test func leadTimeNeedsTheEarlierEventFirst() {
        let lead = Expectation.leadTime(earlier: EventSelector(kind: "tr.warning"), later: EventSelector(kind: "cell.vented"), minimumNanoseconds: 300_000 * ms)
            .evaluate(events: events, metrics: [:])
        #expect(lead.passed)
        #expect(lead.measured == 395)
        let reversed = Expectation.leadTime(earlier: EventSelector(kind: "cell.vented"), later: EventSelector(kind: "tr.warning"), minimumNanoseconds: 0)
            .evaluate(events: events, metrics: [:])
        #expect(!reversed.passed)
    }

    @Test func neverOccursAndMetrics() {
        #expect(Expectation.never(EventSelector(kind: "tr.alarm")).evaluate(events: events, metrics: [:]).passed)
        #expect(!Expectation.never(EventSelector(kind: "tr.warning")).evaluate(events: events, metrics: [:]).passed)
        #expect(Expectation.occurs(EventSelector(kind: "gas.h2_rise")).evaluate(events: events, metrics: [:]).passed)
        let metric = Expectation.metric(name: "soh.capacity_rmse_percent", comparison: .lessThan, bound: 1)
        #expect(metric.evaluate(events: events, metrics: ["soh.capacity_rmse_percent": 0.4]).passed)
        #expect(!metric.evaluate(events: events, metrics: ["soh.capacity_rmse_percent": 1.4]).passed)
        #expect(!metric.evaluate(events: events, metrics: [:]).passed)
        #expect(!metric.evaluate(events: events, metrics: ["soh.capacity_rmse_percent": .nan]).passed)
    }
}
