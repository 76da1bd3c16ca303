public import CANCore
public import CANTransport
public import CellPack

/// A regression scenario: the pack, what the vehicle asks for, what goes wrong and when, and what
/// must hold. Written in YAML under `HIL/scenarios/` and read by the shell into this value.
public struct Scenario: Sendable {
    public var name: String
    public var summary: String
    /// Seed for cell spread, sensor noise and probabilistic faults.
    public var seed: UInt64
    /// Simulated duration; the run ends earlier when a ``cycling`` program completes.
    public var durationSeconds: Double
    /// Lock-step base step (the bus, nodes and firmware step on multiples of it).
    public var stepMilliseconds: Double
    /// Firmware task period; `nil` keeps the firmware configuration's period.
    public var firmwareTaskMilliseconds: Double?
    /// Bus timing model; `nil` for an ideal bus.
    public var busModel: VirtualCANBus.BusModel?
    public var pack: PackSetup
    public var vehicle: VehicleProgram
    public var timeline: [TimelineEntry]
    public var expectations: [Expectation]
    /// Period of the truth/estimate samples kept for the report.
    public var samplePeriodSeconds: Double

    public init(
        name: String, summary: String = "", seed: UInt64 = 1, durationSeconds: Double, stepMilliseconds: Double = 10,
        firmwareTaskMilliseconds: Double? = nil, busModel: VirtualCANBus.BusModel? = nil, pack: PackSetup = PackSetup(),
        vehicle: VehicleProgram = VehicleProgram(), timeline: [TimelineEntry] = [], expectations: [Expectation] = [],
        samplePeriodSeconds: Double = 1
    ) {
        self.name = name
        self.summary = summary
        self.seed = seed
        self.durationSeconds = durationSeconds
        self.stepMilliseconds = stepMilliseconds
        self.firmwareTaskMilliseconds = firmwareTaskMilliseconds
        self.busModel = busModel
        self.pack = pack
        self.vehicle = vehicle
        self.timeline = timeline
        self.expectations = expectations
        self.samplePeriodSeconds = samplePeriodSeconds
    }
}

/// Which pack, nodes and starting point a scenario uses. Paths are relative to the Firmware directory.
public struct PackSetup: Hashable, Sendable {
    public var cellFile: String
    public var packFile: String
    public var nodesFile: String
    public var initialStateOfCharge: Double
    public var initialCelsius: Double
    public var ambientCelsius: Double
    public var coolantCelsius: Double
    /// The bus the pack side speaks (bmsemu's own, or a foxBMS 2 master's).
    public var busProfile: PackBusProfile

    public init(
        cellFile: String = "cells/li-metal-ncm811-pouch.yaml", packFile: String = "packs/96s2p.yaml",
        nodesFile: String = "nodes/default.yaml", initialStateOfCharge: Double = 0.5, initialCelsius: Double = 25,
        ambientCelsius: Double = 25, coolantCelsius: Double = 25, busProfile: PackBusProfile = .bms
    ) {
        self.cellFile = cellFile
        self.packFile = packFile
        self.nodesFile = nodesFile
        self.initialStateOfCharge = initialStateOfCharge
        self.initialCelsius = initialCelsius
        self.ambientCelsius = ambientCelsius
        self.coolantCelsius = coolantCelsius
        self.busProfile = busProfile
    }
}

/// Operating modes the vehicle requests (the `StateRequest_Mode` values of `Firmware/bms.dbc`).
public enum VehicleRequest: String, CaseIterable, Hashable, Sendable {
    case standby = "Standby"
    case discharge = "Discharge"
    case charge = "Charge"
    case balance = "Balance"
    case heal = "Heal"
}

/// Healing protocols the vehicle may ask for with `heal` (`StateRequest_HealingProtocol`).
public enum HealingRequest: String, CaseIterable, Hashable, Sendable {
    case automatic = "Automatic"
    case pulseCharging = "PulseCharging"
    case selfHeatingPulseTrain = "SelfHeatingPulseTrain"
    case asymmetricBidirectional = "AsymmetricBidirectional"
    case restSTCR = "RestSTCR"
}

