public import Emulator
import SensorNodes

extension ScenarioReader {
    /// `pack.profile: bms | foxbms` and, with foxbms, the optional `pack.foxbms` settings:
    /// `{topology: 1x8x12x12, contactors: follow-bms-state | closed | open, current_sign: discharge-positive |
    /// charge-positive, report_timeout_ms: 500}`. Whether the topology fits the pack is checked when the pack is built.
    func readBusProfile(_ pack: ConfigNode) -> PackBusProfile {
        var name = "bms"
        if let profileNode = attempt({ try pack.optional("profile") }), let profileNode, let text = attempt({ try profileNode.string() }) {
            if text == "bms" || text == "foxbms" {
                name = text
            } else {
                problems.append(profileNode.error("'\(text)' is not a bus profile; expected bms or foxbms"))
            }
        }
        let settings = attempt { try pack.optional("foxbms") } ?? nil
        guard name == "foxbms" else {
            if let settings { problems.append(settings.error("pack.foxbms needs pack.profile: foxbms")) }
            return .bms
        }
        var options = FoxBMSOptions()
        guard let settings else { return .foxBMS(options) }
        attempt { try settings.rejectUnknownKeys(["topology", "contactors", "current_sign", "report_timeout_ms"]) }
        if let located = attempt({ try settings.optional("topology") }), let located, let text = attempt({ try located.string() }) {
            do {
                let topology = try FoxBMSTopology(parsing: text)
                // What can be judged without the pack (strings, counts, layout limits); the fit is checked at build.
                let problems = topology.problems(seriesGroups: .max)
                if problems.isEmpty { options.topology = topology } else { self.problems.append(located.error(problems.joined(separator: "; "))) }
            } catch {
                problems.append(located.error("\(error)"))
            }
        }
        if let located = attempt({ try settings.optional("contactors") }), let located, let text = attempt({ try located.string() }) {
            if let source = FoxBMSProfile.ContactorSource(rawValue: text) {
                options.contactors = source
            } else {
                let names = FoxBMSProfile.ContactorSource.allCases.map(\.rawValue).joined(separator: ", ")
                problems.append(located.error("'\(text)' is not a contactor source; expected one of: \(names)"))
            }
        }
        if let located = attempt({ try settings.optional("current_sign") }), let located, let text = attempt({ try located.string() }) {
            if let positive = FoxBMSOptions.positiveCurrentDischarges(named: text) {
                options.positiveCurrentDischarges = positive
            } else {
                problems.append(located.error("'\(text)' is not a current sign; expected one of: \(FoxBMSOptions.currentSignNames.joined(separator: ", "))"))
            }
        }
        if let value = attempt({ try settings.optional("report_timeout_ms")?.int(in: 1...60_000) }), let value {
            options.reportTimeoutMilliseconds = Int64(value)
        }
        return .foxBMS(options)
    }
}
