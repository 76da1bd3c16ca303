import Foundation

/// The JSON `HIL/python/bus_summary.py` writes for a candump capture (and `vcu_peer.py` for what it saw live).
/// Times are seconds after the first pack-side frame.
struct BusSummary: Decodable {
    struct StateChange: Decodable {
        var t: Double
        var state: String
    }

    struct Request: Decodable {
        var t: Double
        var mode: String
    }

    struct Alarm: Decodable {
        var first_t: Double
        var max_level: Int
        var raised: Int
    }

    struct StateOfCharge: Decodable {
        var first: Double?
        var final: Double?
        var final_t: Double?
        var series: [[Double]]
    }

    struct Fault: Decodable {
        var t: Double
        var cell: Int
        var millivolts: Double
        var contactors_closed_at_fault: Bool
        var reaction_t: Double?
        var latency_ms: Double?
    }

    struct Latency: Decodable {
        var samples: Int
        var p50: Double?
        var p90: Double?
        var p99: Double?
        var max: Double?
        var min: Double?
    }

    struct EndToEnd: Decodable {
        var crc_errors: [String: Int]
        var counter_repeats: [String: Int]
        var frames_lost: [String: Int]
    }

    struct Peer: Decodable {
        var requests_sent: Int
        var send_errors: Int
    }

    var t0_unix: Double?
    var frames: Int
    var e2e: EndToEnd
    var requests: [Request]
    var states: [StateChange]
    var contactors_closed: [Double]
    var contactors_opened: [Double]
    var alarms: [String: Alarm]
    var soc_percent: StateOfCharge
    var faults: [Fault]
    var latency_ms: Latency
    var peer: Peer?

    static func load(_ url: URL) throws -> BusSummary {
        try JSONDecoder().decode(BusSummary.self, from: Data(contentsOf: url))
    }

    /// Reaction times (fault frame to the open command) of the faults that found the contactors closed.
    var reactionMilliseconds: [Double] { faults.compactMap(\.latency_ms) }

    /// Faults that found the contactors closed and never saw them commanded open.
    var faultsWithoutReaction: [Fault] { faults.filter { $0.contactors_closed_at_fault && $0.latency_ms == nil } }

    /// Frames lost in the capture (alive-counter gaps), and corrupt or repeated ones.
    var framesLost: Int { e2e.frames_lost.values.reduce(0, +) }
    var framesCorrupt: Int { e2e.crc_errors.values.reduce(0, +) + e2e.counter_repeats.values.reduce(0, +) }

    /// Times at which the pack current or the estimator's inputs change abruptly: state changes, contactor
    /// commands, VCU requests, alarms raised, cell-voltage faults.
    var changeTimes: [Double] {
        states.map(\.t) + contactors_closed + contactors_opened + requests.map(\.t) + alarms.values.map(\.first_t) + faults.map(\.t)
    }

    /// The last SOC report with no change (``changeTimes``) from `before` seconds earlier to `after` seconds
    /// later: a steady phase, where the estimate moves slowly and linearly enough to compare at one instant.
    func lastSteadyStateOfChargeReport(before: Double, after: Double) -> (t: Double, percent: Double)? {
        let changes = changeTimes
        return soc_percent.series.filter { $0.count == 2 }.last { point in
            !changes.contains { $0 >= point[0] - before && $0 <= point[0] + after }
        }.map { ($0[0], $0[1]) }
    }

    /// The reported SOC at time `t`, linearly interpolated between the BMS_SOC reports around it.
    func stateOfCharge(at t: Double) -> Double? {
        let points = soc_percent.series.filter { $0.count == 2 }
        guard let after = points.firstIndex(where: { $0[0] >= t }) else { return nil }
        guard after > 0 else { return points[after][0] == t ? points[after][1] : nil }
        let (a, b) = (points[after - 1], points[after])
        guard b[0] > a[0] else { return b[1] }
        return a[1] + (b[1] - a[1]) * (t - a[0]) / (b[0] - a[0])
    }
}
