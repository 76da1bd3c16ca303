/// The value of a DBC attribute (`BA_`, `BA_DEF_DEF_`): an integer, a real number or a string.
///
/// `ENUM` attributes are stored in the file as the index of the choice; ``CANDatabase`` resolves them
/// to the choice's name where it derives properties (send type, frame format, signal type).
public enum DBCAttributeValue: Hashable, Sendable, CustomStringConvertible {
    case integer(Int64)
    case float(Double)
    case string(String)

    /// The value as a real number, if it is numeric.
    public var number: Double? {
        switch self {
        case .integer(let value): Double(value)
        case .float(let value): value
        case .string: nil
        }
    }

    /// The value as an integer, if it is integral.
    public var integer: Int64? {
        switch self {
        case .integer(let value): return value
        case .float(let value):
            guard value.isFinite, value.rounded() == value, abs(value) < 9.2e18 else { return nil }
            return Int64(value)
        case .string: return nil
        }
    }

    public var description: String {
        switch self {
        case .integer(let value): String(value)
        case .float(let value): String(value)
        case .string(let value): "\"" + value + "\""
        }
    }
}

/// What kind of object an attribute applies to.
public enum DBCObjectKind: String, Hashable, Sendable {
    /// The database as a whole (no object keyword).
    case network = ""
    case node = "BU_"
    case message = "BO_"
    case signal = "SG_"
    case environmentVariable = "EV_"
}

/// An attribute definition (`BA_DEF_`) with its default (`BA_DEF_DEF_`).
public struct DBCAttributeDefinition: Hashable, Sendable {
    /// The value type and its limits as declared.
    public enum ValueType: Hashable, Sendable {
        case integer(minimum: Int64?, maximum: Int64?)
        case hex(minimum: Int64?, maximum: Int64?)
        case float(minimum: Double?, maximum: Double?)
        case string
        case enumeration([String])
    }

    /// Attribute name, e.g. `GenMsgCycleTime`.
    public var name: String
    /// What the attribute applies to.
    public var objectKind: DBCObjectKind
    /// Declared type and limits.
    public var valueType: ValueType
    /// The default from `BA_DEF_DEF_`, if any.
    public var defaultValue: DBCAttributeValue?

    public init(name: String, objectKind: DBCObjectKind, valueType: ValueType, defaultValue: DBCAttributeValue? = nil) {
        self.name = name
        self.objectKind = objectKind
        self.valueType = valueType
        self.defaultValue = defaultValue
    }

    /// For an `ENUM` attribute, the choice a stored value names (by index, or by name if the file
    /// wrote the name); `nil` for other types or an index out of range.
    public func enumerationChoice(_ value: DBCAttributeValue) -> String? {
        guard case .enumeration(let choices) = valueType else { return nil }
        switch value {
        case .string(let name): return choices.contains(name) ? name : nil
        default:
            guard let index = value.integer, index >= 0, index < Int64(choices.count) else { return nil }
            return choices[Int(index)]
        }
    }
}

/// One attribute assignment (`BA_ "name" ... value;`) on an object, as written in the file.
public struct DBCAttributeAssignment: Hashable, Sendable {
    /// Attribute name.
    public var name: String
    /// Assigned value (for `ENUM` attributes usually the choice index).
    public var value: DBCAttributeValue

    public init(name: String, value: DBCAttributeValue) {
        self.name = name
        self.value = value
    }
}

extension [DBCAttributeAssignment] {
    /// The last assignment of `name` (a later `BA_` overrides an earlier one), if any.
    public func value(named name: String) -> DBCAttributeValue? {
        last(where: { $0.name == name })?.value
    }
}
