import CANCore

extension CANDatabase {
    /// Checks the database for problems a parser accepts but a bus cannot live with: duplicate
    /// identifiers or names, lengths CAN cannot carry, signals beyond the length or overlapping other
    /// signals that can be present at the same time, multiplexed signals without a multiplexer,
    /// multiplexer loops, float signals of the wrong length, zero factors, ranges the raw bits cannot
    /// reach, senders/receivers not declared in `BU_`, unusable E2E signals, and messages without a
    /// cycle time or event send type.
    ///
    /// Issues are listed in file order (messages, then their signals).
    public func consistencyIssues() -> [DBCIssue] {
        var issues: [DBCIssue] = []
        let nodeNames = Set(nodes.map(\.name))
        var firstByIdentifier: [UInt32: String] = [:]
        var firstByName: [String: Int] = [:]

        for message in messages {
            let name = message.name
            if let other = firstByIdentifier[message.id.socketCANValue] {
                issues.append(.init(.error, .duplicateIdentifier, message: name, line: message.line,
                                    reason: "identifier \(message.id) is also used by \(other)"))
            } else {
                firstByIdentifier[message.id.socketCANValue] = name
            }
            if let line = firstByName[name] {
                issues.append(.init(.error, .duplicateMessageName, message: name, line: message.line,
                                    reason: "message name already used on line \(line)"))
            } else {
                firstByName[name] = message.line
            }
            if !message.isFD && message.length > 8 {
                issues.append(.init(.error, .invalidLength, message: name, line: message.line,
                                    reason: "classic CAN carries at most 8 bytes, the message declares \(message.length) (set VFrameFormat to a CAN FD format?)"))
            } else if message.isFD && message.frameLength != message.length {
                issues.append(.init(.warning, .invalidLength, message: name, line: message.line,
                                    reason: "\(message.length) bytes is not a CAN FD length; frames are padded to \(message.frameLength)"))
            }
            switch message.timing {
            case .cyclic: break
            case .eventDriven(let interval):
                if interval == nil {
                    issues.append(.init(.warning, .missingTiming, message: name, line: message.line,
                                        reason: "event-driven message without GenMsgDelayTime: its bus load cannot be budgeted"))
                }
            case .unspecified:
                issues.append(.init(.warning, .missingTiming, message: name, line: message.line,
                                    reason: "no GenMsgCycleTime and not marked event driven (GenMsgSendType)"))
            }
            if !nodeNames.isEmpty {
                for sender in message.senders where !nodeNames.contains(sender) {
                    issues.append(.init(.warning, .unknownNode, message: name, line: message.line,
                                        reason: "sender \(sender) is not declared in BU_"))
                }
            }
            issues += signalIssues(message, nodeNames: nodeNames)
            issues += e2eIssues(message)
        }
        return issues
    }

    /// Above this many signals in one message the pairwise overlap check is skipped (with a warning),
    /// so a hostile file cannot make the check run for hours.
    static let overlapCheckSignalLimit = 4096

