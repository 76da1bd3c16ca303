extension DBCParser {
    /// The `VFrameFormat` choices Vector uses when the attribute is declared as INT (index = value).
    static let standardFrameFormats = [
        "StandardCAN", "ExtendedCAN", "reserved", "J1939PG", "reserved", "reserved", "reserved", "reserved",
        "reserved", "reserved", "reserved", "reserved", "reserved", "reserved", "StandardCAN_FD", "ExtendedCAN_FD",
    ]

    /// Attaches collected statements to their messages, signals and nodes and derives the properties
    /// cantools derives (cycle time, send type, CAN FD, multiplexing).
    mutating func assemble() -> CANDatabase {
        let input = collected
        var definitions = input.definitions
        for entry in input.defaults {
            if let index = definitions.lastIndex(where: { $0.name == entry.value.name }) {
                definitions[index].defaultValue = entry.value.value
            } else {
                warn("BA_DEF_DEF_ for undefined attribute \"\(entry.value.name)\" ignored", at: entry.token)
            }
        }
        var messages = input.messages

        func messageIndex(_ id: UInt32, _ token: DBCToken, _ what: String) -> Int? {
            if let index = input.messageIndex[id] { return index }
            warn("\(what) for unknown message \(id) ignored", at: token)
            return nil
        }
        // Signal name → index per message, built on first use (first declaration wins, as in lookups).
        var signalIndices: [Int: [String: Int]] = [:]
        func signalIndex(_ id: UInt32, _ name: String, _ token: DBCToken, _ what: String) -> (Int, Int)? {
            guard let message = messageIndex(id, token, what) else { return nil }
            if signalIndices[message] == nil {
                var byName: [String: Int] = [:]
                for (index, signal) in messages[message].signals.enumerated() where byName[signal.name] == nil {
                    byName[signal.name] = index
                }
                signalIndices[message] = byName
            }
            if let signal = signalIndices[message]?[name] { return (message, signal) }
            warn("\(what) for unknown signal \(name) of message \(messages[message].name) ignored", at: token)
            return nil
        }

        for entry in input.extraSenders {
            guard let index = messageIndex(entry.value.id, entry.token, "BO_TX_BU_") else { continue }
            for node in entry.value.nodes where !messages[index].senders.contains(node) && node != "Vector__XXX" {
                messages[index].senders.append(node)
            }
        }
        for entry in input.messageComments {
            guard let index = messageIndex(entry.value.id, entry.token, "CM_ BO_") else { continue }
            messages[index].comment = entry.value.text
        }
        for entry in input.signalComments {
            guard let (message, signal) = signalIndex(entry.value.id, entry.value.signal, entry.token, "CM_ SG_") else { continue }
            messages[message].signals[signal].comment = entry.value.text
        }
        for entry in input.messageAttributes {
            guard let index = messageIndex(entry.value.id, entry.token, "BA_ BO_") else { continue }
            messages[index].attributes.append(entry.value.assignment)
        }
        for entry in input.signalAttributes {
            guard let (message, signal) = signalIndex(entry.value.id, entry.value.signal, entry.token, "BA_ SG_") else { continue }
            messages[message].signals[signal].attributes.append(entry.value.assignment)
        }
        for entry in input.valueDescriptions {
            guard let (message, signal) = signalIndex(entry.value.id, entry.value.signal, entry.token, "VAL_") else { continue }
            messages[message].signals[signal].valueTable = DBCValueTable(name: entry.value.signal, entries: entry.value.entries)
        }
        for entry in input.signalValueTypes {
            guard let (message, signal) = signalIndex(entry.value.id, entry.value.signal, entry.token, "SIG_VALTYPE_") else { continue }
            messages[message].signals[signal].valueType = switch entry.value.type {
            case 1: .float32
            case 2: .float64
            default: .integer
            }
        }
        var multiplexerValues: [Int: [(signal: String, multiplexer: String, ranges: [ClosedRange<Int64>])]] = [:]
        for entry in input.multiplexerValues {
            guard let (message, _) = signalIndex(entry.value.id, entry.value.signal, entry.token, "SG_MUL_VAL_") else { continue }
            multiplexerValues[message, default: []].append((entry.value.signal, entry.value.multiplexer, entry.value.ranges))
        }

        func definition(_ name: String) -> DBCAttributeDefinition? { definitions.last { $0.name == name } }
        func resolved(_ name: String, _ attributes: [DBCAttributeAssignment]) -> DBCAttributeValue? {
            attributes.value(named: name) ?? definition(name)?.defaultValue
        }
        func enumerationName(_ name: String, _ attributes: [DBCAttributeAssignment]) -> String? {
            guard let value = resolved(name, attributes) else { return nil }
            if let definition = definition(name), let choice = definition.enumerationChoice(value) { return choice }
            if case .string(let text) = value { return text }
            return nil
        }
        func positiveMilliseconds(_ name: String, _ attributes: [DBCAttributeAssignment]) -> Int? {
            guard definition(name) != nil, let value = resolved(name, attributes)?.integer, value > 0 else { return nil }
            return Int(clamping: value)
        }

        for index in messages.indices {
            let attributes = messages[index].attributes
            messages[index].cycleTimeMilliseconds = positiveMilliseconds("GenMsgCycleTime", attributes)
            messages[index].delayTimeMilliseconds = positiveMilliseconds("GenMsgDelayTime", attributes)
            messages[index].sendType = definition("GenMsgSendType") == nil ? nil : enumerationName("GenMsgSendType", attributes)
            if let formatDefinition = definition("VFrameFormat"), let value = resolved("VFrameFormat", attributes) {
                let format: String?
                if case .enumeration = formatDefinition.valueType {
                    format = formatDefinition.enumerationChoice(value)
                } else if let number = value.integer, number >= 0, number < Int64(DBCParser.standardFrameFormats.count) {
                    format = DBCParser.standardFrameFormats[Int(number)]
                } else {
                    format = nil
                }
                messages[index].isFD = format?.hasSuffix("CAN_FD") ?? false
            }
            if let value = resolved("CANFD_BRS", attributes) {
                let name = definition("CANFD_BRS")?.enumerationChoice(value)
                messages[index].usesBitRateSwitch = name.map { $0 == "1" } ?? (value.integer.map { $0 != 0 } ?? true)
            }
            for signal in messages[index].signals.indices {
                let signalAttributes = messages[index].signals[signal].attributes
                switch enumerationName("SigType", signalAttributes) {
                case "MessageCounter": messages[index].signals[signal].e2eRole = .counter
                case "MessageChecksum": messages[index].signals[signal].e2eRole = .checksum
                default: break
                }
                if signalAttributes.value(named: "GenSigStartValue") != nil {
                    messages[index].signals[signal].initialRawValue = resolved("GenSigStartValue", signalAttributes)?.integer
                }
            }
            resolveMultiplexing(&messages[index], extended: multiplexerValues[index] ?? [])
        }

        var nodes = input.nodes.map { DBCNode(name: $0) }
        var nodeIndex: [String: Int] = [:]
        for (index, node) in nodes.enumerated() where nodeIndex[node.name] == nil { nodeIndex[node.name] = index }
        for entry in input.nodeComments {
            if let index = nodeIndex[entry.value.node] {
                nodes[index].comment = entry.value.text
            } else {
                warn("CM_ BU_ for unknown node \(entry.value.node) ignored", at: entry.token)
            }
        }
        for entry in input.nodeAttributes {
            if let index = nodeIndex[entry.value.node] {
                nodes[index].attributes.append(entry.value.assignment)
            } else {
                warn("BA_ BU_ for unknown node \(entry.value.node) ignored", at: entry.token)
            }
        }
        return CANDatabase(
            version: input.version, nodes: nodes, messages: messages, valueTables: input.valueTables,
            attributeDefinitions: definitions, attributes: input.networkAttributes, comment: input.networkComment,
            warnings: warnings)
    }

    /// Resolves which multiplexer each `m<n>` signal belongs to, following cantools: with exactly one
    /// multiplexer signal, every signal with an indicator belongs to it (value `n` plus any
    /// `SG_MUL_VAL_` ranges); with none or several, `SG_MUL_VAL_` alone decides.
    func resolveMultiplexing(
        _ message: inout DBCMessage, extended: [(signal: String, multiplexer: String, ranges: [ClosedRange<Int64>])]
    ) {
        let multiplexers = message.signals.indices.filter { message.signals[$0].isMultiplexer }
        let multiplexerNames = Set(multiplexers.map { message.signals[$0].name })
        // SG_MUL_VAL_ entries grouped by signal, in file order.
        var entriesBySignal: [String: [(multiplexer: String, ranges: [ClosedRange<Int64>])]] = [:]
        for entry in extended { entriesBySignal[entry.signal, default: []].append((entry.multiplexer, entry.ranges)) }
        for index in message.signals.indices where message.signals[index].multiplexerIndicator != nil {
            let signal = message.signals[index]
            let entries = entriesBySignal[signal.name] ?? []
            if multiplexers.count == 1 {
                let multiplexer = message.signals[multiplexers[0]].name
                guard signal.name != multiplexer else { continue }
                var ranges: [ClosedRange<Int64>] = []
                if !signal.isMultiplexer, let value = signal.indicatorMultiplexValue { ranges.append(value...value) }
                for entry in entries where entry.multiplexer == multiplexer { ranges += entry.ranges }
                if !ranges.isEmpty {
                    message.signals[index].multiplexCondition = .init(multiplexerName: multiplexer, values: ranges)
                }
            } else if let last = entries.last, multiplexerNames.contains(last.multiplexer) {
                let ranges = entries.filter { $0.multiplexer == last.multiplexer }.flatMap(\.ranges)
                message.signals[index].multiplexCondition = .init(multiplexerName: last.multiplexer, values: ranges)
            }
        }
    }
}
