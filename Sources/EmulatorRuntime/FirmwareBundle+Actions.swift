public import Emulator
import FirmwareConfig
import SensorNodes

extension FirmwareBundle {
    /// Reads one timeline action from flow text (JSON or YAML, e.g. `{"at": 0, "sensor_fault": "cmu1 silent"}`)
    /// with the scenario files' vocabulary and checks; `source` names the text in the message.
    public func readAction(text: String, source: String = "params") -> Result<TimelineAction, RuntimeError> {
        do {
            let action = try ScenarioFile.readAction(text: text, source: source, firmwareDirectory: directory) { text in
                do {
                    _ = try SensorFault(parsing: text)
                    return nil
                } catch {
                    return "sensor fault: \(error)"
                }
            }
            return .success(action)
        } catch {
            return .failure(RuntimeError(error.description))
        }
    }
}
