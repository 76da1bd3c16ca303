#if os(Linux)
public import CANTransport
internal import CSocketCAN
import Glibc
import SystemPackage

/// Controls a CAN interface through netlink (libsocketcan): controller state, restart after bus-off,
/// bit timing, start/stop, automatic restart delay and error counters.
///
/// These operations act on a CAN *controller*. `vcan` and `vxcan` have none: no bit timing, no error
/// states, no bus-off, no error counters. On them every controller operation throws
/// ``CANTransport/CANTransportError/Kind/notSupported`` saying exactly that (the link kind comes from
/// rtnetlink `IFLA_INFO_KIND`, as `ip -details link` shows it) instead of an obscure errno. Changing
/// settings needs `CAP_NET_ADMIN`; most need the interface down first (``stop()``).
public struct CANInterfaceControl: Sendable {
    /// The interface name, e.g. `can0`.
    public let interfaceName: String

    /// Prepares control of `interface`; nothing is opened until an operation runs.
    ///
    /// - Throws: `.invalidArgument` for a name the kernel cannot hold.
    public init(interface: String) throws(CANTransportError) {
        try InterfaceName.validate(interface)
        self.interfaceName = interface
    }

    /// What rtnetlink says about the interface: kind (`vcan`, `can`, ...), MTU, up/down.
    ///
    /// - Throws: `.interfaceNotFound` when there is no such interface.
    public func link() throws(CANTransportError) -> NetworkLinkInfo {
        let index = try InterfaceName.index(of: interfaceName)
        return try NetlinkLinkQuery.query(index: index, interface: interfaceName)
    }

    /// The controller state (`can_get_state`).
    public func state() throws(CANTransportError) -> CANControllerState {
        try requireController("reading the controller state")
        var raw: CInt = -1
        try call("can_get_state") { can_get_state($0, &raw) }
        guard let state = CANControllerState(rawValue: Int(raw)) else {
            throw CANTransportError(.system(errno: Errno.badMessage.rawValue), "can_get_state on \(interfaceName) returned unknown state \(raw)")
        }
        return state
    }

    /// Restarts the controller after bus-off (`can_do_restart`; the interface must be up and bus-off,
    /// with automatic restart disabled).
    public func restart() throws(CANTransportError) {
        try requireController("restarting the controller")
        try call("can_do_restart") { can_do_restart($0) }
    }

    /// Brings the interface up (`can_do_start`).
    public func start() throws(CANTransportError) {
        try requireController("starting the controller")
        try call("can_do_start") { can_do_start($0) }
    }

    /// Takes the interface down (`can_do_stop`); needed before changing bit timing.
    public func stop() throws(CANTransportError) {
        try requireController("stopping the controller")
        try call("can_do_stop") { can_do_stop($0) }
    }

    /// The nominal bit timing (`can_get_bittiming`).
    public func bitTiming() throws(CANTransportError) -> CANBitTiming {
        try requireController("reading the bit timing")
        var timing = can_bittiming()
        try call("can_get_bittiming") { can_get_bittiming($0, &timing) }
        return CANBitTiming(
            bitRate: timing.bitrate, samplePointPermille: timing.sample_point, timeQuantumNanoseconds: timing.tq,
            propagationSegment: timing.prop_seg, phaseSegment1: timing.phase_seg1, phaseSegment2: timing.phase_seg2,
            synchronisationJumpWidth: timing.sjw, bitRatePrescaler: timing.brp)
    }

    /// Sets the nominal bit rate, optionally with a sample point in permille (875 = 87.5 %)
    /// (`can_set_bitrate`, `can_set_bitrate_samplepoint`). The interface must be down.
    public func setBitRate(_ bitsPerSecond: UInt32, samplePointPermille: UInt32? = nil) throws(CANTransportError) {
        try requireController("setting the bit rate")
        guard bitsPerSecond > 0 else { throw CANTransportError(.invalidArgument, "bit rate must be above 0") }
        if let samplePoint = samplePointPermille {
            guard (1..<1000).contains(samplePoint) else {
                throw CANTransportError(.invalidArgument, "sample point \(samplePoint) ‰ outside 1...999")
            }
            try call("can_set_bitrate_samplepoint") { can_set_bitrate_samplepoint($0, bitsPerSecond, samplePoint) }
        } else {
            try call("can_set_bitrate") { can_set_bitrate($0, bitsPerSecond) }
        }
    }

    /// Automatic restart delay after bus-off in milliseconds; 0 means manual ``restart()`` (`can_get_restart_ms`).
    public func restartDelayMilliseconds() throws(CANTransportError) -> UInt32 {
        try requireController("reading the restart delay")
        var value: UInt32 = 0
        try call("can_get_restart_ms") { can_get_restart_ms($0, &value) }
        return value
    }

    /// Sets the automatic restart delay after bus-off (`can_set_restart_ms`; 0 disables it).
    public func setRestartDelay(milliseconds: UInt32) throws(CANTransportError) {
        try requireController("setting the restart delay")
        try call("can_set_restart_ms") { can_set_restart_ms($0, milliseconds) }
    }

