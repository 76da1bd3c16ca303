/// How a foxBMS 2 build sees the pack, and which of the emulated pack's series groups each of its cell blocks
/// and temperature sensors reads.
///
/// foxBMS fixes its topology at compile time in `src/app/application/config/battery_system_cfg.h`
/// (`BS_NR_OF_STRINGS`, `BS_NR_OF_MODULES_PER_STRING`, `BS_NR_OF_CELL_BLOCKS_PER_MODULE`,
/// `BS_NR_OF_TEMP_SENSORS_PER_MODULE`; stock: 1 × 1 × 18 with 8 sensors). Its `debug-can` AFE driver numbers cell
/// blocks and sensors linearly, string-major, then module, then position in the module
/// (`src/app/driver/afe/debug/can/debug_can.c`); 0x270 page *k* carries cell blocks 4k...4k+3 and 0x280 page *k*
/// sensors 6k...6k+5. ``cellBlockGroups`` and ``temperatureSensorGroups`` map those linear indices onto the
/// emulated pack's series groups (0-based), so the mapping is explicit and can be any selection.
///
/// ```swift
/// // The default 96s2p pack as foxBMS sees it when built with 1 string × 8 modules × 12 cell blocks, 12 sensors:
/// let topology = FoxBMSTopology.matching(nodeConfiguration)
/// // A stock-sized foxBMS (1 × 1 × 18, 8 sensors) reading the first 18 groups of the pack:
/// let stock = FoxBMSTopology(strings: 1, modulesPerString: 1, cellBlocksPerModule: 18, temperatureSensorsPerModule: 8)
/// ```
public struct FoxBMSTopology: Hashable, Sendable {
    /// `BS_NR_OF_STRINGS`.
    public var strings: Int
    /// `BS_NR_OF_MODULES_PER_STRING`.
    public var modulesPerString: Int
    /// `BS_NR_OF_CELL_BLOCKS_PER_MODULE` (a cell block is a series group of parallel cells).
    public var cellBlocksPerModule: Int
    /// `BS_NR_OF_TEMP_SENSORS_PER_MODULE`.
    public var temperatureSensorsPerModule: Int
    /// For each foxBMS cell block (linear index), the pack's series group (0-based) whose voltage it reads.
    public var cellBlockGroups: [Int]
    /// For each foxBMS temperature sensor (linear index), the pack's series group (0-based) whose thermistor it
    /// reads.
    public var temperatureSensorGroups: [Int]

    /// Largest cell-block count the 0x270 layout carries (54 pages × 4).
    public static let maximumCellBlocks = 216
    /// Largest sensor count the 0x280 layout carries (30 pages × 6).
    public static let maximumTemperatureSensors = 180

    /// A topology with an explicit mapping.
    public init(
        strings: Int, modulesPerString: Int, cellBlocksPerModule: Int, temperatureSensorsPerModule: Int, cellBlockGroups: [Int],
        temperatureSensorGroups: [Int]
    ) {
        self.strings = strings
        self.modulesPerString = modulesPerString
        self.cellBlocksPerModule = cellBlocksPerModule
        self.temperatureSensorsPerModule = temperatureSensorsPerModule
        self.cellBlockGroups = cellBlockGroups
        self.temperatureSensorGroups = temperatureSensorGroups
    }

    /// A topology whose cell blocks read consecutive series groups from `firstGroup` on, with each module's
    /// sensors spread evenly over its cell blocks: sensor *t* of a module sits on its cell block
    /// ⌊(2t + 1) · cellBlocksPerModule / (2 · temperatureSensorsPerModule)⌋ (one sensor per cell block when the
    /// counts are equal).
    public init(strings: Int, modulesPerString: Int, cellBlocksPerModule: Int, temperatureSensorsPerModule: Int, firstGroup: Int = 0) {
        let modules = max(strings, 0) * max(modulesPerString, 0)
        let blocks = max(cellBlocksPerModule, 0)
        let sensors = max(temperatureSensorsPerModule, 0)
        var cellGroups: [Int] = []
        var sensorGroups: [Int] = []
        if modules > 0, blocks > 0 {
            for module in 0..<modules {
                let moduleStart = firstGroup + module * blocks
                for block in 0..<blocks { cellGroups.append(moduleStart + block) }
                if sensors > 0 {
                    for sensor in 0..<sensors { sensorGroups.append(moduleStart + (2 * sensor + 1) * blocks / (2 * sensors)) }
                }
            }
        }
        self.init(
            strings: strings, modulesPerString: modulesPerString, cellBlocksPerModule: cellBlocksPerModule,
            temperatureSensorsPerModule: temperatureSensorsPerModule, cellBlockGroups: cellGroups, temperatureSensorGroups: sensorGroups)
    }