/// What the vehicle side does: its state requests, the load current, and an optional cycling program.
public struct VehicleProgram: Hashable, Sendable {
    /// `false` when another tool (python-can, a real VCU) sends the state requests.
    public var sendsStateRequests: Bool
    /// Mode requested from time 0 (before the first timeline request).
    public var initialRequest: VehicleRequest
    public var chargerConnected: Bool
    public var healingAllowed: Bool
    public var balancingAllowed: Bool
    /// The inverter keeps its current inside the limits the BMS reports (discharge and regen); `false`
    /// for protection tests that drive the pack past them on purpose.
    public var obeysCurrentLimits: Bool
    public var initialLoad: LoadSetting
    /// Repeated charge/discharge cycles (aging runs); the run ends when they are done.
    public var cycling: CyclingProgram?

    public init(
        sendsStateRequests: Bool = true, initialRequest: VehicleRequest = .standby, chargerConnected: Bool = true,
        healingAllowed: Bool = true, balancingAllowed: Bool = true, initialLoad: LoadSetting = .off, cycling: CyclingProgram? = nil,
        obeysCurrentLimits: Bool = true
    ) {
        self.obeysCurrentLimits = obeysCurrentLimits
        self.sendsStateRequests = sendsStateRequests
        self.initialRequest = initialRequest
        self.chargerConnected = chargerConnected
        self.healingAllowed = healingAllowed
        self.balancingAllowed = balancingAllowed
        self.initialLoad = initialLoad
        self.cycling = cycling
    }
}

/// The load's current demand on the DC link (+ discharges the pack).
public enum LoadSetting: Hashable, Sendable {
    case off
    case constant(amps: Double)
    /// A two-level periodic waveform (pulsed or bidirectional loads), exact inside each step.
    case waveform(CurrentWaveform)
    /// A drive-cycle table: (seconds, amps) points, linearly interpolated, scaled, optionally repeated.
    case profile(name: String, points: [ProfilePoint], scale: Double, repeats: Bool)
}

/// One point of a drive-cycle current profile.
public struct ProfilePoint: Hashable, Sendable {
    public var seconds: Double
    public var amps: Double

    public init(seconds: Double, amps: Double) {
        self.seconds = seconds
        self.amps = amps
    }
}

/// Repeated charge/discharge cycles driven the way a cycler or a vehicle would: request charge and wait
/// until the BMS reports the charge complete, rest, request discharge with a constant load until the
/// minimum cell voltage reported by the BMS reaches the cut-off, rest.
public struct CyclingProgram: Hashable, Sendable {
    public var cycles: Int
    public var dischargeAmps: Double
    public var dischargeCutoffMillivolts: Double
    public var restSeconds: Double
    /// Give up on a charge that has not completed after this long (a stuck charge is a finding, not a hang).
    public var chargeTimeoutSeconds: Double
    /// Preventive healing: every `healEveryCycles`-th charge (counting from the first) is requested as a heal with
    /// `healProtocol` (the BMS runs the dose inside the charge, then finishes the charge); `nil` for plain CC-CV.
    public var healEveryCycles: Int?
    public var healProtocol: HealingRequest = .asymmetricBidirectional

    public init(cycles: Int, dischargeAmps: Double, dischargeCutoffMillivolts: Double = 3000, restSeconds: Double = 600, chargeTimeoutSeconds: Double = 6 * 3600) {
        self.cycles = cycles
        self.dischargeAmps = dischargeAmps
        self.dischargeCutoffMillivolts = dischargeCutoffMillivolts
        self.restSeconds = restSeconds
        self.chargeTimeoutSeconds = chargeTimeoutSeconds
    }
}

/// Something the scenario does at a given time.
public struct TimelineEntry: Hashable, Sendable {
    public var atSeconds: Double
    public var action: TimelineAction
    /// Source line in the scenario file, for messages.
    public var line: Int

    public init(atSeconds: Double, action: TimelineAction, line: Int = 0) {
        self.atSeconds = atSeconds
        self.action = action
        self.line = line
    }
}

