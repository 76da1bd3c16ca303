import ArgumentParser
import Emulator
import CellPack
import SensorNodes

/// `bmsemu pack --profile bms|foxbms` and the `--foxbms-*` settings (`HIL/foxbms.md`).
struct PackProfileOptions: ParsableArguments {
    @Option(help: "Bus the pack side speaks: bms (Firmware/bms.dbc) or foxbms (a foxBMS 2 master, Firmware/foxbms/foxbms-compat.dbc); default: the scenario's pack.profile, else bms.")
    var profile: String?
    @Option(help: "foxBMS topology STRINGSxMODULESxBLOCKSxSENSORS[@FIRSTGROUP] (default: mirror the node configuration, 1x8x12x12 for the default pack).")
    var foxbmsTopology: String?
    @Option(help: "Where the virtual contactors' positions come from: follow-bms-state (0x220), closed or open (default follow-bms-state).")
    var foxbmsContactors: String?
    @Option(help: "Sign of the emulated IVT-S current per BS_POSITIVE_DISCHARGE_CURRENT: discharge-positive (stock) or charge-positive.")
    var foxbmsCurrentSign: String?

    static let profileNames = ["bms", "foxbms"]

    var givesFoxBMSSettings: Bool { foxbmsTopology != nil || foxbmsContactors != nil || foxbmsCurrentSign != nil }

    func validate() throws {
        if let profile, !Self.profileNames.contains(profile) {
            throw ValidationError("--profile '\(profile)': expected bms or foxbms")
        }
        if profile == "bms", givesFoxBMSSettings {
            throw ValidationError("--foxbms-topology, --foxbms-contactors and --foxbms-current-sign need --profile foxbms")
        }
        _ = try topology()
        _ = try contactors()
        _ = try positiveCurrentDischarges()
    }

    func topology() throws -> FoxBMSTopology? {
        guard let text = foxbmsTopology else { return nil }
        let topology: FoxBMSTopology
        do { topology = try FoxBMSTopology(parsing: text) } catch { throw ValidationError("--foxbms-topology: \(error)") }
        // What can be judged without the pack; the fit to the pack's series groups is checked when the nodes are built.
        let problems = topology.problems(seriesGroups: .max)
        guard problems.isEmpty else { throw ValidationError("--foxbms-topology '\(text)': " + problems.joined(separator: "; ")) }
        return topology
    }

    func contactors() throws -> FoxBMSProfile.ContactorSource? {
        guard let text = foxbmsContactors else { return nil }
        guard let source = FoxBMSProfile.ContactorSource(rawValue: text) else {
            let names = FoxBMSProfile.ContactorSource.allCases.map(\.rawValue).joined(separator: ", ")
            throw ValidationError("--foxbms-contactors '\(text)': expected one of \(names)")
        }
        return source
    }

    func positiveCurrentDischarges() throws -> Bool? {
        guard let text = foxbmsCurrentSign else { return nil }
        guard let positive = FoxBMSOptions.positiveCurrentDischarges(named: text) else {
            throw ValidationError("--foxbms-current-sign '\(text)': expected one of \(FoxBMSOptions.currentSignNames.joined(separator: ", "))")
        }
        return positive
    }

    /// The scenario's bus profile with the command line applied on top.
    func apply(to setup: inout PackSetup) throws {
        switch profile {
        case "bms": setup.busProfile = .bms
        case "foxbms" where setup.busProfile == .bms: setup.busProfile = .foxBMS(FoxBMSOptions())
        default: break
        }
        guard var options = setup.busProfile.foxBMSOptions else {
            if givesFoxBMSSettings {
                throw ValidationError("--foxbms-topology, --foxbms-contactors and --foxbms-current-sign need --profile foxbms (or pack.profile: foxbms)")
            }
            return
        }
        if let topology = try topology() { options.topology = topology }
        if let source = try contactors() { options.contactors = source }
        if let positive = try positiveCurrentDischarges() { options.positiveCurrentDischarges = positive }
        setup.busProfile = .foxBMS(options)
    }
}

extension ContactorStates {
    /// `open`, `closed`, `precharging`, or the closed contactors by name, for the live summary.
    var summary: String {
        if self == .open { return "open" }
        if self == .closed { return "closed" }
        if self == .precharging { return "precharging" }
        let closed = [(mainPositive, "main+"), (mainNegative, "main-"), (precharge, "precharge")].filter(\.0).map(\.1)
        return closed.joined(separator: "+") + " closed"
    }
}
