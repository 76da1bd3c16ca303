import CellPack
import FirmwareConfig
import Foundation
import Testing

@Suite("Parameter files")
struct ParameterFileTests {
    let cellText: String
    let packText: String

    init() throws {
        cellText = try String(contentsOfFile: Fixture.cellPath, encoding: .utf8)
        packText = try String(contentsOfFile: Fixture.packPath, encoding: .utf8)
    }

    @Test func shippedFilesLoadValidateAndCarryASourceForEveryValue() throws {
        let cell = try Fixture.cell()
        let pack = try Fixture.pack()
        #expect(cell.validate().isEmpty)
        #expect(pack.validate().isEmpty)
        for key in CellParameterKey.allCases {
            #expect((cell.sources[key] ?? "").count > 5, "\(key.rawValue) has no source")
        }
        for key in PackParameterKey.allCases {
            #expect((pack.sources[key] ?? "").count > 5, "\(key.rawValue) has no source")
        }
        // Design numbers the file claims [S2:L398, L507]: 4.2 mAh/cm², 50 µm Li → N/P ≈ 2.45 at 4.85 µm per mAh/cm².
        #expect(abs(cell.electrodeAreaSquareCentimetres - 1_190.5) < 1)
        #expect(abs(cell.negativeToPositiveRatio - 2.45) < 0.01)
        #expect(pack.seriesCount == 96 && pack.parallelCount == 2 && pack.cellCount == 192)
    }

    /// Loads `text` with one substitution and returns the problems.
    func problems(replacing old: String, with new: String, in text: String? = nil, pack: Bool = false) throws -> [ConfigError] {
        let source = text ?? (pack ? packText : cellText)
        #expect(source.contains(old), "fixture text not found: \(old)")
        let changed = source.replacingOccurrences(of: old, with: new)
        do {
            if pack {
                _ = try PackParameterFile.parse(yaml: changed, file: "bad-pack.yaml")
            } else {
                _ = try CellParameterFile.parse(yaml: changed, file: "bad-cell.yaml")
            }
            Issue.record("accepted a bad file (\(old) → \(new))")
            return []
        } catch {
            return error.problems
        }
    }

