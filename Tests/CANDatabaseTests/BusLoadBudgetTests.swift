import CANCore
import CANDatabase
import Testing

@Suite("Bus-load budget")
struct BusLoadBudgetTests {
    static let timing = """
        BA_DEF_ BO_ "GenMsgCycleTime" INT 0 65535;
        BA_DEF_ BO_ "GenMsgSendType" ENUM "Cyclic","Spontaneous";
        BA_DEF_ BO_ "GenMsgDelayTime" INT 0 65535;
        BA_DEF_ BO_ "VFrameFormat" ENUM "StandardCAN","ExtendedCAN","reserved","J1939PG","reserved","reserved","reserved","reserved","reserved","reserved","reserved","reserved","reserved","reserved","StandardCAN_FD","ExtendedCAN_FD";
        BA_DEF_DEF_ "GenMsgCycleTime" 0;
        BA_DEF_DEF_ "GenMsgSendType" "Cyclic";
        BA_DEF_DEF_ "VFrameFormat" "StandardCAN";
        """

    @Test func countsWorstCaseBitsTimesFrameRate() throws {
        let database = try CANDatabase.parse(text: """
            BO_ 16 Standard8: 8 N
            BO_ 2147483665 Extended8: 8 N
            BO_ 18 Paged: 8 N
             SG_ Page M : 0|2@1+ (1,0) [0|0] "" N
             SG_ A m0 : 8|8@1+ (1,0) [0|0] "" N
             SG_ B m1 : 8|8@1+ (1,0) [0|0] "" N
             SG_ C m2 : 8|8@1+ (1,0) [0|0] "" N
             SG_ D m3 : 8|8@1+ (1,0) [0|0] "" N
            BO_ 19 OnEvent: 2 N
            BO_ 20 Silent: 1 N
            \(Self.timing)
            BA_ "GenMsgCycleTime" BO_ 16 10;
            BA_ "GenMsgCycleTime" BO_ 2147483665 10;
            BA_ "GenMsgCycleTime" BO_ 18 100;
            BA_ "GenMsgSendType" BO_ 19 1;
            BA_ "GenMsgDelayTime" BO_ 19 50;
            """)
        let budget = BusLoadBudget(database: database, nominalBitRate: 500_000)
        #expect(budget.entries.map(\.message) == ["Extended8", "Standard8", "Paged", "OnEvent"], "arbitration order: extended 0x11 has base id 0")
        #expect(budget.unbudgeted == ["Silent"])
        let byName = Dictionary(uniqueKeysWithValues: budget.entries.map { ($0.message, $0) })
        // Davis et al. 2007: 8-byte standard frame 135 bits, extended 160 bits, 2-byte standard 75 bits.
        #expect(byName["Standard8"]?.bitsPerFrame.nominalBits == 135)
        #expect(byName["Extended8"]?.bitsPerFrame.nominalBits == 160)
        #expect(byName["OnEvent"]?.bitsPerFrame.nominalBits == 75)
        #expect(byName["Standard8"]?.load == 100 * 135 / 500_000.0)
        #expect(byName["Extended8"]?.load == 100 * 160 / 500_000.0)
        #expect(byName["Paged"]?.framesPerCycle == 4)
        #expect(byName["Paged"]?.framesPerSecond == 40)
        #expect(byName["OnEvent"]?.framesPerSecond == 20)
        let bitsPerSecond: Double = 100 * 135 + 100 * 160 + 40 * 135 + 20 * 75
        let expected = bitsPerSecond / 500_000
        #expect(abs(budget.load - expected) < 1e-12)
        #expect(budget.report.contains("Standard8") && budget.report.contains("not budgeted"))
    }

    @Test func canFDMessagesUseBothBitRates() throws {
        let database = try CANDatabase.parse(text: """
            BO_ 32 Fd64: 64 N
            \(Self.timing)
            BA_ "GenMsgCycleTime" BO_ 32 10;
            BA_ "VFrameFormat" BO_ 32 14;
            """)
        let frame = try CANFrame(fdID: try CANID(standard: 32), data: [UInt8](repeating: 0, count: 64), flags: .bitRateSwitch)
        let bits = frame.worstCaseBitLength
        let budget = BusLoadBudget(database: database, nominalBitRate: 500_000, dataBitRate: 2_000_000)
        #expect(budget.entries.first?.bitsPerFrame == bits)
        let expected = 100 * (Double(bits.nominalBits) / 500_000 + Double(bits.dataPhaseBits) / 2_000_000)
        #expect(abs(budget.load - expected) < 1e-12)
        #expect(budget.report.contains("2000 kbit/s data"))
    }

    @Test func defaultPackStaysUnderHalfOfA500kClassicBus() throws {
        let database = try TestFiles.bmsDatabase()
        let budget = BusLoadBudget(database: database, nominalBitRate: 500_000)
        print(budget.report)
        #expect(budget.unbudgeted.isEmpty)
        #expect(budget.entries.count == database.messages.count)
        #expect(budget.load < 0.5, "worst-case load \(budget.load * 100) % exceeds 50 %")
        // The firmware reads on the order of a thousand frames a second, not ten thousand.
        #expect(budget.framesPerSecond > 500 && budget.framesPerSecond < 1500)
        let cells = try #require(budget.entries.first { $0.message == "CMU1_CellVoltages" })
        #expect(cells.framesPerCycle == 4 && cells.framesPerSecond == 40)
    }
}
