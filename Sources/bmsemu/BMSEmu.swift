import ArgumentParser

@main
struct BMSEmu: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bmsemu",
        abstract: "BMS firmware emulator: firmware, virtual Li-metal/NCM pack and sensor nodes on SocketCAN or a virtual bus.",
        discussion: """
            Run every role alone or together, on the embedded virtual bus, on vcan or on a real CAN interface, \
            in real time or as fast as the CPU allows. Exit codes: 0 success, 1 a scenario expectation failed, \
            2 bad input (arguments, files), 3 a runtime failure (bus, I/O).
            """,
        version: "0.1.0",
        subcommands: [DemoCommand.self, RunCommand.self, ScenarioCommand.self, FirmwareCommand.self, PackCommand.self, DBCCommand.self, LogCommand.self, MonitorCommand.self, ReplayCommand.self]
    )
}