    /// Transmit and receive error counters (`can_get_berr_counter`; not every driver reports them).
    public func errorCounters() throws(CANTransportError) -> CANErrorCounters {
        try requireController("reading the error counters")
        var counters = can_berr_counter()
        try call("can_get_berr_counter") { can_get_berr_counter($0, &counters) }
        return CANErrorCounters(transmit: counters.txerr, receive: counters.rxerr)
    }

    /// Controller event counts since the driver loaded (`can_get_device_stats`).
    public func deviceStatistics() throws(CANTransportError) -> CANDeviceStatistics {
        try requireController("reading the device statistics")
        var stats = can_device_stats()
        try call("can_get_device_stats") { can_get_device_stats($0, &stats) }
        return CANDeviceStatistics(
            busErrors: stats.bus_error, errorWarnings: stats.error_warning, errorPassives: stats.error_passive,
            busOffs: stats.bus_off, arbitrationLosses: stats.arbitration_lost, restarts: stats.restarts)
    }

    /// Throws `.notSupported` unless the interface is a CAN interface with a controller.
    private func requireController(_ operation: String) throws(CANTransportError) {
        let info = try link()
        if info.isVirtualCAN, let kind = info.kind {
            throw CANTransportError(
                .notSupported,
                "\(operation) does not apply to \(interfaceName): it is a virtual CAN interface (\(kind)) without a CAN "
                    + "controller, so it has no bit timing, no error states, no bus-off and no error counters")
        }
        guard info.isCAN else {
            throw CANTransportError(
                .notSupported,
                "\(operation) does not apply to \(interfaceName): it is not a CAN interface (hardware type \(info.hardwareType))")
        }
    }

    /// Runs one libsocketcan call; -1 becomes a typed error naming the function and interface.
    private func call(_ function: String, _ body: (UnsafePointer<CChar>) -> CInt) throws(CANTransportError) {
        errno = 0
        let result = system_libsocketcan(interfaceName, function, body)
        let code = errno
        guard result != 0 else { return }
        let errnoCode = Errno(rawValue: code == 0 ? EIO : code)
        if errnoCode == .notPermitted || errnoCode == .permissionDenied {
            throw CANTransportError(
                .system(errno: errnoCode.rawValue), "\(function) on \(interfaceName) failed: \(errnoCode) (needs CAP_NET_ADMIN, e.g. run as root)")
        }
        throw CANTransportError(
            .system(errno: errnoCode.rawValue),
            "\(function) on \(interfaceName) failed: \(errnoCode) (errno \(errnoCode.rawValue)); the driver may not support it or the interface may need to be down/up first")
    }
}

/// A CAN controller's error state (`enum can_state` in `<linux/can/netlink.h>`).
public enum CANControllerState: Int, Hashable, Sendable, CaseIterable {
    /// Both error counters below 96: normal operation. `CAN_STATE_ERROR_ACTIVE`.
    case errorActive = 0
    /// An error counter at 96 or above. `CAN_STATE_ERROR_WARNING`.
    case errorWarning = 1
    /// An error counter at 128 or above: the node sends passive error flags. `CAN_STATE_ERROR_PASSIVE`.
    case errorPassive = 2
    /// Transmit error counter at 256: the node has left the bus. `CAN_STATE_BUS_OFF`.
    case busOff = 3
    /// The interface is down. `CAN_STATE_STOPPED`.
    case stopped = 4
    /// The controller sleeps. `CAN_STATE_SLEEPING`.
    case sleeping = 5
}

/// Nominal bit timing as the kernel reports it (`struct can_bittiming`).
public struct CANBitTiming: Hashable, Sendable {
    /// Bits per second.
    public var bitRate: UInt32
    /// Sample point in permille (875 = 87.5 %).
    public var samplePointPermille: UInt32
    /// Time quantum in nanoseconds.
    public var timeQuantumNanoseconds: UInt32
    /// Propagation segment in time quanta.
    public var propagationSegment: UInt32
    /// Phase buffer segment 1 in time quanta.
    public var phaseSegment1: UInt32
    /// Phase buffer segment 2 in time quanta.
    public var phaseSegment2: UInt32
    /// Synchronisation jump width in time quanta.
    public var synchronisationJumpWidth: UInt32
    /// Bit-rate prescaler.
    public var bitRatePrescaler: UInt32
}

/// Transmit and receive error counters of a controller.
public struct CANErrorCounters: Hashable, Sendable {
    /// Transmit error counter (TEC).
    public var transmit: UInt16
    /// Receive error counter (REC).
    public var receive: UInt16
}

/// Controller event counts (`struct can_device_stats`).
public struct CANDeviceStatistics: Hashable, Sendable {
    public var busErrors: UInt32
    public var errorWarnings: UInt32
    public var errorPassives: UInt32
    public var busOffs: UInt32
    public var arbitrationLosses: UInt32
    public var restarts: UInt32
}
#endif
