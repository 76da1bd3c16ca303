import ArgumentParser
import CANCore
import Foundation

/// `bmsemu log …`: work with CAN log files.
struct LogCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "log",
        abstract: "Convert and check CAN logs (candump -L .log and Vector .asc).",
        subcommands: [Convert.self, Check.self]
    )

    struct Convert: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Convert between candump -L (.log) and Vector ASC (.asc); the format follows the file extension.",
            discussion: "Malformed input lines are reported with their line numbers and skipped; every good line is converted."
        )

        @Argument(help: "Input log (.log or .asc).") var input: String
        @Argument(help: "Output log (.log or .asc).") var output: String
        @Option(help: "Interface name for records read from ASC (channel N becomes <prefix>N-1).") var interfacePrefix = "vcan"

        func run() throws {
            let data = try readFile(input)
            var records: [CANLogRecord] = []
            var errors: [LogLineError] = []
            switch LogFormat(path: input) {
            case .candump:
                let parsed = CandumpLog.parse(data)
                records = parsed.records
                errors = parsed.errors
            case .asc:
                let parsed = AscLog.parse(data)
                records = parsed.records.map {
                    CANLogRecord(timestamp: $0.timestamp, interface: "\(interfacePrefix)\(max($0.channel - 1, 0))", frame: $0.frame, direction: $0.direction)
                }
                errors = parsed.errors
            case nil:
                throw ValidationError("cannot tell the format of '\(input)': use a .log or .asc file name")
            }
            for error in errors { printError("\(input):\(error)") }
            let text: String
            switch LogFormat(path: output) {
            case .candump:
                text = CandumpLog.format(records)
            case .asc:
                var channels: [String] = []
                let asc = records.map { record -> AscLog.Record in
                    if !channels.contains(record.interface) { channels.append(record.interface) }
                    return AscLog.Record(
                        timestamp: record.timestamp, channel: (channels.firstIndex(of: record.interface) ?? 0) + 1,
                        frame: record.frame, direction: record.direction ?? .receive)
                }
                text = AscLog.format(asc)
            case nil:
                throw ValidationError("cannot tell the format of '\(output)': use a .log or .asc file name")
            }
            try writeFile(output, text)
            print("converted \(records.count) frames from \(input) to \(output)\(errors.isEmpty ? "" : ", skipped \(errors.count) malformed lines")")
            if !errors.isEmpty { throw ExitCode(2) }
        }
    }

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Parse a log and report malformed lines and a summary.")

        @Argument(help: "Log file (.log or .asc).") var input: String

        func run() throws {
            let data = try readFile(input)
            let (count, errors): (Int, [LogLineError])
            switch LogFormat(path: input) {
            case .candump:
                let parsed = CandumpLog.parse(data)
                (count, errors) = (parsed.records.count, parsed.errors)
            case .asc:
                let parsed = AscLog.parse(data)
                (count, errors) = (parsed.records.count, parsed.errors)
            case nil:
                throw ValidationError("cannot tell the format of '\(input)': use a .log or .asc file name")
            }
            for error in errors { printError("\(input):\(error)") }
            print("\(input): \(count) frames, \(errors.count) malformed lines")
            if !errors.isEmpty { throw ExitCode(2) }
        }
    }
}

enum LogFormat {
    case candump
    case asc

    init?(path: String) {
        if path.hasSuffix(".asc") { self = .asc } else if path.hasSuffix(".log") { self = .candump } else { return nil }
    }
}

func readFile(_ path: String) throws -> Data {
    do {
        return try Data(contentsOf: URL(fileURLWithPath: path))
    } catch {
        throw ValidationError("cannot read '\(path)': \(error.localizedDescription)")
    }
}

func writeFile(_ path: String, _ text: String) throws {
    do {
        try text.write(toFile: path, atomically: true, encoding: .utf8)
    } catch {
        throw RuntimeFailure("cannot write '\(path)': \(error.localizedDescription)")
    }
}

func printError(_ message: String) {
    FileHandle.standardError.write(Data((message + "\n").utf8))
}

/// A failure while running (bus, I/O): exit code 3.
struct RuntimeFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