    private func signalIssues(_ message: DBCMessage, nodeNames: Set<String>) -> [DBCIssue] {
        var issues: [DBCIssue] = []
        let name = message.name
        let count = message.signals.count
        let multiplexerOf = message.multiplexerIndices()
        var seen: Set<String> = []
        var occupancy: [[UInt64]] = []
        occupancy.reserveCapacity(count)
        for (index, signal) in message.signals.enumerated() {
            func issue(_ severity: DBCIssue.Severity, _ kind: DBCIssue.Kind, _ reason: String) {
                issues.append(.init(severity, kind, message: name, signal: signal.name, line: signal.line, reason: reason))
            }
            if !seen.insert(signal.name).inserted { issue(.error, .duplicateSignalName, "signal name used twice") }
            let layout = SignalLayout(startBit: signal.startBit, length: signal.length, byteOrder: signal.byteOrder)
            if layout.lastByte >= message.length {
                issue(.error, .signalOutsidePayload, "reaches byte \(layout.lastByte) of a \(message.length)-byte message")
            }
            occupancy.append(layout.occupancy())
            switch signal.valueType {
            case .float32 where signal.length != 32: issue(.error, .invalidFloatLength, "float signal must be 32 bits")
            case .float64 where signal.length != 64: issue(.error, .invalidFloatLength, "double signal must be 64 bits")
            default: break
            }
            if signal.factor == 0 { issue(.error, .zeroFactor, "factor 0 maps every raw value to the offset") }
            if signal.multiplexerIndicator != nil && !signal.isMultiplexer && signal.multiplexCondition == nil {
                issue(.error, .multiplexedWithoutMultiplexer,
                      "marked \(signal.multiplexerIndicator ?? "") but the message has no single M multiplexer and no SG_MUL_VAL_ for it")
            }
            if let condition = signal.multiplexCondition,
                !(multiplexerOf[index].map { message.signals[$0].isMultiplexer } ?? false)
            {
                issue(.error, .multiplexedWithoutMultiplexer, "multiplexer \(condition.multiplexerName) is not a multiplexer signal")
            }
            if let range = rawPhysicalRange(signal), signal.hasPhysicalRange, signal.factor != 0,
                signal.minimum < range.lowerBound - abs(signal.factor) * 1e-6
                    || signal.maximum > range.upperBound + abs(signal.factor) * 1e-6
            {
                issue(.warning, .rangeNotRepresentable,
                      "[\(signal.minimum)|\(signal.maximum)] exceeds what \(signal.length) raw bits can carry ([\(range.lowerBound)|\(range.upperBound)])")
            }
            if !nodeNames.isEmpty {
                for receiver in signal.receivers where !nodeNames.contains(receiver) {
                    issue(.warning, .unknownNode, "receiver \(receiver) is not declared in BU_")
                }
            }
        }

        // Multiplexer loops and depths: one pass, each signal visited once.
        var depth = [Int](repeating: 0, count: count)
        var state = [UInt8](repeating: 0, count: count)  // 0 unvisited, 1 on the path, 2 fine, 3 in or into a loop
        for start in 0..<count where state[start] == 0 {
            var path: [Int] = []
            var current: Int? = start
            while let node = current, state[node] == 0 {
                state[node] = 1
                path.append(node)
                current = multiplexerOf[node]
            }
            let looping = current.map { state[$0] == 1 || state[$0] == 3 } ?? false
            var below = current.map { depth[$0] + 1 } ?? 0
            for node in path.reversed() {
                state[node] = looping ? 3 : 2
                depth[node] = below
                below += 1
            }
        }
        for index in 0..<count where state[index] == 3 {
            let signal = message.signals[index]
            issues.append(.init(.error, .multiplexerCycle, message: name, signal: signal.name, line: signal.line,
                                reason: "multiplexers select each other in a loop"))
        }
        let tooDeep = (0..<count).filter { state[$0] == 2 && depth[$0] > MessageCodec.maximumMultiplexerDepth }
        if let first = tooDeep.first {
            let signal = message.signals[first]
            issues.append(.init(.error, .multiplexerTooDeep, message: name, signal: signal.name, line: signal.line,
                                reason: "\(tooDeep.count) signal(s) nested under more than \(MessageCodec.maximumMultiplexerDepth) multiplexers"))
        }

        // Overlaps between signals that can be present in the same frame.
        guard count <= Self.overlapCheckSignalLimit else {
            issues.append(.init(.warning, .overlappingSignals, message: name, line: message.line,
                                reason: "\(count) signals: overlap check skipped above \(Self.overlapCheckSignalLimit)"))
            return issues
        }
        var budget = 50_000_000
        for second in 0..<count where state[second] == 2 {
            for first in 0..<second where state[first] == 2 {
                guard zip(occupancy[first], occupancy[second]).contains(where: { $0 & $1 != 0 }) else { continue }
                guard !exclusive(message, first, second, multiplexerOf, depth, &budget) else { continue }
                let signal = message.signals[second]
                issues.append(.init(.error, .overlappingSignals, message: name, signal: signal.name, line: signal.line,
                                    reason: "shares bits with \(message.signals[first].name)"))
            }
            if budget <= 0 {
                issues.append(.init(.warning, .overlappingSignals, message: name, line: message.line,
                                    reason: "multiplexer tree too deep: overlap check stopped early"))
                break
            }
        }
        return issues
    }

    /// `true` when the two signals can never be present together: where their paths up the
    /// multiplexer tree meet, they hang on disjoint multiplexer values.
    private func exclusive(
        _ message: DBCMessage, _ first: Int, _ second: Int, _ multiplexerOf: [Int?], _ depth: [Int], _ budget: inout Int
    ) -> Bool {
        var x = first
        var y = second
        var valuesX: [ClosedRange<Int64>]?
        var valuesY: [ClosedRange<Int64>]?
        func up(_ node: inout Int, _ values: inout [ClosedRange<Int64>]?) -> Bool {
            guard let parent = multiplexerOf[node] else { return false }
            values = message.signals[node].multiplexCondition?.values
            node = parent
            budget -= 1
            return true
        }
        while depth[x] > depth[y] { guard up(&x, &valuesX) else { return false } }
        while depth[y] > depth[x] { guard up(&y, &valuesY) else { return false } }
        while x != y {
            guard budget > 0, up(&x, &valuesX), up(&y, &valuesY) else { return false }
        }
        guard let valuesX, let valuesY else { return false }
        return !valuesX.contains { a in valuesY.contains { b in a.overlaps(b) } }
    }

    /// The physical values the raw bits of an integer signal can express, or `nil` for float signals.
    private func rawPhysicalRange(_ signal: DBCSignal) -> ClosedRange<Double>? {
        guard signal.valueType == .integer else { return nil }
        let rawLow = signal.isSigned ? -Double(sign: .plus, exponent: signal.length - 1, significand: 1) : 0
        let rawHigh = signal.isSigned
            ? Double(sign: .plus, exponent: signal.length - 1, significand: 1) - 1
            : Double(sign: .plus, exponent: signal.length, significand: 1) - 1
        let a = rawLow * signal.factor + signal.offset
        let b = rawHigh * signal.factor + signal.offset
        return min(a, b)...max(a, b)
    }

    private func e2eIssues(_ message: DBCMessage) -> [DBCIssue] {
        guard message.signals.contains(where: { $0.e2eRole != nil }) else { return [] }
        do {
            let codec = try MessageCodec(message)
            _ = try E2EProfile(codec: codec)
            return []
        } catch let error as E2EProfile.ConfigurationError {
            return [.init(.error, .invalidE2E, message: message.name, line: message.line, reason: error.description)]
        } catch {
            // Layout errors are reported by the signal checks.
            return []
        }
    }
}