    /// Parses `STRINGSxMODULESxBLOCKSxSENSORS`, optionally `@FIRSTGROUP` (0-based), into the default mapping:
    /// `1x8x12x12` (the default 96s pack), `1x1x18x8` (foxBMS's stock topology on the first 18 groups),
    /// `1x1x18x8@40` (on groups 40...57). Whether it fits a pack is checked by ``problems(seriesGroups:)``.
    ///
    /// - Throws: ``NodeSetupError`` naming the part that is not a whole number, or the wrong number of parts.
    public init(parsing text: String) throws(NodeSetupError) {
        let parts = text.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count <= 2 else { throw NodeSetupError("foxBMS topology '\(text)': at most one '@' (STRINGSxMODULESxBLOCKSxSENSORS[@FIRSTGROUP])") }
        let counts = parts[0].split(separator: "x", omittingEmptySubsequences: false)
        guard counts.count == 4 else {
            throw NodeSetupError("foxBMS topology '\(text)': expected 4 counts STRINGSxMODULESxBLOCKSxSENSORS, found \(counts.count)")
        }
        var numbers: [Int] = []
        for (name, part) in zip(["strings", "modules per string", "cell blocks per module", "temperature sensors per module"], counts) {
            guard let number = Int(part), number >= 0 else {
                throw NodeSetupError("foxBMS topology '\(text)': \(name) '\(part)' is not a whole number")
            }
            numbers.append(number)
        }
        var first = 0
        if parts.count == 2 {
            guard let number = Int(parts[1]), number >= 0 else {
                throw NodeSetupError("foxBMS topology '\(text)': first group '\(parts[1])' is not a whole number")
            }
            first = number
        }
        self.init(
            strings: numbers[0], modulesPerString: numbers[1], cellBlocksPerModule: numbers[2], temperatureSensorsPerModule: numbers[3],
            firstGroup: first)
    }

    /// The topology that mirrors the node configuration one to one: 1 string, one module per cell-monitoring
    /// board, one cell block and one temperature sensor per series group (8 × 12 for the default 96s2p pack).
    public static func matching(_ configuration: NodeConfiguration) -> FoxBMSTopology {
        FoxBMSTopology(
            strings: 1, modulesPerString: configuration.boardCount, cellBlocksPerModule: configuration.groupsPerBoard,
            temperatureSensorsPerModule: configuration.groupsPerBoard)
    }

    /// `BS_NR_OF_CELL_BLOCKS`.
    public var cellBlockCount: Int { strings * modulesPerString * cellBlocksPerModule }
    /// `BS_NR_OF_TEMP_SENSORS`.
    public var temperatureSensorCount: Int { strings * modulesPerString * temperatureSensorsPerModule }
    /// 0x270 pages one full cycle sends (4 cell blocks per frame).
    public var voltagePages: Int { (cellBlockCount + 3) / 4 }
    /// 0x280 pages one full cycle sends (6 sensors per frame).
    public var temperaturePages: Int { (temperatureSensorCount + 5) / 6 }

    /// `true` when the cell blocks read every series group of a pack of `seriesGroups`, in order: then the IVT's
    /// string voltage is the pack voltage.
    public func coversPack(seriesGroups: Int) -> Bool {
        cellBlockGroups == Array(0..<seriesGroups)
    }

    /// Every reason this topology cannot run on a pack of `seriesGroups` series groups (empty when it can).
    public func problems(seriesGroups: Int) -> [String] {
        var problems: [String] = []
        if strings != 1 {
            problems.append(
                "strings is \(strings): foxBMS 2 maps the IVT-S results 0x521...0x528 to string 0 only "
                    + "(can_cbs_rx_cs_isabellenhuette-ivt-s.c), so the current-sensor presence check never passes for a second string; use 1")
        }
        for (name, value) in [
            ("modulesPerString", modulesPerString), ("cellBlocksPerModule", cellBlocksPerModule),
            ("temperatureSensorsPerModule", temperatureSensorsPerModule),
        ] where value < 1 {
            problems.append("\(name) is \(value), must be at least 1")
        }
        guard problems.isEmpty else { return problems }
        if cellBlockCount > Self.maximumCellBlocks {
            problems.append("\(cellBlockCount) cell blocks exceed the \(Self.maximumCellBlocks) the 0x270 layout carries")
        }
        if temperatureSensorCount > Self.maximumTemperatureSensors {
            problems.append("\(temperatureSensorCount) sensors exceed the \(Self.maximumTemperatureSensors) the 0x280 layout carries")
        }
        if cellBlockGroups.count != cellBlockCount {
            problems.append("cellBlockGroups has \(cellBlockGroups.count) entries, the topology has \(cellBlockCount) cell blocks")
        }
        if temperatureSensorGroups.count != temperatureSensorCount {
            problems.append(
                "temperatureSensorGroups has \(temperatureSensorGroups.count) entries, the topology has \(temperatureSensorCount) sensors")
        }
        if let bad = cellBlockGroups.firstIndex(where: { !(0..<seriesGroups).contains($0) }) {
            problems.append("cell block \(bad) reads group \(cellBlockGroups[bad]); the pack has groups 0...\(seriesGroups - 1)")
        }
        if let bad = temperatureSensorGroups.firstIndex(where: { !(0..<seriesGroups).contains($0) }) {
            problems.append("temperature sensor \(bad) reads group \(temperatureSensorGroups[bad]); the pack has groups 0...\(seriesGroups - 1)")
        }
        if Set(cellBlockGroups).count != cellBlockGroups.count {
            problems.append("two cell blocks read the same series group (foxBMS would count its voltage twice in the string voltage)")
        }
        return problems
    }

    /// The `battery_system_cfg.h` lines a foxBMS build needs for this topology.
    public var batterySystemDefines: String {
        """
        #define BS_NR_OF_STRINGS                 (\(strings)u)
        #define BS_NR_OF_MODULES_PER_STRING      (\(modulesPerString)u)
        #define BS_NR_OF_CELL_BLOCKS_PER_MODULE  (\(cellBlocksPerModule)u)
        #define BS_NR_OF_TEMP_SENSORS_PER_MODULE (\(temperatureSensorsPerModule)u)
        """
    }
}
