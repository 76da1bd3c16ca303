import ArgumentParser
import Foundation

/// Where the Firmware/ directory (bms.dbc, parameter sets, limit tables) is: `--firmware`, then
/// `$BMSEMU_FIRMWARE`, then `./Firmware`, then next to the package the executable was built in.
struct FirmwareOptions: ParsableArguments {
    @Option(name: .customLong("firmware"), help: "Firmware data directory (bms.dbc, cells/, packs/, limits/ ...).")
    var directory: String?

    func resolved() throws -> String {
        if let directory { return try check(directory) }
        if let environment = ProcessInfo.processInfo.environment["BMSEMU_FIRMWARE"] { return try check(environment) }
        if FileManager.default.fileExists(atPath: "Firmware/bms.dbc") { return "Firmware" }
        // .build/<config>/bmsemu → package root
        let executable = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var candidate = executable.deletingLastPathComponent()
        for _ in 0..<4 {
            let firmware = candidate.appendingPathComponent("Firmware")
            if FileManager.default.fileExists(atPath: firmware.appendingPathComponent("bms.dbc").path) { return firmware.path }
            candidate = candidate.deletingLastPathComponent()
        }
        throw ValidationError("cannot find the Firmware directory: run from the package root or pass --firmware <dir>")
    }

    private func check(_ path: String) throws -> String {
        guard FileManager.default.fileExists(atPath: (path as NSString).appendingPathComponent("bms.dbc")) else {
            throw ValidationError("'\(path)' is not a firmware directory: it has no bms.dbc")
        }
        return path
    }
}
