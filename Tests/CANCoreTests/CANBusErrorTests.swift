import CANCore
import Testing

@Suite("CANBusError")
struct CANBusErrorTests {
    @Test func busOffIsRecognised() throws {
        let error = try #require(CANBusError(frame: CANFrame(errorClass: 0x40, data: [UInt8](repeating: 0, count: 8))))
        #expect(error.isBusOff)
        #expect(error.conditions == [.busOff])
    }

    @Test func controllerDetailsMapToTypedConditions() throws {
        // CAN_ERR_CRTL | CAN_ERR_CNT; data[1] = TX_PASSIVE | RX_WARNING | RX_OVERFLOW; counters 130/100.
        let frame = try CANFrame(errorClass: 0x204, data: [0, 0x20 | 0x04 | 0x01, 0, 0, 0, 0, 130, 100])
        let error = try #require(CANBusError(frame: frame))
        #expect(error.conditions == [
            .errorPassive(transmit: true, receive: false),
            .errorWarning(transmit: false, receive: true),
            .receiveOverflow,
        ])
        #expect(error.transmitErrorCount == 130)
        #expect(error.receiveErrorCount == 100)
    }

    @Test func ackAndProtocolViolations() throws {
        let frame = try CANFrame(errorClass: 0x28, data: [0, 0, 0x04, 0x19, 0, 0, 0, 0])
        let error = try #require(CANBusError(frame: frame))
        #expect(error.conditions == [.noAcknowledgement, .protocolViolation(type: 0x04, location: 0x19)])
    }

    @Test func shortErrorFramesDoNotTrapAndUnknownBitsAreKept() throws {
        let frame = try CANFrame(errorClass: 0x1000_0004, data: [0])
        let error = try #require(CANBusError(frame: frame))
        #expect(error.unknownClassBits == 0x1000_0000)
        #expect(error.conditions.isEmpty)
    }

    @Test func dataFramesAreNotErrors() throws {
        #expect(CANBusError(frame: try CANFrame(id: CANID(standard: 1), data: [1])) == nil)
    }
}
