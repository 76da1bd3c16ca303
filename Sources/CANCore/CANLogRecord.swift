/// Direction marker of a logged frame (`candump -x` and python-can write a trailing ` R` or ` T`).
public enum CANLogDirection: String, Hashable, Sendable {
    /// Received from the bus.
    case receive = "R"
    /// Transmitted by the logging socket.
    case transmit = "T"
}

/// One line of a candump `-L` log: `(1699999999.123456) vcan0 123#DEADBEEF`.
public struct CANLogRecord: Hashable, Sendable, CustomStringConvertible {
    /// When the frame was received (kernel timestamp) or is due (replay).
    public var timestamp: CANTimestamp
    /// Interface name as logged, e.g. `vcan0`; at most 15 bytes without spaces.
    public var interface: String
    /// The frame.
    public var frame: CANFrame
    /// Optional direction marker.
    public var direction: CANLogDirection?

    /// Creates a record. `interface` is not checked here; ``CandumpLog`` validates names it reads.
    public init(timestamp: CANTimestamp, interface: String, frame: CANFrame, direction: CANLogDirection? = nil) {
        self.timestamp = timestamp
        self.interface = interface
        self.frame = frame
        self.direction = direction
    }

    /// The record as one candump `-L` line, without the line break.
    public var description: String {
        var line = "(" + timestamp.description + ") " + interface + " " + frame.candumpText
        if let direction { line += " " + direction.rawValue }
        return line
    }
}
