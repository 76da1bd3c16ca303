public import CANCore

/// A CAN database read from a DBC file: nodes, messages with their signals, value tables, attributes.
///
/// Parse it from the file's bytes (the shell reads the file), then compile the messages you use into
/// codecs once and keep them:
///
/// ```swift
/// let database = try CANDatabase.parse(bytes)              // throws DBCParseError(line, column, reason)
/// let cells = try database.codec(forMessageNamed: "CMU1_CellVoltages")
/// ```
///
/// The parser reads `VERSION`, `BU_`, `BO_`, `SG_` (Intel/Motorola, signed, factor/offset/range/unit,
/// receivers, `M`/`m<n>`/`m<n>M` multiplexing), `BO_TX_BU_`, `CM_`, `BA_DEF_`/`BA_DEF_DEF_`/`BA_`,
/// `VAL_`, `VAL_TABLE_`, `SIG_VALTYPE_` and `SG_MUL_VAL_`. Other sections (`EV_`, `SIG_GROUP_`,
/// relation attributes, ...) and unknown keywords are skipped and listed in ``warnings``.
/// String bytes that are not UTF-8 are read as Windows-1252, so vendor files with a raw 0xB0 "°" load.
public struct CANDatabase: Hashable, Sendable {
    /// `VERSION` string ("" if absent).
    public var version: String
    /// Nodes from `BU_`, in file order.
    public var nodes: [DBCNode]
    /// Messages in file order.
    public var messages: [DBCMessage]
    /// Named tables from `VAL_TABLE_`.
    public var valueTables: [DBCValueTable]
    /// `BA_DEF_` definitions with their `BA_DEF_DEF_` defaults.
    public var attributeDefinitions: [DBCAttributeDefinition]
    /// Attributes of the database itself (`BA_ "name" value;`).
    public var attributes: [DBCAttributeAssignment]
    /// The database comment (`CM_ "text";`).
    public var comment: String?
    /// Sections and references that were accepted but not used.
    public var warnings: [DBCWarning]

    private var messageIndexByIdentifier: [UInt32: Int]
    private var messageIndexByName: [String: Int]

    public init(
        version: String = "", nodes: [DBCNode] = [], messages: [DBCMessage] = [], valueTables: [DBCValueTable] = [],
        attributeDefinitions: [DBCAttributeDefinition] = [], attributes: [DBCAttributeAssignment] = [],
        comment: String? = nil, warnings: [DBCWarning] = []
    ) {
        self.version = version
        self.nodes = nodes
        self.messages = messages
        self.valueTables = valueTables
        self.attributeDefinitions = attributeDefinitions
        self.attributes = attributes
        self.comment = comment
        self.warnings = warnings
        var byID: [UInt32: Int] = [:]
        var byName: [String: Int] = [:]
        for (index, message) in messages.enumerated() {
            if byID[message.id.socketCANValue] == nil { byID[message.id.socketCANValue] = index }
            if byName[message.name] == nil { byName[message.name] = index }
        }
        messageIndexByIdentifier = byID
        messageIndexByName = byName
    }

    /// Parses a DBC file held in memory.
    ///
    /// - Throws: ``DBCParseError`` with the 1-based line and byte column of the first statement that
    ///   cannot be read. Never traps and always terminates, whatever the bytes.
    public static func parse(_ bytes: some Collection<UInt8>) throws(DBCParseError) -> CANDatabase {
        var parser = DBCParser(bytes: Array(bytes))
        return try parser.parseDatabase()
    }

    /// Parses DBC text.
    public static func parse(text: String) throws(DBCParseError) -> CANDatabase {
        try parse(Array(text.utf8))
    }

    /// The first message with this identifier (standard and extended identifiers are distinct).
    public func message(id: CANID) -> DBCMessage? {
        messageIndexByIdentifier[id.socketCANValue].map { messages[$0] }
    }

    /// The first message called `name`.
    public func message(named name: String) -> DBCMessage? {
        messageIndexByName[name].map { messages[$0] }
    }

    /// The definition of attribute `name`, if the file declares one.
    public func attributeDefinition(named name: String) -> DBCAttributeDefinition? {
        attributeDefinitions.last { $0.name == name }
    }

    /// The node called `name`.
    public func node(named name: String) -> DBCNode? {
        nodes.first { $0.name == name }
    }

    /// The value of the database attribute `name`, falling back to its default.
    public func attribute(named name: String) -> DBCAttributeValue? {
        attributes.value(named: name) ?? attributeDefinition(named: name)?.defaultValue
    }

    /// The bus bit rate in bit/s from the `Baudrate` attribute (as cantools reads it), if given.
    public var bitRate: Int? {
        guard let value = attribute(named: "Baudrate")?.number, value.isFinite, value > 0, value < 1e12 else {
            return nil
        }
        return Int(value)
    }

    /// Compiles the message called `name` into a codec.
    ///
    /// - Throws: ``DBCCodecError/unknownMessage(_:)`` or the layout error of that message.
    public func codec(forMessageNamed name: String) throws(DBCCodecError) -> MessageCodec {
        guard let message = message(named: name) else { throw .unknownMessage(name) }
        return try MessageCodec(message)
    }

    /// Compiles the message with identifier `id` into a codec.
    public func codec(for id: CANID) throws(DBCCodecError) -> MessageCodec {
        guard let message = message(id: id) else { throw .unknownMessage(id.description) }
        return try MessageCodec(message)
    }
}
