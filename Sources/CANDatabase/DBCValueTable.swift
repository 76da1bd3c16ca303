/// Names for raw values of a signal (`VAL_`) or a named, shared table (`VAL_TABLE_`).
///
/// Entries are kept sorted by raw value, so lookup is a binary search and output order is stable.
public struct DBCValueTable: Hashable, Sendable {
    /// The table name (`VAL_TABLE_`), or the signal name for a `VAL_` table.
    public var name: String
    /// `(raw value, name)` pairs sorted by raw value; a raw value that appears twice keeps the last name.
    public private(set) var entries: [(value: Int64, name: String)]

    public init(name: String, entries: [(value: Int64, name: String)]) {
        self.name = name
        // Stable order by value, then keep the last name written for each value.
        let ordered = entries.enumerated().sorted { ($0.element.value, $0.offset) < ($1.element.value, $1.offset) }
        var unique: [(value: Int64, name: String)] = []
        unique.reserveCapacity(ordered.count)
        for (_, entry) in ordered {
            if unique.last?.value == entry.value {
                unique[unique.count - 1].name = entry.name
            } else {
                unique.append(entry)
            }
        }
        self.entries = unique
    }

    /// The name of `raw`, if the table has one.
    public func name(for raw: Int64) -> String? {
        var low = 0
        var high = entries.count
        while low < high {
            let mid = (low + high) / 2
            if entries[mid].value < raw { low = mid + 1 } else { high = mid }
        }
        return low < entries.count && entries[low].value == raw ? entries[low].name : nil
    }

    /// The raw value named `name`, if any.
    public func value(named name: String) -> Int64? {
        entries.first(where: { $0.name == name })?.value
    }

    /// `true` when the table names `raw`.
    public func contains(_ raw: Int64) -> Bool { name(for: raw) != nil }

    public static func == (lhs: DBCValueTable, rhs: DBCValueTable) -> Bool {
        lhs.name == rhs.name && lhs.entries.elementsEqual(rhs.entries, by: { $0.value == $1.value && $0.name == $1.name })
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(name)
        for entry in entries {
            hasher.combine(entry.value)
            hasher.combine(entry.name)
        }
    }
}
