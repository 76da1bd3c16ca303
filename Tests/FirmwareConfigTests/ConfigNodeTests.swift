import FirmwareConfig
import Testing

@Suite("ConfigNode")
struct ConfigNodeTests {
    let yaml = """
        cell:
          capacity_ah: 5.0
          count: 96
          name: li-metal
          flags: [1, 2.5, 3]
          capacity_typo: 4
        """

    @Test func typedAccessReturnsValues() throws {
        let root = try ConfigDocument(yaml: yaml, file: "cell.yaml").root
        let cell = try root.required("cell")
        #expect(try cell.required("capacity_ah").double(in: 0...10) == 5.0)
        #expect(try cell.required("count").int() == 96)
        #expect(try cell.required("flags").doubles() == [1, 2.5, 3])
        #expect(try cell.keys() == ["capacity_ah", "count", "name", "flags", "capacity_typo"])
    }

    @Test func errorsNameFileLineAndKey() throws {
        let cell = try ConfigDocument(yaml: yaml, file: "cell.yaml").root.required("cell")
        do {
            _ = try cell.required("capacity_ah").double(in: 6...10)
            Issue.record("range not enforced")
        } catch {
            #expect(error.description == "cell.yaml:2:16: cell.capacity_ah: 5.0 is outside the allowed range 6.0...10.0")
        }
        #expect(throws: ConfigError.self) { try cell.required("name").double() }
        do {
            try cell.rejectUnknownKeys(["capacity_ah", "count", "name", "flags"])
            Issue.record("unknown key accepted")
        } catch {
            #expect(error.line == 6 && error.key == "cell.capacity_typo")
        }
        do {
            _ = try cell.required("missing")
            Issue.record("missing key accepted")
        } catch {
            #expect(error.reason.contains("missing required key 'missing'"))
        }
    }

    @Test func syntaxErrorsCarryTheirPosition() {
        do {
            _ = try ConfigDocument(yaml: "a: [1, 2\nb: 3\n", file: "bad.yaml")
            Issue.record("syntax error accepted")
        } catch {
            #expect(error.file == "bad.yaml" && error.line >= 1 && error.reason.hasPrefix("YAML syntax"))
        }
    }
}
