import CANDatabase

/// `VCU_StateRequest`.
struct StateRequestHandles: Sendable {
    let mode: SignalHandle
    let resetFaults: SignalHandle
    let chargerConnected: SignalHandle
    let healingProtocol: SignalHandle
    let healingAllowed: SignalHandle

    init(_ binding: MessageBinding) throws(BMSBusInterfaceError) {
        mode = try binding.handle("StateRequest_Mode")
        healingAllowed = try binding.handle("StateRequest_HealingAllowed")
        healingProtocol = try binding.handle("StateRequest_HealingProtocol")
        resetFaults = try binding.handle("StateRequest_ResetFaults")
        chargerConnected = try binding.handle("StateRequest_ChargerConnected")
    }
}

/// `CONT_ContactorFeedback`: one state per contactor, in ``Contactor`` order.
struct ContactorFeedbackHandles: Sendable {
    let states: [SignalHandle]

    init(_ binding: MessageBinding) throws(BMSBusInterfaceError) {
        var states: [SignalHandle] = []
        for contactor in Contactor.allCases { states.append(try binding.handle("Feedback_\(contactor.databaseName)State")) }
        self.states = states
    }
}

extension Contactor {
    /// The contactor's name in bms.dbc signal names.
    var databaseName: String {
        switch self {
        case .mainMinus: "MainMinus"
        case .precharge: "Precharge"
        case .mainPlus: "MainPlus"
        }
    }
}

/// `CHG_ChargerStatus`.
struct ChargerStatusHandles: Sendable {
    let mode: SignalHandle
    let overtemperature: SignalHandle
    let outputFault: SignalHandle

    init(_ binding: MessageBinding) throws(BMSBusInterfaceError) {
        mode = try binding.handle("ChargerStatus_Mode")
        overtemperature = try binding.handle("ChargerStatus_Overtemperature")
        outputFault = try binding.handle("ChargerStatus_OutputFault")
    }
}

/// `GAS_Concentrations`.
struct GasHandles: Sendable {
    let hydrogen: SignalHandle
    let status: SignalHandle

    init(_ binding: MessageBinding) throws(BMSBusInterfaceError) {
        hydrogen = try binding.handle("Gas_H2")
        status = try binding.handle("Gas_SensorStatus")
    }
}

/// `PRESS_PackPressure`.
struct PressureHandles: Sendable {
    let enclosureDelta: SignalHandle
    let status: SignalHandle

    init(_ binding: MessageBinding) throws(BMSBusInterfaceError) {
        enclosureDelta = try binding.handle("Press_EnclosureDelta")
        status = try binding.handle("Press_SensorStatus")
    }
}

/// `SMOKE_Status`.
struct SmokeHandles: Sendable {
    let detected: SignalHandle
    let fault: SignalHandle

    init(_ binding: MessageBinding) throws(BMSBusInterfaceError) {
        detected = try binding.handle("Smoke_Detected")
        fault = try binding.handle("Smoke_SensorFault")
    }
}

/// `IMD_Insulation`.
struct InsulationHandles: Sendable {
    let resistance: SignalHandle
    let status: SignalHandle
    let valid: SignalHandle
    let selfTest: SignalHandle

    init(_ binding: MessageBinding) throws(BMSBusInterfaceError) {
        resistance = try binding.handle("Imd_InsulationResistance")
        status = try binding.handle("Imd_Status")
        valid = try binding.handle("Imd_MeasurementValid")
        selfTest = try binding.handle("Imd_SelfTestActive")
    }
}

/// One board's `CMU<n>_CellVoltages` or `CMU<n>_CellTemperatures`: per multiplexer page, the signals
/// and the 0-based cell group (or sensor) each carries, from the `<prefix>NNN` signal names.
struct CellBoardHandles: Sendable {
    struct Channel: Sendable {
        let handle: SignalHandle
        let index: Int
    }

    let board: Int
    let multiplexer: SignalHandle
    /// Channels per page value, ascending by index.
    let pages: [[Channel]]

    init(_ binding: MessageBinding, prefix: String, board: Int) throws(BMSBusInterfaceError) {
        self.board = board
        let message = binding.codec.message
        guard let multiplexerIndex = message.topLevelMultiplexerIndices.first else {
            throw .unusableMessage(message: binding.name, reason: "no multiplexer (page) signal")
        }
        multiplexer = binding.codec.handles[multiplexerIndex]
        var pages: [[Channel]] = []
        for handle in binding.codec.handles {
            guard let signal = binding.codec.signal(handle), signal.name.hasPrefix(prefix),
                let number = Int(signal.name.dropFirst(prefix.count)), number >= 1
            else { continue }
            guard let page = binding.page(of: handle), page >= 0, page < 64 else {
                throw .unusableMessage(message: binding.name, reason: "\(signal.name) is not on a multiplexer page 0...63")
            }
            while pages.count <= Int(page) { pages.append([]) }
            pages[Int(page)].append(Channel(handle: handle, index: number - 1))
        }
        self.pages = pages.map { $0.sorted { $0.index < $1.index } }
    }

    /// Every cell group (sensor) of the board, ascending.
    var indices: [Int] { pages.flatMap { $0.map(\.index) }.sorted() }
}

/// One `IVT_Msg_Result_<x>`: result id, value and the three error bits.
struct IVTResultHandles: Sendable {
    enum Kind: Sendable, Equatable {
        case current
        case packVoltage
        case linkVoltage
        case chargeCounter
    }

    let kind: Kind
    let identifier: SignalHandle
    let value: SignalHandle
    let errors: [SignalHandle]
    /// The result id the message must carry (its DBC range, e.g. 0 for I).
    let expectedIdentifier: Int64

    init(_ binding: MessageBinding, suffix: String, kind: Kind) throws(BMSBusInterfaceError) {
        self.kind = kind
        identifier = try binding.handle("IVT_ID_Result_\(suffix)")
        value = try binding.handle("IVT_Result_\(suffix)")
        errors = [
            try binding.handle("IVT_Result_\(suffix)_Channel_Error"), try binding.handle("IVT_Result_\(suffix)_Measurement_Error"),
            try binding.handle("IVT_Result_\(suffix)_System_Error"),
        ]
        expectedIdentifier = Int64((binding.codec.signal(identifier)?.minimum ?? 0).rounded())
    }
}
