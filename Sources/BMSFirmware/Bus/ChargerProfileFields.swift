/// A ``ChargerCommand``'s waveform in the fields of `BMS_ChargerCommand.ChargerCmd_HealingProfile` and the
/// three pages of `BMS_ChargerProfile` (currents in mA here, the database's 0.1 A on the wire; times in ms).
///
/// | controller profile | HealingProfile | Pulse | Reverse | On | Off | ReverseTime | Count |
/// |---|---|---|---|---|---|---|---|
/// | CC-CV | 0 None | — | — | — | — | — | — |
/// | pulsed(on, off) | 1 PulseCharging | I | 0 | on | off | 0 | 0 (until changed) |
/// | asymmetricBidirectional(fwd, rev, I_rev) | 3 AsymmetricBidirectional | I | I_rev | fwd | 0 | rev | 0 |
/// | selfHeatingDose(pulse, rest, n) | 3 AsymmetricBidirectional | I | I | pulse | 2 × rest | pulse | n |
/// | restInterleaved(charge, rest) | 4 RestSTCR | I | 0 | charge | rest | 0 | 0 |
///
/// The self-heating dose is net-zero (charge pulse, rest, equal discharge pulse, rest). bms.dbc's
/// `SelfHeatingPulseTrain` (2) is a one-directional pulse train ("ReverseCurrent … 0 for the other
/// profiles"), so it cannot carry the dose; the ABC layout can: forward and reverse at the same current and
/// duration, the two rests merged into the off time after the reverse pulse (same period, same charge per
/// direction, same RMS current). `BMS_HealingStatus.Healing_Protocol` still names the protocol (2).
struct ChargerProfileFields: Hashable, Sendable {
    var profile: Int64
    var pulseMilliamperes: Int64
    var reverseMilliamperes: Int64
    var onMilliseconds: Int64
    var offMilliseconds: Int64
    var reverseMilliseconds: Int64
    var count: Int64

    static let none = ChargerProfileFields(
        profile: 0, pulseMilliamperes: 0, reverseMilliamperes: 0, onMilliseconds: 0, offMilliseconds: 0, reverseMilliseconds: 0, count: 0)

    init(
        profile: Int64, pulseMilliamperes: Int64, reverseMilliamperes: Int64, onMilliseconds: Int64, offMilliseconds: Int64,
        reverseMilliseconds: Int64, count: Int64
    ) {
        self.profile = profile
        self.pulseMilliamperes = pulseMilliamperes
        self.reverseMilliamperes = reverseMilliamperes
        self.onMilliseconds = onMilliseconds
        self.offMilliseconds = offMilliseconds
        self.reverseMilliseconds = reverseMilliseconds
        self.count = count
    }

    init(_ command: ChargerCommand) {
        let current = Int64(command.currentMilliamperes)
        switch command.profile {
        case .constantCurrentConstantVoltage:
            self = .none
        case .pulsed(let on, let off):
            self.init(
                profile: 1, pulseMilliamperes: current, reverseMilliamperes: 0, onMilliseconds: Int64(on), offMilliseconds: Int64(off),
                reverseMilliseconds: 0, count: 0)
        case .asymmetricBidirectional(let forward, let reverse, let reverseCurrent):
            self.init(
                profile: 3, pulseMilliamperes: current, reverseMilliamperes: Int64(reverseCurrent), onMilliseconds: Int64(forward),
                offMilliseconds: 0, reverseMilliseconds: Int64(reverse), count: 0)
        case .selfHeatingDose(let pulse, let rest, let cycles):
            self.init(
                profile: 3, pulseMilliamperes: current, reverseMilliamperes: current, onMilliseconds: Int64(pulse),
                offMilliseconds: 2 * Int64(rest), reverseMilliseconds: Int64(pulse), count: Int64(cycles))
        case .restInterleaved(let charge, let rest):
            self.init(
                profile: 4, pulseMilliamperes: current, reverseMilliamperes: 0, onMilliseconds: Int64(charge), offMilliseconds: Int64(rest),
                reverseMilliseconds: 0, count: 0)
        }
    }
}
