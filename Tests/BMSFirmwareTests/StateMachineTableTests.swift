import BMSFirmware
import Foundation
import Testing

/// Ties the reducer to `Firmware/state-machine.md`: every table row has a scenario that reaches the row's
/// state, triggers its event under its guard, and compares state before, actions and state after.
@Suite("State machine table")
struct StateMachineTableTests {
    struct Row: CustomTestStringConvertible, Sendable {
        var id: String
        var from: String
        var event: String
        var guardText: String
        var actions: String
        var to: String
        var testDescription: String { "\(id): \(from) —\(event) [\(guardText)]→ \(to)" }
    }

    /// The table rows of `Firmware/state-machine.md`.
    static let rows: [Row] = {
        let path = Fixtures.firmwareDirectory + "/state-machine.md"
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return [] }
        var rows: [Row] = []
        for line in text.split(separator: "\n") where line.hasPrefix("| T") {
            // Split on unescaped pipes.
            var cells: [String] = []
            var current = ""
            var previous: Character = " "
            for character in line.dropFirst() {
                if character == "|", previous != "\\" {
                    cells.append(current.trimmingCharacters(in: .whitespaces))
                    current = ""
                } else {
                    current.append(character)
                }
                previous = character
            }
            guard cells.count >= 6 else { continue }
            rows.append(Row(id: cells[0], from: cells[1], event: cells[2], guardText: cells[3], actions: cells[4], to: cells[5]))
        }
        return rows
    }()

    @Test func tableIsComplete() {
        #expect(Self.rows.count >= 60)
        let ids = Self.rows.map(\.id)
        #expect(Set(ids).count == ids.count, "duplicate row ids")
        #expect(Set(ids) == Set(TransitionScenarios.all.keys), "rows without scenario or scenarios without row")
        // Every state name in the table is one the reducer can report.
        let names = Set(BMSStateName.allCases.map(\.rawValue))
        for row in Self.rows {
            #expect(names.contains(row.from), "\(row.id): unknown state \(row.from)")
            #expect(names.contains(row.to), "\(row.id): unknown state \(row.to)")
        }
        // Every state appears as the source of at least one row.
        let sources = Set(Self.rows.map(\.from))
        for name in BMSStateName.allCases {
            #expect(sources.contains(name.rawValue), "no transition leaves \(name.rawValue)")
        }
    }

    @Test(arguments: rows)
    func rowMatchesReducer(_ row: Row) throws {
        let scenario = try #require(TransitionScenarios.all[row.id], "no scenario for \(row.id)")
        let observed = try scenario()
        #expect(observed == Observation(from: row.from, actions: row.actions, to: row.to), "\(row.id): \(row.event) [\(row.guardText)]")
    }
}
