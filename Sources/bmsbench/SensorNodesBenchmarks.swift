import CANCore
import CANDatabase
import CellPack
import FirmwareConfig
import Foundation
import SensorNodes

/// Emulated sensor nodes (`PackNodes` of `Firmware/nodes/default.yaml` on `Firmware/bms.dbc`, 96s2p):
/// frames encoded per second with every node running, the cost of a step when nothing is due, and the cost
/// of one simulated second at the 1 ms lock-step and at the 1 s aging step. References measured in the same
/// run: the bare codec path (MessageEncoder + E2ESender for one 8-byte message) and an arithmetic floor
/// (one comparison and one addition per iteration).
enum SensorNodesBenchmarks {
    /// A pack read lazily, with cheap per-quantity accessors (as a pack model would provide).
    struct Cells: CellTruthSource {
        var time = 0.0
        var cellCount: Int { 192 }
        func cell(_ index: Int) -> CellTruth? { nil }
        func groupVolts(_ group: Int, seriesCount: Int) -> Double? { 3.6 + 0.001 * Double(group) + 0.01 * time }
        func surfaceCelsius(_ index: Int) -> Double? { 25 + 0.01 * Double(index) + time }
        func thicknessMillimetres(_ index: Int) -> Double? { 8 + 1e-4 * time }
    }

    static func run() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let database = try CANDatabase.parse([UInt8](Data(contentsOf: root.appendingPathComponent("Firmware/bms.dbc"))))
        let configuration = try NodeConfigurationFile.load(path: root.appendingPathComponent("Firmware/nodes/default.yaml").path)
        let template = try PackNodes(configuration: configuration, database: database, seed: 1)
        let readings = PackReadings(
            packVolts: 355, linkVolts: 355, packCurrentAmps: -20, enclosureGasPPM: GasAmounts(hydrogen: 3), isolationOhms: 5e6)

        // Reference: encoding one 8-byte E2E-protected message with the codec directly.
        let codec = try database.codec(forMessageNamed: "CMU1_CellVoltages")
        let page = try codec.handle(named: "CMU1_VoltagePage")
        let cells = try ["CellVoltage001", "CellVoltage002", "CellVoltage003"].map { try codec.handle(named: $0) }
        let codecFrames = 1_000_000
        let codecPath = try Bench.measure("reference: codec encode + E2E, 1 message", operations: codecFrames) { () -> Int in
            var encoder = codec.encoder()
            var sender = E2ESender(profile: try E2EProfile(codec: codec))
            var checksum = 0
            for index in 0..<codecFrames {
                encoder.reset()
                try encoder.set(page, raw: 0)
                for handle in cells { try encoder.set(handle, raw: Int64(3_700 + index & 255)) }
                checksum &+= Int(try sender.protect(&encoder).data[7])
            }
            return checksum
        }

        // Every node running at the 1 ms lock-step for 100 simulated seconds: frames per second of CPU.
        let simulatedSeconds = 100
        func lockStep() -> Int {
            var nodes = template
            var source = Cells()
            var count = 0
            for step in 0..<(simulatedSeconds * 1_000) {
                source.time = Double(step) / 1_000
                count &+= nodes.step(nowNanoseconds: Int64(step) * 1_000_000, pack: readings, cells: source).count
            }
            return count
        }
        let framesSent = lockStep()
        let busy = Bench.measure("nodes, 1 ms steps, per frame sent", operations: framesSent, runs: 3) { lockStep() }
        Bench.note("  frames per simulated second", "\(framesSent / simulatedSeconds)")
        Bench.note("  vs bare codec + E2E", Bench.format(busy.nanosecondsPerOperation / codecPath.nanosecondsPerOperation, 2) + "x the codec's time per frame")
        Bench.note("  1 ms lock-step, CPU per simulated second", Bench.format(busy.bestNanoseconds / Double(simulatedSeconds) / 1e3, 1) + " µs")

        // The aging run's 1 s step: every node is due at every step.
        let agingSteps = 20_000
        let aging = Bench.measure("nodes, 1 s steps (per step = simulated second)", operations: agingSteps, runs: 3) { () -> Int in
            var nodes = template
            var source = Cells()
            var count = 0
            for step in 0..<agingSteps {
                source.time = Double(step) * 1e-3
                count &+= nodes.step(nowNanoseconds: Int64(step) * 1_000_000_000, pack: readings, cells: source).count
            }
            return count
        }
        Bench.note("  10^7 simulated seconds at 1 s steps", Bench.format(aging.nanosecondsPerOperation * 1e7 / 1e9, 1) + " s of CPU")

        // The same with CellPack's VirtualPack as the source (the pack is not stepped: this is the nodes' reading
        // cost; thermistors and the pressure stack read whole CellTruth values through `cell(_:)`).
        let cell = try CellParameterFile.load(path: root.appendingPathComponent("Firmware/cells/li-metal-ncm811-pouch.yaml").path)
        let packParameters = try PackParameterFile.load(path: root.appendingPathComponent("Firmware/packs/96s2p.yaml").path)
        let virtualPack = try VirtualPack(cell: cell, pack: packParameters, seed: 1)
        let virtualReadings = PackReadings(virtualPack.truth)
        let onPack = Bench.measure("nodes on VirtualPack, 1 s steps (per step)", operations: agingSteps, runs: 3) { () -> Int in
            var nodes = template
            var count = 0
            for step in 0..<agingSteps {
                count &+= nodes.step(nowNanoseconds: Int64(step) * 1_000_000_000, pack: virtualReadings, cells: virtualPack).count
            }
            return count
        }
        Bench.note("  reading VirtualPack vs cheap accessors", Bench.format(onPack.nanosecondsPerOperation / aging.nanosecondsPerOperation, 2) + "x the time per step")

        // A step when nothing is due (the common case at fine steps): the guard plus the IVT's charge counting.
        var idleNodes = template
        _ = idleNodes.step(nowNanoseconds: 0, pack: readings, cells: Cells())
        let idleBase = idleNodes.nextDueNanoseconds - 1_001
        let idleCount = 10_000_000
        let idle = Bench.measure("nodes, step with nothing due", operations: idleCount) { () -> Int in
            var nodes = idleNodes
            let source = Cells()
            var count = 0
            for index in 0..<idleCount {
                // Time runs forward in 1 ns steps (restarting every 1000) without reaching the next due event.
                count &+= nodes.step(nowNanoseconds: idleBase + Int64(index % 1_000), pack: readings, cells: source).count
            }
            return count
        }
        let floor = Bench.measure("floor: non-inlined call, compare, add", operations: idleCount) { () -> Int in
            var count = 0
            for index in 0..<idleCount { count &+= idleFloor(now: idleBase + Int64(index % 1_000), due: idleBase + 1_001) }
            return count
        }
        Bench.note("  idle step vs floor", Bench.format(idle.nanosecondsPerOperation / max(floor.nanosecondsPerOperation, 0.01), 1) + "x the floor's time")
    }
}

/// The cheapest conceivable idle step: a call that compares the time with the next due time.
@inline(never)
func idleFloor(now: Int64, due: Int64) -> Int {
    now >= due ? 1 : 0
}
