import CellPack
public import Emulator

extension ScenarioFile {
    /// Reads one timeline action from a flow-style text such as `{"sensor_fault": "cmu1 silent"}` (JSON is
    /// YAML, so the remote test API passes its parameters here): the same vocabulary, ranges and messages
    /// as a scenario file's `timeline:` entries. `source` names the text in messages.
    public static func readAction(
        text: String, source: String, firmwareDirectory: String, checkSensorFault: @escaping (String) -> String? = { _ in nil }
    ) throws(ParameterFileError) -> TimelineAction {
        let document = try ParameterFileError.document(yaml: text, file: source)
        let reader = ScenarioReader(root: document.root, firmwareDirectory: firmwareDirectory, checkSensorFault: checkSensorFault)
        let entry = reader.readTimelineEntry(document.root)
        guard reader.problems.isEmpty, let entry else {
            throw ParameterFileError(problems: reader.problems.isEmpty ? [document.root.error("not a timeline action")] : reader.problems)
        }
        return entry.action
    }
}
