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

    /// Position and counters, kept behind a pointer like the entries: a class's stored `var`s cost a
    /// dynamic exclusivity check on every access, several per frame and receiver.
    struct State {
        var head = 0
        var count = 0
        var unreportedDrops: UInt64 = 0
        var totalDrops: UInt64 = 0
    }

    private let buffer: UnsafeMutablePointer<Entry>
    private let state: UnsafeMutablePointer<State>
    let capacity: Int
    var count: Int { state.pointee.count }
    /// Frames refused because the ring was full, not yet reported to the reader.
    var unreportedDrops: UInt64 { state.pointee.unreportedDrops }
    /// All frames refused since creation.
    var totalDrops: UInt64 { state.pointee.totalDrops }

    init(capacity: Int, placeholder: CANFrame) {
        self.capacity = max(capacity, 1)
        buffer = .allocate(capacity: self.capacity)
        buffer.initialize(repeating: Entry(frame: placeholder, timestampNanoseconds: 0, isOwnEcho: false), count: self.capacity)
        state = .allocate(capacity: 1)
        state.initialize(to: State())
    }

    deinit {
        buffer.deinitialize(count: capacity)
        buffer.deallocate()
        state.deinitialize(count: 1)
        state.deallocate()
    }

    /// Appends an entry; returns `false` (and counts a drop) when full.
    @inline(__always)
    func push(_ frame: CANFrame, timestampNanoseconds: Int64, isOwnEcho: Bool) -> Bool {
        guard state.pointee.count < capacity else {
            state.pointee.unreportedDrops &+= 1
            state.pointee.totalDrops &+= 1
            return false
        }
        var index = state.pointee.head &+ state.pointee.count
        if index >= capacity { index &-= capacity }
        buffer[index] = Entry(frame: frame, timestampNanoseconds: timestampNanoseconds, isOwnEcho: isOwnEcho)
        state.pointee.count &+= 1
        return true
    }

    @inline(__always)
    func pop() -> Entry? {
        guard state.pointee.count > 0 else { return nil }
        let entry = buffer[state.pointee.head]
        state.pointee.head &+= 1
        if state.pointee.head == capacity { state.pointee.head = 0 }
        state.pointee.count &-= 1
        return entry
    }

    /// Returns and clears the drop count since the last call.
    func takeDrops() -> UInt64 {
        defer { state.pointee.unreportedDrops = 0 }
        return state.pointee.unreportedDrops
    }
}
