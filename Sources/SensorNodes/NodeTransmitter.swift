import CANCore
import CANDatabase
import SeededRandom

/// The transmit path of one node with its bus faults: silence, bus-off, delay, babbling, wrong DLC and
/// corrupted E2E. Nodes hand every frame they build to ``send(_:checksumByte:at:into:)``.
struct NodeTransmitter: Sendable {
    /// Frames held back by a delay fault, in due order.
    private var delayed: [(due: Int64, frame: CANFrame)] = []
    private(set) var faults: [BusFault] = []
    private var babbleNextNanoseconds: Int64?
    private var random: Xoshiro256
    /// Frames the node built but did not send (silent, bus-off).
    private(set) var suppressedFrames = 0
    /// Babbling frames sent.
    private(set) var babbledFrames = 0

    /// Upper bound of babbling frames emitted in one step, so a huge rate on a coarse step stays bounded
    /// (a 500 kbit/s bus carries at most ~4,000 frames per second of 8 bytes anyway).
    static let maximumBabblePerStep = 4_096

    init(random: Xoshiro256) {
        self.random = random
    }

    var isBusOff: Bool { faults.contains(.busOff) }
    private var isSilent: Bool { faults.contains(.silent) || faults.contains(.busOff) }

    var corruptsCounter: Bool { faults.contains(.badCounter) }

    mutating func add(_ fault: BusFault) {
        guard !faults.contains(fault) else { return }
        faults.append(fault)
        if case .babble = fault { babbleNextNanoseconds = nil }
    }

    @discardableResult
    mutating func remove(_ fault: BusFault) -> Bool {
        let before = faults.count
        faults.removeAll { $0 == fault }
        if fault == .busOff || fault == .silent { delayed.removeAll() }
        return faults.count != before
    }

    mutating func removeAll() {
        faults.removeAll()
    }

    private var delayNanoseconds: Int64 {
        var total = 0.0
        for case .delay(let milliseconds) in faults { total += milliseconds }
        return Int64((total * 1e6).rounded())
    }

    /// Earliest time something is due here (a delayed frame or a babbling frame).
    var nextDueNanoseconds: Int64 {
        var due = delayed.first?.due ?? .max
        guard !isBusOff, faults.contains(where: { if case .babble = $0 { true } else { false } }) else { return due }
        // A babble fault not yet started is due at once.
        due = min(due, babbleNextNanoseconds ?? .min)
        return due
    }

    /// Applies the frame-level faults to a frame built at `now` and emits it (or holds it back).
    /// `checksumByte` is the payload byte of the frame's E2E CRC, if it has one.
    mutating func send(_ frame: CANFrame, checksumByte: Int?, at now: Int64, into output: inout [CANFrame]) {
        guard !isSilent else {
            suppressedFrames += 1
            return
        }
        var frame = frame
        if let checksumByte, faults.contains(.badCRC) {
            frame = Self.invertingChecksum(frame, checksumByte: checksumByte)
        }
        for case .wrongLength(let bytes) in faults { frame = Self.resized(frame, to: bytes) }
        let delay = delayNanoseconds
        if delay > 0 {
            let due = now + delay
            let position = delayed.firstIndex { $0.due > due } ?? delayed.count
            delayed.insert((due, frame), at: position)
        } else {
            output.append(frame)
        }
    }

    /// Seals `message` (counter frozen under a bad-counter fault) and sends it; `false` if the message
    /// could not be encoded.
    mutating func transmit(_ message: inout OutgoingMessage, at now: Int64, into output: inout [CANFrame]) -> Bool {
        guard let frame = message.seal(freezeCounter: corruptsCounter) else { return false }
        send(frame, checksumByte: message.sender?.profile.checksumByte, at: now, into: &output)
        return true
    }

    /// Releases delayed frames that are due and emits babbling frames.
    mutating func flush(at now: Int64, into output: inout [CANFrame]) {
        if !delayed.isEmpty {
            var released = 0
            while released < delayed.count, delayed[released].due <= now {
                if !isSilent { output.append(delayed[released].frame) }
                released += 1
            }
            if released > 0 { delayed.removeFirst(released) }
        }
        guard !isBusOff else {
            babbleNextNanoseconds = nil
            return
        }
        for case .babble(let identifier, let rate) in faults {
            let interval = max(Int64((1e9 / rate).rounded()), 1)
            var next = babbleNextNanoseconds ?? now
            var count = 0
            while next <= now, count < Self.maximumBabblePerStep {
                var payload = CANPayload()
                let word = random.next()
                for byte in 0..<8 { payload.set(UInt8(truncatingIfNeeded: word >> (8 * UInt64(byte))), at: byte) }
                if let frame = try? CANFrame(id: identifier, payload: payload) { output.append(frame) }
                next += interval
                count += 1
            }
            if next <= now { next = now + interval }  // cap reached: skip what a real bus could not carry
            babbleNextNanoseconds = next
            babbledFrames += count
            return
        }
        babbleNextNanoseconds = nil
    }

    static func invertingChecksum(_ frame: CANFrame, checksumByte byte: Int) -> CANFrame {
        guard let value = frame.data.byte(at: byte) else { return frame }
        var payload = frame.data
        payload.set(value ^ 0xFF, at: byte)
        return (try? CANFrame(id: frame.id, payload: payload)) ?? frame
    }

    static func resized(_ frame: CANFrame, to bytes: Int) -> CANFrame {
        var payload = CANPayload()
        for index in 0..<min(bytes, 8) { payload.set(frame.data.byte(at: index) ?? 0, at: index) }
        return (try? CANFrame(id: frame.id, payload: payload)) ?? frame
    }
}
