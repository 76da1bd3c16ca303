import CANCore

/// A fixed-capacity FIFO of received frames; when full, new frames are dropped and counted, the way a
/// socket receive queue behaves.
///
/// Backed by one preallocated buffer of trivial values (frames hold no references), so pushing and
/// popping costs a copy and an index update: no reference counting, no copy-on-write checks.
final class FrameRing {
    struct Entry {
        var frame: CANFrame
        var timestampNanoseconds: Int64
        var isOwnEcho: Bool
    }

    private let buffer: UnsafeMutablePointer<Entry>
    let capacity: Int
    private var head = 0
    private(set) var count = 0
    /// Frames refused because the ring was full, not yet reported to the reader.
    private(set) var unreportedDrops: UInt64 = 0
    /// All frames refused since creation.
    private(set) var totalDrops: UInt64 = 0

    init(capacity: Int, placeholder: CANFrame) {
        self.capacity = max(capacity, 1)
        buffer = .allocate(capacity: self.capacity)
        buffer.initialize(repeating: Entry(frame: placeholder, timestampNanoseconds: 0, isOwnEcho: false), count: self.capacity)
    }

    deinit {
        buffer.deinitialize(count: capacity)
        buffer.deallocate()
    }

    /// Appends an entry; returns `false` (and counts a drop) when full.
    @inline(__always)
    func push(_ frame: CANFrame, timestampNanoseconds: Int64, isOwnEcho: Bool) -> Bool {
        guard count < capacity else {
            unreportedDrops &+= 1
            totalDrops &+= 1
            return false
        }
        var index = head &+ count
        if index >= capacity { index &-= capacity }
        buffer[index] = Entry(frame: frame, timestampNanoseconds: timestampNanoseconds, isOwnEcho: isOwnEcho)
        count &+= 1
        return true
    }

    @inline(__always)
    func pop() -> Entry? {
        guard count > 0 else { return nil }
        let entry = buffer[head]
        head &+= 1
        if head == capacity { head = 0 }
        count &-= 1
        return entry
    }

    /// Returns and clears the drop count since the last call.
    func takeDrops() -> UInt64 {
        defer { unreportedDrops = 0 }
        return unreportedDrops
    }
}
