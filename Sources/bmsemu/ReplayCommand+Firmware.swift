import ArgumentParser
import CANCore
import Emulator
import EmulatorRuntime
import Foundation

extension ReplayCommand {
    /// `--into-firmware`: the labelled log-replay regression (exit 0 pass, 1 fail).
    func replayIntoFirmware(_ data: Data) throws {
        let records: [CANLogRecord]
        let comments: [String]
        switch LogFormat(path: log) {
        case .candump:
            let parsed = CandumpLog.parse(data)
            for error in parsed.errors { printError("\(log):\(error)") }
            records = parsed.records.filter { onlyInterface == nil || $0.interface == onlyInterface }
            comments = parsed.comments.map(\.text)
        case .asc:
            let parsed = AscLog.parse(data)
            for error in parsed.errors { printError("\(log):\(error)") }
            records = parsed.records.map { CANLogRecord(timestamp: $0.timestamp, interface: "can\($0.channel)", frame: $0.frame) }
            comments = []
        case nil:
            throw ValidationError("cannot tell the format of '\(log)': use a .log or .asc file name")
        }
        guard let chosen = label.flatMap(ReplayLabel.init(rawValue:)) ?? ReplayLabel.find(fileName: log, comments: comments) else {
            throw ValidationError("\(log): no label; name the file *_LABEL.log or add a '# label: LABEL' comment (\(ReplayLabel.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        guard !records.isEmpty else { throw ValidationError("\(log): no frames to replay") }
        let bundle = try firmware.bundle()
        let participant: FirmwareParticipant
        do { participant = try bundle.makeFirmware(for: Scenario(name: "replay", durationSeconds: 0)) } catch { throw ValidationError(error.description) }
        let replay = LabelledReplay(database: bundle.database, configuration: bundle.controller)
        let verdict: ReplayVerdict
        do { verdict = try replay.run(records: records, label: chosen, firmware: participant) } catch { throw RuntimeFailure("\(error)") }
        if let output {
            do {
                let writer = try CandumpLogWriter(path: output)
                writer.writeComment("firmware frames of bmsemu replay --into-firmware \(log) (label \(chosen.rawValue))")
                for record in verdict.firmwareFrames { writer.write(record) }
                writer.close()
            } catch {
                throw RuntimeFailure("\(error)")
            }
        }
        print("\(log): \(verdict.passed ? "PASS" : "FAIL") \(verdict.message) [\(records.count) frames in, \(verdict.firmwareFrames.count) firmware frames out]")
        if !verdict.passed { throw ExitCode(1) }
    }
}
