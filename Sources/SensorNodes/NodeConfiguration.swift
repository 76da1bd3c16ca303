public import CellPack

/// Layout, sampling, sensor physics and limits of every emulated node, with the source of each number.
///
/// Built by the shell from `Firmware/nodes/default.yaml` (see `NodeConfiguration+YAML.swift` in
/// FirmwareConfig); ``validate()`` reports every problem at once. Transmit periods are not part of it:
/// they come from `GenMsgCycleTime` in the CAN database the nodes are built with.
public struct NodeConfiguration: Hashable, Sendable {
    /// Human-readable name, e.g. `default`.
    public var name: String
    /// Values by key; a missing key is reported by ``validate()``.
    public var values: [NodeParameterKey: Double]
    /// Source of each value (datasheet, standard, DBC, or "[assumption] why").
    public var sources: [NodeParameterKey: String]

    public init(name: String, values: [NodeParameterKey: Double], sources: [NodeParameterKey: String]) {
        self.name = name
        self.values = values
        self.sources = sources
    }

    /// The value of `key`, NaN when missing.
    public subscript(_ key: NodeParameterKey) -> Double {
        get { values[key] ?? .nan }
        set { values[key] = newValue }
    }

    /// Cell-monitoring boards.
    public var boardCount: Int { Int(exactly: self[.boardCount].rounded()) ?? 0 }
    /// Series cell groups per board.
    public var groupsPerBoard: Int { Int(exactly: self[.groupsPerBoard].rounded()) ?? 0 }
    /// Series cell groups of the pack (boards × groups per board).
    public var seriesGroupCount: Int { boardCount * groupsPerBoard }

    /// Every problem: missing, non-finite, out-of-range, fractional-where-whole values, missing sources and
    /// inconsistent pairs, in key order.
    public func validate() -> [ParameterProblem] {
        var problems: [ParameterProblem] = []
        if name.isEmpty { problems.append(ParameterProblem(key: "name", reason: "must not be empty")) }
        for key in NodeParameterKey.allCases {
            guard let value = values[key] else {
                problems.append(ParameterProblem(key: key.rawValue, reason: "missing (\(key.spec.meaning))"))
                continue
            }
            let spec = key.spec
            if !value.isFinite {
                problems.append(ParameterProblem(key: key.rawValue, reason: "\(value) is not a finite number"))
            } else if !spec.range.contains(value) {
                problems.append(ParameterProblem(
                    key: key.rawValue,
                    reason: "\(value) is outside \(spec.range.lowerBound)…\(spec.range.upperBound) (\(spec.meaning))"))
            } else if spec.integer, value != value.rounded() {
                problems.append(ParameterProblem(key: key.rawValue, reason: "\(value) must be a whole number (\(spec.meaning))"))
            }
            if (sources[key] ?? "").trimmingSpaces.isEmpty {
                problems.append(ParameterProblem(key: key.rawValue, reason: "no source given for this number"))
            }
        }
        guard problems.isEmpty else { return problems }
        if self[.pressureFirstGroup] > self[.pressureLastGroup] {
            problems.append(ParameterProblem(
                key: NodeParameterKey.pressureFirstGroup.rawValue, reason: "first group must not be above pressure.last_group"))
        }
        if Int(self[.pressureLastGroup]) > seriesGroupCount {
            problems.append(ParameterProblem(
                key: NodeParameterKey.pressureLastGroup.rawValue,
                reason: "group \(Int(self[.pressureLastGroup])) does not exist (\(seriesGroupCount) groups)"))
        }
        if self[.thermistorShortThreshold] >= self[.thermistorOpenThreshold] {
            problems.append(ParameterProblem(
                key: NodeParameterKey.thermistorShortThreshold.rawValue, reason: "must be below cell_monitoring.ntc.open_above_ohm"))
        }
        if self[.insulationAlarm] > self[.insulationWarning] {
            problems.append(ParameterProblem(
                key: NodeParameterKey.insulationAlarm.rawValue, reason: "the alarm threshold must not exceed insulation.warning_kohm"))
        }
        if self[.insulationWarning] > self[.insulationMaximum] {
            problems.append(ParameterProblem(
                key: NodeParameterKey.insulationWarning.rawValue, reason: "must not exceed insulation.maximum_kohm"))
        }
        return problems
    }
}

extension String {
    var trimmingSpaces: Substring {
        var text = Substring(self)
        while text.first == " " { text.removeFirst() }
        while text.last == " " { text.removeLast() }
        return text
    }
}
