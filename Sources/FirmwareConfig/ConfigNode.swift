public import Yams

/// A typed, located view of one YAML node: every accessor either returns a value or throws a
/// ``ConfigError`` naming the file, line, column and key path.
///
/// ```swift
/// let root = try ConfigDocument.load(path: "Firmware/cells/li-metal-ncm811-pouch.yaml").root
/// let capacity = try root.required("capacity_ah").double(in: 0.001...10_000)
/// try root.rejectUnknownKeys(["capacity_ah", "ocv", ...])
/// ```
public struct ConfigNode: @unchecked Sendable {
    // @unchecked: Yams.Node is an immutable value tree (enum of structs/arrays); it holds no shared mutable state.
    /// The underlying YAML node.
    public let node: Node
    /// File name used in errors.
    public let file: String
    /// Dotted key path of this node.
    public let keyPath: String

    public init(node: Node, file: String, keyPath: String) {
        self.node = node
        self.file = file
        self.keyPath = keyPath
    }

    /// An error located at this node.
    public func error(_ reason: String) -> ConfigError {
        ConfigError(file: file, line: node.mark?.line ?? 0, column: node.mark?.column ?? 0, key: keyPath, reason: reason)
    }

    private func child(_ key: String) -> String { keyPath.isEmpty ? key : keyPath + "." + key }

    /// The mapping value for `key`, or an error if this is not a mapping or the key is missing.
    public func required(_ key: String) throws(ConfigError) -> ConfigNode {
        guard let mapping = node.mapping else { throw error("expected a mapping with key '\(key)'") }
        guard let value = mapping[key] else { throw error("missing required key '\(key)'") }
        return ConfigNode(node: value, file: file, keyPath: child(key))
    }

    /// The mapping value for `key`, or `nil` when absent (an explicit `null` also counts as absent).
    public func optional(_ key: String) throws(ConfigError) -> ConfigNode? {
        guard let mapping = node.mapping else { throw error("expected a mapping") }
        guard let value = mapping[key] else { return nil }
        if value.tag == Tag(.null) { return nil }
        return ConfigNode(node: value, file: file, keyPath: child(key))
    }

    /// The keys of this mapping, in file order.
    public func keys() throws(ConfigError) -> [String] {
        guard let mapping = node.mapping else { throw error("expected a mapping") }
        var result: [String] = []
        for key in mapping.keys {
            guard let text = key.string else {
                throw ConfigNode(node: key, file: file, keyPath: keyPath).error("mapping keys must be strings")
            }
            result.append(text)
        }
        return result
    }

    /// The (key, value) pairs of this mapping, in file order.
    public func entries() throws(ConfigError) -> [(key: String, value: ConfigNode)] {
        guard let mapping = node.mapping else { throw error("expected a mapping") }
        var result: [(key: String, value: ConfigNode)] = []
        for (key, value) in mapping {
            guard let text = key.string else {
                throw ConfigNode(node: key, file: file, keyPath: keyPath).error("mapping keys must be strings")
            }
            result.append((text, ConfigNode(node: value, file: file, keyPath: child(text))))
        }
        return result
    }

    /// Throws for the first key not in `allowed`, so a typo is an error instead of a silently ignored setting.
    public func rejectUnknownKeys(_ allowed: Set<String>) throws(ConfigError) {
        guard let mapping = node.mapping else { throw error("expected a mapping") }
        for key in mapping.keys {
            let text = key.string ?? "?"
            if !allowed.contains(text) {
                let located = ConfigNode(node: key, file: file, keyPath: child(text))
                throw located.error("unknown key; expected one of: \(allowed.sorted().joined(separator: ", "))")
            }
        }
    }

    /// The elements of a sequence.
    public func elements() throws(ConfigError) -> [ConfigNode] {
        guard let sequence = node.sequence else { throw error("expected a list") }
        return sequence.enumerated().map { ConfigNode(node: $1, file: file, keyPath: "\(keyPath)[\($0)]") }
    }

    /// A string scalar.
    public func string() throws(ConfigError) -> String {
        guard let scalar = node.scalar else { throw error("expected a text value") }
        return scalar.string
    }

    /// A finite number.
    public func double() throws(ConfigError) -> Double {
        guard let scalar = node.scalar else { throw error("expected a number") }
        let text = scalar.string.replacingUnderscores()
        guard let value = Double(text), value.isFinite else { throw error("'\(scalar.string)' is not a finite number") }
        return value
    }

    /// A finite number within `range`.
    public func double(in range: ClosedRange<Double>) throws(ConfigError) -> Double {
        let value = try double()
        guard range.contains(value) else { throw error("\(value) is outside the allowed range \(range.lowerBound)...\(range.upperBound)") }
        return value
    }

    /// An integer (no fraction, no overflow).
    public func int() throws(ConfigError) -> Int {
        guard let scalar = node.scalar else { throw error("expected an integer") }
        var text = scalar.string.replacingUnderscores()
        var radix = 10
        if text.hasPrefix("0x") || text.hasPrefix("0X") {
            text.removeFirst(2)
            radix = 16
        }
        guard let value = Int(text, radix: radix) else { throw error("'\(scalar.string)' is not an integer") }
        return value
    }

    /// An integer within `range`.
    public func int(in range: ClosedRange<Int>) throws(ConfigError) -> Int {
        let value = try int()
        guard range.contains(value) else { throw error("\(value) is outside the allowed range \(range.lowerBound)...\(range.upperBound)") }
        return value
    }

    /// A boolean (`true`/`false`, also YAML's `yes`/`no`/`on`/`off`).
    public func bool() throws(ConfigError) -> Bool {
        guard let scalar = node.scalar else { throw error("expected true or false") }
        switch scalar.string.lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        default: throw error("'\(scalar.string)' is not true or false")
        }
    }

    /// One of a fixed set of words, e.g. an enum's raw values.
    public func oneOf<T: RawRepresentable>(_ type: T.Type) throws(ConfigError) -> T where T.RawValue == String, T: CaseIterable {
        let text = try string()
        guard let value = T(rawValue: text) else {
            throw error("'\(text)' is not one of: \(T.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return value
    }

    /// A list of finite numbers.
    public func doubles() throws(ConfigError) -> [Double] {
        var result: [Double] = []
        for element in try elements() { result.append(try element.double()) }
        return result
    }
}

extension String {
    fileprivate func replacingUnderscores() -> String {
        String(unicodeScalars.filter { $0 != "_" })
    }
}
