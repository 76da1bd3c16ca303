import CellPack
import SensorNodes

extension VehicleParticipant {
    /// Why `action` makes no sense when the pack side speaks the foxBMS bus, or `nil` (always on bmsemu's bus).
    ///
    /// Sensor faults of nodes that are not on that bus are refused by ``SensorNodes/PackNodes/inject(_:)`` with the
    /// profile's reason; this covers the rest: requests foxBMS has no mode for, the charger, and an insulation
    /// fault, which nothing on this bus measures (foxBMS is built without an IMD, bmsemu emulates no Bender
    /// iso165c).
    func foxBMSRefusal(_ action: TimelineAction) -> String? {
        guard nodes.foxBMSProfile != nil else { return nil }
        if case .packFault(.isolationFault) = action {
            return "nothing on the foxBMS bus measures insulation (foxBMS built with insulation-monitoring-device none; "
                + "bmsemu emulates no Bender iso165c)"
        }
        return vehicle.foxBMSRefusal(action)
    }
}
