#if os(Linux)
import CANCore
internal import CSocketCAN
import Glibc

/// What the kernel attached to a received message: its receive timestamp (`SCM_TIMESTAMPNS`) and the
/// socket's cumulative drop counter (`SO_RXQ_OVFL`). Parsing checks every length before reading.
struct ControlMessages {
    var timestamp: CANTimestamp?
    var dropCount: UInt32?

    init(parsing message: inout msghdr) {
        guard message.msg_control != nil, message.msg_controllen > 0 else { return }
        let timestampType = CSocketCAN_SCM_TIMESTAMPNS()
        let dropType = CSocketCAN_SO_RXQ_OVFL()
        var header = CSocketCAN_CMSG_FIRSTHDR(&message)
        while let current = header {
            let length = Int(current.pointee.cmsg_len)
            let data = UnsafeRawPointer(CSocketCAN_CMSG_DATA(current))
            if current.pointee.cmsg_level == SOL_SOCKET {
                if current.pointee.cmsg_type == timestampType, length >= CSocketCAN_CMSG_LEN(MemoryLayout<timespec>.size) {
                    let time = data.loadUnaligned(as: timespec.self)
                    if time.tv_sec >= 0, time.tv_nsec >= 0, time.tv_nsec < 1_000_000_000 {
                        timestamp = CANTimestamp(seconds: UInt64(time.tv_sec), nanoseconds: UInt32(time.tv_nsec))
                    }
                } else if current.pointee.cmsg_type == dropType, length >= CSocketCAN_CMSG_LEN(MemoryLayout<UInt32>.size) {
                    dropCount = data.loadUnaligned(as: UInt32.self)
                }
            }
            header = CSocketCAN_CMSG_NXTHDR(&message, current)
        }
    }
}
#endif