/// The actions a timeline can take.
public enum TimelineAction: Hashable, Sendable {
    /// A physical fault in the pack (internal short, soft short, separator damage, leak, isolation).
    case packFault(PackFault)
    case clearPackFaults
    /// A sensor-node fault in its textual form (parsed and checked when the scenario is loaded).
    case sensorFault(String)
    case clearSensorFaults
    /// A fault rule on the bus.
    case busFault(BusFaultSpec)
    case clearBusFaults
    case environment(EnvironmentChange)
    /// External heater power on one cell (abuse: external heating); 0 W switches it off.
    case heater(cell: Int, watts: Double)
    case request(VehicleRequest, healing: HealingRequest)
    case load(LoadSetting)
    /// Plug the charger in or out.
    case chargerConnected(Bool)
    /// A rising edge on `StateRequest_ResetFaults`.
    case resetFaults
}

/// A change of ambient, coolant or cooling state; `nil` fields stay as they are.
public struct EnvironmentChange: Hashable, Sendable {
    public var ambientCelsius: Double?
    public var coolantCelsius: Double?
    public var cooling: CoolingMode?

    public init(ambientCelsius: Double? = nil, coolantCelsius: Double? = nil, cooling: CoolingMode? = nil) {
        self.ambientCelsius = ambientCelsius
        self.coolantCelsius = coolantCelsius
        self.cooling = cooling
    }
}

/// A bus fault as written in a scenario: like ``CANTransport/VirtualBusFault`` but naming the sending
/// participant (`pack`, `firmware`) instead of a node id, and lasting `durationSeconds` from its time.
public struct BusFaultSpec: Hashable, Sendable {
    public var action: VirtualBusFault.Action
    public var filter: CANFilter?
    public var senderName: String?
    public var probability: Double
    public var durationSeconds: Double?

    public init(action: VirtualBusFault.Action, filter: CANFilter? = nil, senderName: String? = nil, probability: Double = 1, durationSeconds: Double? = nil) {
        self.action = action
        self.filter = filter
        self.senderName = senderName
        self.probability = probability
        self.durationSeconds = durationSeconds
    }
}

extension TimelineAction {
    /// A short text for trace events and reports, e.g. `pack_fault internalShort(cell: 12, ohms: 0.05)`.
    public var summary: String {
        switch self {
        case .packFault(let fault): return "pack_fault \(fault)"
        case .clearPackFaults: return "clear_pack_faults"
        case .sensorFault(let text): return "sensor_fault \(text)"
        case .clearSensorFaults: return "clear_sensor_faults"
        case .busFault(let spec): return "bus_fault \(spec.action)" + (spec.filter.map { " \($0)" } ?? "")
        case .clearBusFaults: return "clear_bus_faults"
        case .environment(let change):
            var parts: [String] = []
            if let ambient = change.ambientCelsius { parts.append("ambient \(ambient) °C") }
            if let coolant = change.coolantCelsius { parts.append("coolant \(coolant) °C") }
            if let cooling = change.cooling { parts.append("cooling \(cooling.rawValue)") }
            return "environment " + parts.joined(separator: ", ")
        case .heater(let cell, let watts): return "heater cell \(cell) \(watts) W"
        case .request(let request, let healing): return "request \(request.rawValue)" + (request == .heal ? " \(healing.rawValue)" : "")
        case .load(let setting): return "load \(setting.summary)"
        case .chargerConnected(let connected): return "charger_connected \(connected)"
        case .resetFaults: return "reset_faults"
        }
    }
}

extension LoadSetting {
    /// A short text for logs.
    public var summary: String {
        switch self {
        case .off: return "off"
        case .constant(let amps): return "\(amps) A"
        case .waveform(let waveform): return "\(waveform.firstAmps) A/\(waveform.firstSeconds) s, \(waveform.secondAmps) A/\(waveform.secondSeconds) s"
        case .profile(let name, _, let scale, let repeats): return "\(name) ×\(scale)\(repeats ? " repeating" : "")"
        }
    }
}
