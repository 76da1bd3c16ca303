// swift-tools-version: 6.1
// Swift 6 language mode (the default for tools 6.x) gives complete strict-concurrency checking.
import PackageDescription

/// Settings every target shares: explicit `any`, imports internal unless stated.
let strictSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "bmsemu",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "bmsemu", targets: ["bmsemu"]),
        .library(name: "CANCore", targets: ["CANCore"]),
    ],
    dependencies: [
        // RealModule: exp/log/pow without Foundation in the pure core.
        .package(url: "https://github.com/apple/swift-numerics", from: "1.1.1"),
        // Command-line interface: subcommands, --help everywhere, validation errors.
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        // Structured logging in the shell (the pure core never logs).
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        // YAML for Firmware/ parameter files and scenarios, with line/column marks for errors.
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        // HdrHistogram: cycle-jitter and latency percentiles in the real-time runtime.
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", from: "0.2.0"),
        // Property-based testing on Swift Testing (tests only).
        .package(url: "https://github.com/x-sheep/swift-property-based", from: "2.0.1"),
        // Errno: named errno values and their strerror text for SocketCAN errors (no hand-made errno tables).
        .package(url: "https://github.com/apple/swift-system", from: "1.8.1"),
    ],
    targets: [
        // Pure core: CAN values and the candump log format. Imports nothing.
        .target(name: "CANCore", swiftSettings: strictSettings),
        // Pure core: seeded random streams for noise and spread (same seed, same numbers).
        .target(
            name: "SeededRandom",
            dependencies: [.product(name: "RealModule", package: "swift-numerics")],
            swiftSettings: strictSettings
        ),
        // Bus abstraction and the in-process virtual bus (deterministic, simulated time).
        .target(name: "CANTransport", dependencies: ["CANCore", "SeededRandom"], swiftSettings: strictSettings),
        // Pure core: lock-step co-simulation, scenarios, expectations, recorders.
        .target(name: "Emulator", dependencies: ["CANCore", "CANTransport", "CANDatabase", "CellPack", "SensorNodes", "BMSFirmware"], swiftSettings: strictSettings),
        // Pure core: JUnit XML and self-contained HTML/SVG reports of scenario runs.
        .target(name: "ScenarioReports", swiftSettings: strictSettings),
        // Pure core: DBC parser, signal codec, E2E counter/CRC, bus-load budget (Firmware/bms.dbc is read by the shell).
        .target(name: "CANDatabase", dependencies: ["CANCore"], swiftSettings: strictSettings),
        // Shell: typed, located reading of YAML files under Firmware/ and HIL/scenarios.
        .target(name: "FirmwareConfig", dependencies: ["Yams", "CANCore", "CANTransport", "CellPack", "BMSFirmware", "Emulator", "SensorNodes"], swiftSettings: strictSettings),
        // Pure core: the virtual cell pack (ECM, thermal, degradation, dendrites, abuse, pack topology).
        .target(
            name: "CellPack",
            dependencies: ["SeededRandom", .product(name: "RealModule", package: "swift-numerics")],
            swiftSettings: strictSettings
        ),
        // Pure core: the BMS controller reducer (state machine, protections, SOC/SOH, TR detection, healing).
        .target(
            name: "BMSFirmware",
            // CANDatabase: the bus interface decodes and encodes the frames of Firmware/bms.dbc.
            dependencies: ["CANCore", "CANDatabase", .product(name: "RealModule", package: "swift-numerics")],
            swiftSettings: strictSettings
        ),
        // Pure core: emulated CAN sensor nodes and actuators (CMU/AFE, IVT-S, gas, pressure, smoke, IMD, charger,
        // contactors) with fault injection; frames encoded from Firmware/bms.dbc.
        .target(
            name: "SensorNodes",
            dependencies: [
                "CANCore", "CANDatabase", "CellPack", "SeededRandom", .product(name: "RealModule", package: "swift-numerics"),
            ],
            swiftSettings: strictSettings
        ),
        // Shell: clocks, deadline scheduling, signals, log files; runs the pure roles in real time.
        .target(
            name: "EmulatorRuntime",
            dependencies: [
                "CANCore", "CANTransport", "CANDatabase", "CellPack", "SensorNodes", "BMSFirmware", "Emulator", "FirmwareConfig",
                .product(name: "Histogram", package: "hdrhistogram-swift"),
            ],
            swiftSettings: strictSettings
        ),
        // Pure core: the remote test API (JSON-RPC 2.0 over lines): JSON codec, dispatch, model variables, captures.
        .target(name: "RemoteAPI", dependencies: ["CANCore", "CellPack", "SensorNodes", "Emulator"], swiftSettings: strictSettings),
        .executableTarget(
            name: "bmsemu",
            dependencies: [
                "CANCore", "CANDatabase", "CANTransport", "CellPack", "SensorNodes", "BMSFirmware", "Emulator", "EmulatorRuntime",
                "FirmwareConfig", "ScenarioReports", "SocketCAN", "RemoteAPI",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "bmsbench",
            dependencies: [
                "CANCore", "CANTransport", "CANDatabase", "CellPack", "BMSFirmware", "FirmwareConfig", "SensorNodes", "SocketCAN",
                "Emulator", "EmulatorRuntime",
            ],
            swiftSettings: strictSettings),
        .testTarget(
            name: "CANCoreTests",
            dependencies: ["CANCore", "SeededRandom", .product(name: "PropertyBased", package: "swift-property-based")],
            exclude: ["Fixtures"],
            swiftSettings: strictSettings
        ),
        .testTarget(name: "CANTransportTests", dependencies: ["CANTransport", "CANCore"], swiftSettings: strictSettings),
        .testTarget(
            name: "EmulatorTests",
            dependencies: ["Emulator", "CANCore", "CANTransport", "CANDatabase", "CellPack", "SensorNodes", "BMSFirmware", "FirmwareConfig"],
            swiftSettings: strictSettings
        ),
        .testTarget(name: "ScenarioReportsTests", dependencies: ["ScenarioReports"], swiftSettings: strictSettings),
        .testTarget(name: "EmulatorRuntimeTests", dependencies: ["EmulatorRuntime", "CANCore"], swiftSettings: strictSettings),
        .testTarget(
            name: "CANDatabaseTests",
            dependencies: [
                "CANDatabase", "CANCore", "SeededRandom", .product(name: "PropertyBased", package: "swift-property-based"),
            ],
            exclude: ["Fixtures", "Peers"],
            swiftSettings: strictSettings
        ),
        // C view of the Linux SocketCAN headers and libsocketcan (netlink interface control); no logic.
        .target(
            name: "CSocketCAN",
            cSettings: [.define("_GNU_SOURCE")],
            linkerSettings: [.linkedLibrary("socketcan")]
        ),
        // Shell: SocketCAN CAN_RAW transport and interface control. Syscalls are mockable in debug builds.
        .target(
            name: "SocketCAN",
            dependencies: [
                "CANCore", "CANTransport", "CSocketCAN",
                .product(name: "SystemPackage", package: "swift-system"),
            ],
            swiftSettings: strictSettings + [.define("ENABLE_MOCKING", .when(configuration: .debug))]
        ),
        .testTarget(
            name: "SocketCANTests",
            dependencies: ["SocketCAN", "CANCore", "CANTransport", "SeededRandom"],
            swiftSettings: strictSettings + [.define("ENABLE_MOCKING", .when(configuration: .debug))]
        ),
        .testTarget(name: "FirmwareConfigTests", dependencies: ["FirmwareConfig", "BMSFirmware", "SensorNodes", "Emulator", "CellPack", "CANCore", "CANTransport"], swiftSettings: strictSettings),
        .testTarget(name: "CellPackTests", dependencies: ["CellPack", "FirmwareConfig", "SeededRandom"], swiftSettings: strictSettings),
        .testTarget(
            name: "BMSFirmwareTests",
            dependencies: [
                "BMSFirmware", "FirmwareConfig", "SeededRandom", "CellPack", "CANDatabase", "CANCore",
                .product(name: "RealModule", package: "swift-numerics"),
                .product(name: "PropertyBased", package: "swift-property-based"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "SensorNodesTests",
            dependencies: ["SensorNodes", "CANCore", "CANDatabase", "CellPack", "SeededRandom", "FirmwareConfig"],
            exclude: ["Peers"],
            swiftSettings: strictSettings
        ),
        // The foxBMS 2 bus profile: Firmware/foxbms/foxbms-compat.dbc, the AFE/IVT restbus and the 0x210 sender,
        // checked against the pack and, with python3 + cantools, against an independent decoder.
        .testTarget(
            name: "FoxBMSProfileTests",
            dependencies: [
                "SensorNodes", "CANCore", "CANDatabase", "CellPack", "FirmwareConfig", "SeededRandom",
                // The pack participant in the profile on simulated time, and the built bmsemu on real vcan.
                "Emulator", "EmulatorRuntime", "CANTransport",
            ],
            exclude: ["Peers"],
            swiftSettings: strictSettings
        ),
        // The remote test API: decoder fuzzing, dispatch against a live scenario run, and the pytest example in
        // HIL/python run against the built bmsemu binary; the labelled log replays under HIL/replay.
        .testTarget(
            name: "RemoteAPITests",
            dependencies: [
                "RemoteAPI", "Emulator", "EmulatorRuntime", "CANCore", "SeededRandom",
            ],
            swiftSettings: strictSettings
        ),
        // Multi-process HIL on vcan0: bmsemu firmware, bmsemu pack --no-vcu and the python-can VCU peer
        // (HIL/python/vcu_peer.py) as separate processes, captured by candump -L and decoded with cantools,
        // compared with the lock-step run; fault-to-open latency from kernel timestamps (HIL/multiprocess.sh).
        .testTarget(
            name: "HILTests",
            dependencies: ["Emulator", "EmulatorRuntime", "BMSFirmware", "SocketCAN"],
            swiftSettings: strictSettings
        ),
    ]
)
