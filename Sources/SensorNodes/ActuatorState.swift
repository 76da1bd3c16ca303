public import CellPack

/// What the nodes do to the pack: delivered charger current, contactor positions and balancing switches.
///
/// The emulator applies it to the pack each step. The charger and the load are both current sources on
/// the DC link: their currents add. ``packCurrent(loadAmps:)`` builds the pack's input waveform from the
/// charger's delivered waveform and the scenario's load.
public struct ActuatorState: Hashable, Sendable {
    /// Current the charger delivers, CellPack convention (+ discharges, so charging is negative), after its
    /// slew, accuracy, voltage and timeout limits. A two-level waveform: pulse and ABC profiles keep their
    /// exact timing at any step size.
    public var chargerCurrent: CurrentWaveform
    /// Contactor positions as they physically are (after close/open delays and welding / coil faults).
    public var contactors: ContactorStates
    /// Passive-balancing switch per series group (true = bleeding), from the cell-monitoring boards.
    public var balancing: [Bool]

    public init(chargerCurrent: CurrentWaveform = .rest, contactors: ContactorStates = .open, balancing: [Bool] = []) {
        self.chargerCurrent = chargerCurrent
        self.contactors = contactors
        self.balancing = balancing
    }

    /// The pack current: the charger's delivered waveform plus a load of `loadAmps` (+ discharges), added
    /// to both levels of the charger waveform. A load that varies within a step should be passed as its
    /// average over the step.
    public func packCurrent(loadAmps: Double) -> CurrentWaveform {
        let load = loadAmps.isFinite ? loadAmps : 0
        return CurrentWaveform(
            firstAmps: chargerCurrent.firstAmps + load, firstSeconds: chargerCurrent.firstSeconds,
            secondAmps: chargerCurrent.secondAmps + load, secondSeconds: chargerCurrent.secondSeconds)
    }

    /// The pack inputs for one step: current from ``packCurrent(loadAmps:)``, contactors and balancing
    /// from the nodes, the rest from the scenario.
    public func packInputs(
        loadAmps: Double, ambientCelsius: Double = 25, coolantCelsius: Double = 25, cooling: CoolingMode = .on,
        heaterWatts: [Double] = []
    ) -> PackInputs {
        PackInputs(
            current: packCurrent(loadAmps: loadAmps), contactors: contactors, balancing: balancing,
            ambientCelsius: ambientCelsius, coolantCelsius: coolantCelsius, cooling: cooling, heaterWatts: heaterWatts)
    }
}
