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
        // YAML for Firmware/ parameter files and scenarios, with line/column marks for errors.
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        // Property-based testing on Swift Testing (tests only).
        .package(url: "https://github.com/x-sheep/swift-property-based", from: "2.0.1"),
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
        .target(name: "CANTransport", dependencies: ["CANCore"], swiftSettings: strictSettings),
        // Pure core: DBC parser, signal codec, E2E counter/CRC, bus-load budget (Firmware/bms.dbc is read by the shell).
        .target(name: "CANDatabase", dependencies: ["CANCore"], swiftSettings: strictSettings),
        // Shell: typed, located reading of YAML files under Firmware/ and HIL/scenarios.
        .target(name: "FirmwareConfig", dependencies: ["Yams"], swiftSettings: strictSettings),
        .executableTarget(name: "bmsemu", dependencies: ["CANCore"], swiftSettings: strictSettings),
        .executableTarget(
            name: "bmsbench", dependencies: ["CANCore", "CANTransport", "CANDatabase"], swiftSettings: strictSettings),
        .testTarget(
            name: "CANCoreTests",
            dependencies: ["CANCore", "SeededRandom", .product(name: "PropertyBased", package: "swift-property-based")],
            exclude: ["Fixtures"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "CANDatabaseTests",
            dependencies: [
                "CANDatabase", "CANCore", "SeededRandom", .product(name: "PropertyBased", package: "swift-property-based"),
            ],
            exclude: ["Fixtures", "Peers"],
            swiftSettings: strictSettings
        ),
        .testTarget(name: "FirmwareConfigTests", dependencies: ["FirmwareConfig"], swiftSettings: strictSettings),
    ]
)
