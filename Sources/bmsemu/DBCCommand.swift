import ArgumentParser
import CANDatabase
import Foundation

/// `bmsemu dbc …`: check the CAN database.
struct DBCCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dbc",
        abstract: "Check a CAN database: parse errors, consistency and worst-case bus load.",
        subcommands: [Check.self]
    )

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Report consistency issues and the worst-case bus load (bit stuffing included) of a DBC.",
            discussion: "Exit code 0 when the file parses, has no errors and fits the load limit; 1 otherwise; 2 if it cannot be read or parsed."
        )

        @OptionGroup var firmware: FirmwareOptions
        @Argument(help: "DBC file (default: <firmware>/bms.dbc).") var file: String?
        @Option(help: "Nominal bit rate in bit/s (default: the database's BusType/Baudrate attribute, else 500000).") var bitRate: Int?
        @Option(help: "CAN FD data-phase bit rate in bit/s.") var dataBitRate: Int?
        @Option(help: "Maximum acceptable bus load in percent.") var maximumLoadPercent: Double = 50

        func run() throws {
            let path = try file ?? (firmware.resolved() + "/bms.dbc")
            let data = try readFile(path)
            let database: CANDatabase
            do {
                database = try CANDatabase.parse(data)
            } catch {
                printError("\(path):\(error.line):\(error.column): \(error.reason)")
                throw ExitCode(2)
            }
            for warning in database.warnings { printError("\(path): warning: \(warning)") }
            let issues = database.consistencyIssues()
            for issue in issues { print("\(path):\(issue)") }
            let rate = bitRate ?? database.bitRate ?? 500_000
            guard rate > 0 else { throw ValidationError("--bit-rate must be positive") }
            let budget = BusLoadBudget(database: database, nominalBitRate: rate, dataBitRate: dataBitRate)
            print(budget.report)
            let percent = budget.load * 100
            let errors = issues.filter { $0.severity == .error }.count
            print("\(path): \(database.messages.count) messages, \(issues.count) issues (\(errors) errors), worst-case load \(String(format: "%.2f", percent)) % of \(rate) bit/s (limit \(maximumLoadPercent) %)")
            if errors > 0 || percent > maximumLoadPercent { throw ExitCode(1) }
        }
    }
}
