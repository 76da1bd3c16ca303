import CANCore
import SensorNodes
import Testing

@Suite("Fault texts")
struct SensorFaultParsingTests {
    static let canonical: [String] = [
        "cmu3.voltage[5] stuck 3.7V",
        "cmu1.voltage[12] offset -0.005V",
        "cmu2.temperature[4] drift 0.5degC/h",
        "ivt.current gain 1.02",
        "ivt.u1 noise 0.5V",
        "ivt.u2 dropout",
        "ivt.u3 offset 2V",
        "ivt.temperature stuck 80degC",
        "gas.h2 stuck 500ppm",
        "gas.co drift 10ppm/h",
        "gas.co2 noise 50ppm",
        "press.stack offset 20kPa",
        "press.enclosure stuck 1500Pa",
        "press.expansion drift 100um/h",
        "smoke.obscuration stuck 5%/m",
        "imd.resistance stuck 80kOhm",
        "charger.current offset 2A",
        "charger.voltage gain 0.98",
        "charger.output stuck 20A",
        "cmu2.wire[4] open",
        "cmu2.wire[0] open",
        "cmu7.temperature[7] open",
        "cmu7.temperature[8] shorted",
        "cmu4 silent",
        "cmu4 bus-off",
        "ivt delay 30ms",
        "smoke babble 0x0 2000/s",
        "gas dlc 5",
        "cmu1 bad-counter",
        "cmu1 bad-crc",
        "contactors.main-plus welded",
        "contactors.main-minus fail-to-close",
        "contactors.precharge welded",
        "charger output-fault",
        "charger overtemperature",
    ]

    @Test(arguments: canonical)
    func canonicalFormsRoundTrip(_ text: String) throws {
        let fault = try SensorFault(parsing: text)
        #expect(fault.description == text)
        #expect(try SensorFault(parsing: fault.description) == fault)
    }

    @Test func valuesAndUnitsAreConverted() throws {
        #expect(try SensorFault(parsing: "cmu3.voltage[5] stuck 3700mV") == .value(.cellVoltage(board: 3, group: 5), .stuck(3.7)))
        #expect(try SensorFault(parsing: "cmu3.voltage[5]   stuck   3.7 V") == .value(.cellVoltage(board: 3, group: 5), .stuck(3.7)))
        #expect(try SensorFault(parsing: "ivt.current offset -500mA") == .value(.current, .offset(-0.5)))
        #expect(try SensorFault(parsing: "gas.h2 gain +20%") == .value(.hydrogen, .gain(1.2)))
        #expect(try SensorFault(parsing: "gas.h2 gain -5%") == .value(.hydrogen, .gain(0.95)))
        #expect(try SensorFault(parsing: "imd.resistance stuck 0.2MOhm") == .value(.insulationResistance, .stuck(200)))
        #expect(try SensorFault(parsing: "cmu1.voltage[1] drift 2mV/h") == .value(.cellVoltage(board: 1, group: 1), .drift(perHour: 0.002)))
        #expect(try SensorFault(parsing: "cmu1.voltage[1] stuck 4") == .value(.cellVoltage(board: 1, group: 1), .stuck(4)))
        #expect(try SensorFault(parsing: "ivt delay 0.05s") == .bus(.currentSensor, .delay(milliseconds: 50)))
        #expect(try SensorFault(parsing: "cmu2 babble 0x1ABCDE 10/s") == .bus(.cellMonitor(2), .babble(identifier: try CANID(extended: 0x1ABCDE), framesPerSecond: 10)))
        #expect(try SensorFault(parsing: "press.stack noise 1e3Pa") == .value(.stackPressure, .noise(standardDeviation: 1)))
    }

    /// (text, column of the problem, words the reason must contain)
    static let bad: [(String, Int, String)] = [
        ("", 1, "expected a node"),
        ("cmu0.voltage[1] stuck 3V", 1, "unknown node 'cmu0'"),
        ("bms silent", 1, "unknown node 'bms'"),
        ("cmu3.voltage stuck 3V", 6, "needs a 1-based index"),
        ("cmu3.voltage[0] stuck 3V", 14, "must be 1 or more"),
        ("cmu3.voltage[x] stuck 3V", 14, "not a whole number"),
        ("cmu3.voltage[2 stuck 3V", 14, "missing ']'"),
        ("cmu3.volts[2] stuck 3V", 6, "unknown channel 'volts'"),
        ("ivt.current[2] stuck 3A", 5, "takes no index"),
        ("cmu3.voltage[2] stuck 3A", 23, "unit 'A' does not fit"),
        ("cmu3.voltage[2] stuck", 22, "expected a value in V"),
        ("cmu3.voltage[2] stuck nan", 23, "finite number"),
        ("cmu3.voltage[2] explode", 17, "unknown fault 'explode'"),
        ("cmu3.voltage[2] drift 2mV", 23, "rate per hour"),
        ("cmu3.voltage[2] noise -1mV", 23, "must not be negative"),
        ("cmu3.voltage[2] gain lots", 22, "not a factor"),
        ("cmu3.wire[3] shorted", 14, "can only be 'open'"),
        ("cmu3.wire open", 6, "needs an index"),
        ("ivt.u1 open", 8, "unknown fault 'open'"),
        ("cmu3 explode", 6, "unknown fault 'explode'"),
        ("cmu3 delay 5", 12, "needs a unit"),
        ("cmu3 delay -5ms", 12, "0 ms or more"),
        ("cmu3 dlc 9", 10, "0...8"),
        ("cmu3 babble 0x800000000 10/s", 13, "not a CAN identifier"),
        ("cmu3 babble 0x100 fast", 19, "rate"),
        ("cmu3 babble 0x100 1e9/s", 19, "exceeds any CAN bus"),
        ("cmu3 output-fault", 6, "is a charger fault"),
        ("contactors.main welded", 12, "unknown contactor 'main'"),
        ("contactors.precharge melted", 22, "unknown contactor fault"),
        ("cmu3 silent please", 13, "unexpected 'please'"),
    ]

    @Test(arguments: 0..<bad.count)
    func badTextsNameColumnAndProblem(_ index: Int) {
        let (text, column, reason) = Self.bad[index]
        do {
            let fault = try SensorFault(parsing: text)
            Issue.record("'\(text)' parsed as \(fault)")
        } catch {
            #expect(error.column == column, "'\(text)': \(error)")
            #expect(error.reason.contains(reason), "'\(text)': \(error)")
            #expect(error.description.contains("column \(column)"))
        }
    }

    @Test func faultsKnowTheirNode() throws {
        #expect(try SensorFault(parsing: "cmu3.wire[1] open").node == .cellMonitor(3))
        #expect(try SensorFault(parsing: "contactors.precharge welded").node == .contactors)
        #expect(try SensorFault(parsing: "charger.output stuck 1A").node == .charger)
        #expect(try SensorFault(parsing: "imd bus-off").node == .insulationMonitor)
    }
}
