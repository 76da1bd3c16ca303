/// A fact delivered to the controller: a measurement, a feedback, a request or the passing of time.
///
/// Measurement events only store values; every decision is taken on the next ``tick(nowMilliseconds:)``,
/// which runs the cyclic task (timeouts, plausibility, protections, estimators, state machine, reports),
/// like foxBMS's 10 ms task reading its database. All values are raw integers in the unit their label
/// names; anything outside the sensor's range is classified as a sensor fault, never trusted.
public enum BMSEvent: Hashable, Sendable {
    /// The controller clock: milliseconds on any monotonic time base. A tick earlier than the last is ignored.
    case tick(nowMilliseconds: Int64)
    /// Block voltages from an AFE, starting at block `firstCell` (0-based, along the string).
    case cellVoltagesMeasured(firstCell: Int, millivolts: [Int32])
    /// Thermistor readings in 0.1 °C, starting at sensor `firstSensor`.
    case cellTemperaturesMeasured(firstSensor: Int, deciCelsius: [Int32], channel: TemperatureChannel)
    /// String current; positive discharges the pack (IVT-S convention).
    case packCurrentMeasured(milliamperes: Int32)
    /// The current sensor's charge counter (IVT-S `As`): charge drawn from the pack since the counter's
    /// reset, positive = discharge. Used to count the charge between current samples (pulse profiles at a
    /// slow task period); optional.
    case chargeCounterMeasured(ampereSeconds: Int64)
    /// Battery-side string voltage (before the contactors).
    case packVoltageMeasured(millivolts: Int32)
    /// DC-link voltage (after the contactors), used to verify the precharge.
    case linkVoltageMeasured(millivolts: Int32)
    /// Hydrogen concentration in the enclosure.
    case gasMeasured(sensor: Int, hydrogenPartsPerMillion: Int32)
    /// Absolute enclosure pressure.
    case pressureMeasured(sensor: Int, pascals: Int32)
    /// Smoke / aerosol detector state.
    case smokeMeasured(sensor: Int, detected: Bool)
    /// Insulation resistance of the HV system to chassis.
    case insulationMeasured(kiloohms: Int32)
    /// A node is alive but its sensor has no reading yet (a heated gas sensor warming up, an insulation
    /// monitor in its power-on self test): the link is fine, so no communication timeout, but no value
    /// arrives either, so detection that needs the sensor waits for it.
    case sensorStartingUp(StartingSensor)
    /// Auxiliary-contact feedback of a contactor.
    case contactorFeedback(Contactor, closed: Bool)
    /// The charger's own status.
    case chargerStatus(ChargerStatus)
    /// A mode request whose end-to-end protection was checked and found valid.
    case stateRequested(ModeRequest)
    /// The healing protocol a heal request names (`nil`: automatic, the diagnosis chooses). A named
    /// protocol runs on request even when the diagnosis sees no risk (preventive maintenance); it never
    /// runs while any block is at high (soft-short) risk, and the two bidirectional protocols need a
    /// bidirectional charger.
    case healingProtocolRequested(HealingProtocol?)
    /// `StateRequest_HealingAllowed`: whether the BMS may start healing on its own (automatic, diagnosed or
    /// preventive). A heal request is the vehicle's explicit order and runs regardless. Sent with every
    /// valid request whose flag differs from the last one.
    case automaticHealingAllowed(Bool)
    /// The vehicle acknowledges latched faults (`StateRequest_ResetFaults` rising edge): the controller
    /// leaves `fault` on its next tick if standby is requested and no fatal diagnosis is active then.
    case faultResetRequested
    /// A frame of `message` failed its end-to-end check (counter or CRC); its content was discarded.
    case e2eFailure(message: BMSMessage)
    /// A good frame from a sender whose earlier frame failed its end-to-end check: forgives one of that
    /// sender's failures (good frames of other senders forgive nothing).
    case e2eRecovered(message: BMSMessage)
    /// A node reports one of its sensors broken (AFE open-wire test, thermistor range, sensor status bits).
    case sensorFaultReported(SensorFault)
    /// The node reports that sensor healthy again.
    case sensorFaultCleared(SensorFault)
}

/// A sensor that can be alive on the bus before it has a reading.
public enum StartingSensor: Hashable, Sendable {
    case gas(Int)
    case pressure(Int)
    case insulation
}

/// Primary or redundant thermistor channel.
public enum TemperatureChannel: String, Hashable, Sendable, CaseIterable {
    case primary
    case redundant
}

/// The three contactors of a single-string pack (foxBMS `BS_NR_OF_CONTACTORS = 2·strings + 1`).
public enum Contactor: String, Hashable, Sendable, CaseIterable, Comparable {
    case mainMinus
    case precharge
    case mainPlus

    public static func < (lhs: Contactor, rhs: Contactor) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}

/// What the vehicle or test rig asks the BMS to do (foxBMS `RequestBmsMode`, extended).
public enum ModeRequest: String, Hashable, Sendable, CaseIterable {
    /// Contactors open.
    case standby
    /// Contactors closed, discharge (and regenerative charge) allowed.
    case normal
    /// Contactors closed, the BMS drives the charger.
    case charge
    /// Contactors open, passive balancing.
    case balance
    /// While charging: run the healing protocol the diagnosis recommends now, or the one the request names.
    case heal
}

/// The charger's reported status.
public struct ChargerStatus: Hashable, Sendable {
    public var connected: Bool
    /// Able to draw current from the pack (needed for reverse pulses).
    public var bidirectional: Bool
    public var faulted: Bool

    public init(connected: Bool, bidirectional: Bool, faulted: Bool) {
        self.connected = connected
        self.bidirectional = bidirectional
        self.faulted = faulted
    }
}

/// Messages that carry end-to-end protection.
public enum BMSMessage: String, Hashable, Sendable, CaseIterable {
    case stateRequest
    case cellVoltages
    case cellTemperatures
    case current
    case packVoltage
    case gas
    case pressure
    case smoke
    case insulation
    case charger
    case contactorFeedback
}

/// A sensor that a node reports broken.
public enum SensorFault: Hashable, Sendable {
    case cellVoltageOpenWire(cell: Int)
    case temperatureSensor(sensor: Int)
    case currentSensor
    case gasSensor(Int)
    case pressureSensor(Int)
    case smokeSensor(Int)
}
