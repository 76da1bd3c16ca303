public import BMSFirmware
public import CANCore
public import CANDatabase
import CANTransport

/// The reaction a labelled log must provoke in the firmware, from its file name (`*_cell-ov.log`) or a
/// header comment (`label: cell-ov`).
public enum ReplayLabel: String, CaseIterable, Hashable, Sendable {
    /// No fault: no `Error` state, no alarm at fault level, no emergency open.
    case normal
    /// A cell voltage above the maximum safety limit: fault alarm, contactors open within the reaction time.
    case cellOvervoltage = "cell-ov"
    /// A cell voltage below the maximum safety limit: likewise.
    case cellUndervoltage = "cell-uv"
    /// A cell temperature above the maximum safety limit: likewise.
    case overtemperature = "overtemp"
    /// The thermal-runaway detector reaches at least its warning stage.
    case thermalRunawayWarning = "tr-warning"

    /// The label of a log: a `label: X` comment wins, else the file name's last `_`-separated part before
    /// the extension (`field-2024-05-01_cell-ov.log` → `cell-ov`).
    public static func find(fileName: String, comments: [String]) -> ReplayLabel? {
        for comment in comments {
            let text = comment.drop { $0 == "#" || $0 == ";" || $0 == " " }
            guard text.hasPrefix("label:") else { continue }
            return ReplayLabel(rawValue: text.dropFirst("label:".count).trimmingSpaces)
        }
        let base = fileName.split(separator: "/").last.map(String.init) ?? fileName
        let stem = base.split(separator: ".", omittingEmptySubsequences: false).first.map(String.init) ?? base
        guard let suffix = stem.split(separator: "_").last, stem.contains("_") else { return nil }
        return ReplayLabel(rawValue: String(suffix))
    }
}

extension Substring {
    var trimmingSpaces: String { String(drop { $0 == " " }.reversed().drop { $0 == " " }.reversed()) }
}

/// What a labelled replay found.
public struct ReplayVerdict: Sendable {
    public var passed: Bool
    /// One line for the user: what was expected, what happened, when.
    public var message: String
    /// Firmware events observed from its frames (`firmware.*`), in time order.
    public var events: [TraceEvent]
    /// Frames the firmware sent, with replay times.
    public var firmwareFrames: [CANLogRecord]
    /// When the input first showed the labelled condition (seconds from the start of the log).
    public var conditionSeconds: Double?
    /// How long after that the contactors were open (seconds), for the fault labels.
    public var reactionSeconds: Double?
}

/// Feeds the sensor and vehicle frames of a recorded log into the firmware on simulated time (the log's
/// timestamps), records what the firmware sends, and checks the reaction a ``ReplayLabel`` asks for.
/// Frames the firmware itself sends (DBC sender `BMS`) are left out of the input: the replayed firmware
/// produces its own. Pure and deterministic.
public struct LabelledReplay {
    public let database: CANDatabase
    public let configuration: BMSConfiguration
    /// Simulated time the firmware runs after the last frame of the log.
    public var tailNanoseconds: Int64 = 2_000_000_000
    public var stepNanoseconds: Int64 = 1_000_000

    public init(database: CANDatabase, configuration: BMSConfiguration) {
        self.database = database
        self.configuration = configuration
    }

    /// The longest time from the first input frame showing the condition to open contactors that still passes:
    /// the diagnosis debounce, the fatal row's reaction delay, two evaluation periods of sampling slack, and one
    /// status-report period (the reaction is seen from outside, in `BMS_State` / `BMS_ContactorCommand`).
    public func allowedReactionNanoseconds(_ label: ReplayLabel) -> Int64? {
        let table = configuration.diagnosis
        let ids: [DiagnosisID]
        switch label {
        case .cellOvervoltage: ids = [.cellOvervoltageMSL]
        case .cellUndervoltage: ids = [.cellUndervoltageMSL]
        case .overtemperature: ids = [.overtemperatureChargeMSL, .overtemperatureDischargeMSL]
        case .normal, .thermalRunawayWarning: return nil
        }
        let worst = ids.map { table.debounceMilliseconds($0) + table[$0].reactionDelayMilliseconds }.max() ?? 0
        return (worst + 2 * table.evaluationPeriodMilliseconds + configuration.reporting.statusMilliseconds) * 1_000_000
    }

