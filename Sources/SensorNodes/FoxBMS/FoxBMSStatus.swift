public import CANCore
public import CANDatabase

/// What a foxBMS 2 master reports that the vehicle side needs: its state (0x220 `f_BmsState`), the cell-voltage
/// extremes (0x231), its current limits (0x232, for capping the load) and the pack current it measures (0x233).
///
/// The vehicle-side counterpart of ``FoxBMSStateRequestSender``: hand it every frame from the bus; frames that do
/// not decode (wrong length, another identifier) leave the last values untouched.
///
/// ```swift
/// var status = try FoxBMSStatus(database: compat)
/// status.observe(frame)
/// let limit = status.maximumDischargeAmps     // cap the vehicle load at this
/// ```
public struct FoxBMSStatus: Sendable {
    /// `BmsState` value names of the compat DBC (`src/app/application/bms/bms.h`), e.g. `STANDBY`, `NORMAL`, `ERROR`.
    public private(set) var state: String?
    /// `NumberOfConnectedStrings`.
    public private(set) var connectedStrings: Int?
    /// `GeneralError` of 0x220.
    public private(set) var hasError: Bool?
    /// `CanTimingError` of 0x220: foxBMS found the 0x210 timing contract broken.
    public private(set) var canTimingError: Bool?
    public private(set) var minimumCellMillivolts: Double?
    public private(set) var maximumCellMillivolts: Double?
    public private(set) var maximumDischargeAmps: Double?
    public private(set) var maximumChargeAmps: Double?
    /// `Current` of 0x233, in foxBMS's sign convention (`BS_POSITIVE_DISCHARGE_CURRENT`).
    public private(set) var packCurrentAmps: Double?
    /// `BatteryVoltage` of 0x233.
    public private(set) var batteryVolts: Double?

    let stateCodec, voltageCodec, limitsCodec, valuesCodec: MessageCodec
    let stateHandle, connectedHandle, errorHandle, timingHandle: SignalHandle
    let minimumHandle, maximumHandle, dischargeHandle, chargeHandle, currentHandle, voltageHandle: SignalHandle

    /// Reads with `database` (`Firmware/foxbms/foxbms-compat.dbc`).
    ///
    /// - Throws: ``NodeSetupError`` when a message or signal is missing.
    public init(database: CANDatabase) throws(NodeSetupError) {
        func codec(_ name: String) throws(NodeSetupError) -> MessageCodec {
            do throws(DBCCodecError) {
                return try database.codec(forMessageNamed: name)
            } catch {
                throw NodeSetupError("foxBMS database: \(error)")
            }
        }
        func handle(_ codec: MessageCodec, _ name: String) throws(NodeSetupError) -> SignalHandle {
            do throws(DBCCodecError) {
                return try codec.handle(named: name)
            } catch {
                throw NodeSetupError("message \(codec.message.name) has no signal \(name)")
            }
        }
        stateCodec = try codec("f_BmsState")
        voltageCodec = try codec("f_PackMinMaxCellVoltage")
        limitsCodec = try codec("f_PackLimits")
        valuesCodec = try codec("f_PackValuesP0")
        stateHandle = try handle(stateCodec, "BmsState")
        connectedHandle = try handle(stateCodec, "NumberOfConnectedStrings")
        errorHandle = try handle(stateCodec, "GeneralError")
        timingHandle = try handle(stateCodec, "CanTimingError")
        minimumHandle = try handle(voltageCodec, "MinimumCellVoltage")
        maximumHandle = try handle(voltageCodec, "MaximumCellVoltage")
        dischargeHandle = try handle(limitsCodec, "MaximumDischargeCurrent")
        chargeHandle = try handle(limitsCodec, "MaximumChargeCurrent")
        currentHandle = try handle(valuesCodec, "Current")
        voltageHandle = try handle(valuesCodec, "BatteryVoltage")
    }

    /// Reads a frame from the bus; anything but a well-formed 0x220, 0x231, 0x232 or 0x233 is ignored.
    public mutating func observe(_ frame: CANFrame) {
        guard !frame.isErrorFrame, !frame.isRemoteRequest else { return }
        switch frame.id {
        case stateCodec.id:
            guard let decoded = try? stateCodec.decode(frame) else { return }
            state = decoded.valueName(stateHandle) ?? decoded.raw(stateHandle).map { "\($0)" }
            connectedStrings = decoded.raw(connectedHandle).map { Int($0) }
            hasError = decoded.raw(errorHandle).map { $0 != 0 }
            canTimingError = decoded.raw(timingHandle).map { $0 != 0 }
        case voltageCodec.id:
            guard let decoded = try? voltageCodec.decode(frame) else { return }
            minimumCellMillivolts = decoded.physical(minimumHandle)
            maximumCellMillivolts = decoded.physical(maximumHandle)
        case limitsCodec.id:
            guard let decoded = try? limitsCodec.decode(frame) else { return }
            maximumDischargeAmps = decoded.physical(dischargeHandle)
            maximumChargeAmps = decoded.physical(chargeHandle)
        case valuesCodec.id:
            guard let decoded = try? valuesCodec.decode(frame) else { return }
            packCurrentAmps = decoded.physical(currentHandle)
            batteryVolts = decoded.physical(voltageHandle)
        default:
            return
        }
    }
}