    func line(of fragment: String, in text: String) -> Int {
        var number = 1
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.contains(fragment) { return number }
            number += 1
        }
        return 0
    }

    @Test func negativeCapacityIsRejectedWithFileLineKeyAndReason() throws {
        let found = try problems(replacing: "nominal_capacity_ah: {value: 5.0,", with: "nominal_capacity_ah: {value: -5.0,")
        let problem = try #require(found.first)
        #expect(found.count == 1)
        #expect(problem.file == "bad-cell.yaml")
        #expect(problem.key == "design.nominal_capacity_ah")
        #expect(problem.line == line(of: "nominal_capacity_ah", in: cellText))
        #expect(problem.reason.contains("-5.0 is outside"))
        #expect(problem.description.hasPrefix("bad-cell.yaml:\(problem.line):"))
    }

    @Test func missingSourceUnknownKeyAndBadNumberAreAllReportedTogether() throws {
        var text = cellText.replacingOccurrences(of: "source: \"[S2:L507; S2:L416]", with: "source: \"   \" , note: \"[S2:L507; S2:L416]")
        text = text.replacingOccurrences(of: "  tau1_s: {value: 10,", with: "  tau1_seconds: {value: 10,")
        let found = try problems(replacing: "hysteresis_mv: {value: 10,", with: "hysteresis_mv: {value: ten,", in: text)
        let keys = Set(found.map(\.key))
        #expect(found.contains { $0.key == "design.lithium_thickness_um.note" && $0.reason.contains("unknown key 'note'") })
        #expect(found.contains { $0.reason.contains("non-empty source") })
        #expect(found.contains { $0.key == "electrical.tau1_seconds" && $0.reason.contains("unknown key") })
        #expect(found.contains { $0.key == "electrical.hysteresis_mv.value" && $0.reason.contains("not a finite number") })
        #expect(keys.count >= 4)
        #expect(found.allSatisfy { $0.file == "bad-cell.yaml" && $0.line > 0 })
    }

    @Test func inconsistentValuesAreRejected() throws {
        // Lower cut-off at or above the upper one.
        let cutoffs = try problems(replacing: "lower_cutoff_v: {value: 3.0,", with: "lower_cutoff_v: {value: 4.3,")
        #expect(cutoffs.contains { $0.key == "electrical.lower_cutoff_v" && $0.reason.contains("must be below electrical.upper_cutoff_v") })
        // An OCV table that decreases with SOC.
        let ocv = try problems(replacing: "volts: [3.0, 3.25, 3.42, 3.5035", with: "volts: [3.0, 3.25, 3.42, 3.3")
        #expect(ocv.contains { $0.key == "ocv.volts" && $0.reason.contains("must not decrease") && $0.line == line(of: "  volts:", in: cellText) })
        // A table whose length does not match the SOC grid.
        let length = try problems(replacing: "entropic_mv_per_k: [-0.0159, ", with: "entropic_mv_per_k: [")
        #expect(length.contains { $0.key == "ocv.entropic_mv_per_k" && $0.reason.contains("values but ocv.soc has") })
        // Separator meltdown at or below its shutdown.
        let separator = try problems(replacing: "separator_meltdown_c: {value: 200,", with: "separator_meltdown_c: {value: 120,")
        #expect(separator.contains { $0.key == "abuse.separator_meltdown_c" && $0.reason.contains("must be above") })
        // A cell lighter than its cathode, lithium and electrolyte.
        let mass = try problems(replacing: "cell_mass_g: {value: 55,", with: "cell_mass_g: {value: 30,")
        #expect(mass.contains { $0.key == "design.cell_mass_g" && $0.reason.contains("less than cathode + lithium + electrolyte") })
    }

    @Test func missingKeyIsReportedAtItsSection() throws {
        let found = try problems(replacing: "  r2_ohm: {value: 0.006,", with: "  # r2_ohm: {value: 0.006,")
        let problem = try #require(found.first { $0.key == "electrical.r2_ohm" })
        #expect(problem.reason.hasPrefix("missing"))
        #expect(problem.line == line(of: "electrical:", in: cellText))
    }

    @Test func packFileProblemsAreLocated() throws {
        let fractional = try problems(replacing: "series: {value: 96,", with: "series: {value: 96.5,", pack: true)
        #expect(fractional.contains { $0.key == "topology.series" && $0.reason.contains("whole number") && $0.line == line(of: "series:", in: packText) })
        let negative = try problems(replacing: "balancing_resistor_ohm: {value: 33,", with: "balancing_resistor_ohm: {value: -33,", pack: true)
        #expect(negative.contains { $0.key == "electrical.balancing_resistor_ohm" && $0.reason.contains("outside") })
        do {
            _ = try PackParameterFile.parse(yaml: "name: x\ntopology: [1, 2\n", file: "syntax.yaml")
            Issue.record("accepted broken YAML")
        } catch {
            #expect(error.problems.first?.reason.hasPrefix("YAML syntax") == true)
        }
    }

    @Test func validateReturnsEveryProblemOfAParameterSetBuiltInCode() throws {
        var cell = try Fixture.cell()
        cell[.nominalCapacityAh] = -1
        cell[.separatorThickness] = .nan
        cell.values[.tau2] = nil
        let problems = cell.validate()
        #expect(problems.contains { $0.key == "design.nominal_capacity_ah" })
        #expect(problems.contains { $0.key == "design.separator_thickness_um" && $0.reason.contains("not a finite number") })
        #expect(problems.contains { $0.key == "electrical.tau2_s" && $0.reason.hasPrefix("missing") })
        #expect(throws: InvalidParameters.self) { try VirtualPack(cell: cell, pack: try Fixture.pack(), seed: 1) }
    }
}