    /// Replays `records` (timestamps relative or absolute; the first record is time 0) into `firmware`.
    public func run(records: [CANLogRecord], label: ReplayLabel, firmware: FirmwareParticipant) throws -> ReplayVerdict {
        let firmwareSent = Set(database.messages.filter { $0.senders.contains("BMS") }.map(\.id))
        let start = records.first.map { Int64(clamping: $0.timestamp.totalNanoseconds) } ?? 0
        let input = records.filter { !$0.frame.isErrorFrame && !firmwareSent.contains($0.frame.id) }
            .map { (offset: Int64(clamping: $0.timestamp.totalNanoseconds) &- start, frame: $0.frame) }
        let conditionDetector = try ConditionDetector(database: database, limits: configuration.limits, label: label)
        var firmware = firmware
        var observer = try BMSObserver(database: database)
        var events: [TraceEvent] = []
        var sent: [CANLogRecord] = []
        var conditionAt: Int64?
        var openedAt: Int64?
        var next = 0
        let end = (input.last?.offset ?? 0) + tailNanoseconds
        var now: Int64 = 0
        var output = StepOutput()
        while now <= end {
            var inbox: [CANBusEvent] = []
            while next < input.count, input[next].offset <= now {
                let frame = input[next].frame
                if conditionAt == nil, conditionDetector.shows(frame) { conditionAt = input[next].offset }
                inbox.append(.frame(frame, timestamp: CANTimestamp(totalNanoseconds: UInt64(max(input[next].offset, 0))), isOwnEcho: false))
                next += 1
            }
            output.frames.removeAll(keepingCapacity: true)
            output.events.removeAll(keepingCapacity: true)
            firmware.step(nowNanoseconds: now, inbox: inbox, output: &output)
            for frame in output.frames {
                sent.append(CANLogRecord(timestamp: CANTimestamp(totalNanoseconds: UInt64(now)), interface: "replay", frame: frame))
                observer.observe(frame, atNanoseconds: now, events: &events)
            }
            if let conditionAt, openedAt == nil, now >= conditionAt, !observer.contactorsClosed, observer.stateName == "Error" {
                openedAt = now
            }
            now += stepNanoseconds
        }
        var verdict = ReplayVerdict(passed: false, message: "", events: events, firmwareFrames: sent)
        verdict.conditionSeconds = conditionAt.map { Double($0) / 1e9 }
        func seconds(_ nanoseconds: Int64) -> String { "\(Double(nanoseconds / 1_000_000) / 1000) s" }
        switch label {
        case .normal:
            // Only while input arrives: after the log ends, the firmware rightly times its sensors out.
            let lastInput = input.last?.offset ?? 0
            let bad = events.first { event in
                event.timeNanoseconds <= lastInput
                    && (event.kind == "firmware.emergency_open" || (event.kind == "firmware.state" && event.subject == "Error")
                        || (event.kind == "firmware.alarm" && (event.value ?? 0) >= 3))
            }
            verdict.passed = bad == nil
            verdict.message = bad.map { "normal: expected no fault, but at \(seconds($0.timeNanoseconds)): \($0.kind) \($0.subject)" }
                ?? "normal: no fault in \(seconds(lastInput)) of replay (\(events.count) firmware events)"
        case .thermalRunawayWarning:
            let warning = events.first { $0.kind == "firmware.tr_warning" }
            verdict.passed = warning != nil
            verdict.message = warning.map { "tr-warning: the firmware warned at \(seconds($0.timeNanoseconds))" } ?? "tr-warning: the firmware never reported a thermal-runaway warning"
        case .cellOvervoltage, .cellUndervoltage, .overtemperature:
            let allowed = allowedReactionNanoseconds(label) ?? 0
            guard let conditionAt else {
                verdict.message = "\(label.rawValue): the log never shows the condition (\(conditionDetector.summary)); nothing to check"
                return verdict
            }
            guard let openedAt else {
                verdict.message = "\(label.rawValue): condition from \(seconds(conditionAt)), but the contactors were not open in state Error by the end (\(observer.stateName ?? "silent"), contactors \(observer.contactorsClosed ? "closed" : "open"))"
                return verdict
            }
            let reaction = openedAt - conditionAt
            verdict.reactionSeconds = Double(reaction) / 1e9
            verdict.passed = reaction <= allowed
            verdict.message = "\(label.rawValue): condition at \(seconds(conditionAt)), contactors open (Error) \(seconds(reaction)) later; allowed \(seconds(allowed))"
        }
        return verdict
    }
}

/// Recognises the labelled condition in input frames by decoding the cell-monitor messages of the DBC.
struct ConditionDetector {
    let checks: [(id: CANID, codec: MessageCodec, handles: [SignalHandle])]
    let test: (Double) -> Bool
    let summary: String

    init(database: CANDatabase, limits: SafetyLimits, label: ReplayLabel) throws {
        let suffix: String
        switch label {
        case .cellOvervoltage:
            let limit = Double(limits.cellVoltageMaximum.maximumSafety)
            (suffix, test, summary) = ("_CellVoltages", { $0 > limit }, "a cell above \(limit) mV")
        case .cellUndervoltage:
            let limit = Double(limits.cellVoltageMinimum.maximumSafety)
            (suffix, test, summary) = ("_CellVoltages", { $0 < limit }, "a cell below \(limit) mV")
        case .overtemperature:
            let limit = Double(max(limits.dischargeTemperatureMaximum.maximumSafety, limits.chargeTemperatureMaximum.maximumSafety)) / 10
            (suffix, test, summary) = ("_CellTemperatures", { $0 > limit }, "a cell above \(limit) °C")
        case .normal, .thermalRunawayWarning:
            checks = []
            test = { _ in false }
            summary = "none"
            return
        }
        var found: [(CANID, MessageCodec, [SignalHandle])] = []
        for message in database.messages where message.name.hasPrefix("CMU") && message.name.hasSuffix(suffix) {
            let codec = try database.codec(forMessageNamed: message.name)
            let handles = try message.signals.filter { $0.unit == "mV" || $0.unit == "degC" }.map { try codec.handle(named: $0.name) }
            found.append((message.id, codec, handles))
        }
        checks = found
    }

    func shows(_ frame: CANFrame) -> Bool {
        guard let check = checks.first(where: { $0.id == frame.id }), let decoded = try? check.codec.decode(frame) else { return false }
        return check.handles.contains { decoded.physical($0).map(test) ?? false }
    }
}
