public import BMSFirmware
public import CANCore
public import CANTransport

/// The emulated BMS firmware as a lock-step participant: bms.dbc frames in, bms.dbc frames out.
///
/// What the firmware decides is observed from its frames by ``BMSObserver`` (as for any BMS); this
/// participant adds what only the firmware knows: diagnosis rows set and cleared, and healing records
/// with their before/after metrics (`firmware.diagnosis[...]`, `firmware.healing_record[...]`).
public struct FirmwareParticipant: SimulationParticipant, Sendable {
    public let name = "firmware"
    public var receiveFilters: [CANFilter] = [.all]
    public private(set) var node: BMSFirmwareNode
    /// Healing runs the firmware recorded, in order.
    public private(set) var healingRecords: [HealingRecord] = []

    public init(node: BMSFirmwareNode) {
        self.node = node
    }

    public mutating func step(nowNanoseconds now: Int64, inbox: [CANBusEvent], output: inout StepOutput) {
        for event in inbox {
            if case .frame(let frame, _, _) = event { node.receive(frame, atNanoseconds: now) }
        }
        output.frames.append(contentsOf: node.step(nowNanoseconds: now))
        for observation in node.takeObservations() {
            switch observation.kind {
            case .diagnosis(let transition):
                output.events.append(TraceEvent(
                    timeNanoseconds: observation.atNanoseconds, kind: transition.active ? "firmware.diagnosis" : "firmware.diagnosis_cleared",
                    subject: "\(transition.id)", value: transition.location.map(Double.init), source: "firmware"))
            case .healing(let record):
                healingRecords.append(record)
                output.events.append(TraceEvent(
                    timeNanoseconds: observation.atNanoseconds, kind: "firmware.healing_record", subject: "\(record.protocolUsed)",
                    value: Double(record.endedAtMilliseconds - record.startedAtMilliseconds) / 1000, source: "firmware"))
            default:
                break
            }
        }
    }
}
