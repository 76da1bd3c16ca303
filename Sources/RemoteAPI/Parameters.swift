/// The named parameters of one request, with typed, range-checked access that fails with -32602.
struct Parameters {
    let members: [(key: String, value: JSONValue)]

    subscript(key: String) -> JSONValue? { members.first { $0.key == key }?.value }

    /// Rejects parameters the method does not take (a typo is an error, not silently ignored).
    func allowOnly(_ names: Set<String>) throws(RPCError) {
        if let unknown = members.first(where: { !names.contains($0.key) }) {
            let expected = names.isEmpty ? "no parameters" : names.sorted().joined(separator: ", ")
            throw RPCError.invalidParams("unknown parameter '\(unknown.key)' (expected \(expected))")
        }
    }

    func required(_ key: String) throws(RPCError) -> JSONValue {
        guard let value = self[key] else { throw RPCError.invalidParams("missing parameter '\(key)'") }
        return value
    }

    func string(_ key: String) throws(RPCError) -> String {
        guard case .string(let text) = try required(key) else {
            throw RPCError.invalidParams("'\(key)' must be a string, not \(try required(key).typeName)")
        }
        return text
    }

    func optionalString(_ key: String) throws(RPCError) -> String? {
        self[key] == nil ? nil : try string(key)
    }

    func number(_ key: String, in range: ClosedRange<Double>) throws(RPCError) -> Double {
        let value = try required(key)
        guard case .number(let number) = value else { throw RPCError.invalidParams("'\(key)' must be a number, not \(value.typeName)") }
        guard range.contains(number) else {
            throw RPCError.invalidParams("'\(key)' = \(JSONValue.format(number)) is out of range \(JSONValue.format(range.lowerBound))...\(JSONValue.format(range.upperBound))")
        }
        return number
    }

    func optionalNumber(_ key: String, in range: ClosedRange<Double>) throws(RPCError) -> Double? {
        self[key] == nil ? nil : try number(key, in: range)
    }
}
