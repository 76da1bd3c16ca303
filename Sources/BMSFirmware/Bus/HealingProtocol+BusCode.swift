extension HealingProtocol {
    /// The protocol's code in `bms.dbc`, the same in `Healing_Protocol` (what runs) and
    /// `StateRequest_HealingProtocol` (what the vehicle asks for); 0 there is None / Automatic.
    var busCode: Int64 {
        switch self {
        case .pulseCharging: 1
        case .selfHeatingDose: 2
        case .asymmetricBidirectional: 3
        case .restInterleaved: 4
        }
    }

    /// The protocol a bus code names; `nil` for 0 (None / Automatic) and codes outside the table.
    init?(busCode: Int64) {
        guard let match = Self.allCases.first(where: { $0.busCode == busCode }) else { return nil }
        self = match
    }
}
