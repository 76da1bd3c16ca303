extension VirtualPack {
    /// Injects a physical fault. Faults persist until ``clearFaults()`` (a nail short and separator damage are
    /// permanent). Throws, without changing the pack, for a cell index outside the pack or a non-physical value.
    public mutating func inject(_ fault: PackFault) throws(PackFaultRejected) {
        func checkCell(_ cell: Int) throws(PackFaultRejected) {
            guard cell >= 0, cell < packConstants.cellCount else {
                throw PackFaultRejected(reason: "cell \(cell) is outside the pack (0..<\(packConstants.cellCount))")
            }
        }
        func positive(_ value: Double, _ name: String) throws(PackFaultRejected) {
            guard value.isFinite, value > 0 else { throw PackFaultRejected(reason: "\(name) must be a finite number above 0, got \(value)") }
        }
        switch fault {
        case .internalShort(let cell, let ohms):
            try checkCell(cell)
            try positive(ohms, "ohms")
            columns[.nailShort, cell] = max(columns[.nailShort, cell], 1 / ohms)
        case .externalShort(let ohms):
            try positive(ohms, "ohms")
            link.externalShortSiemens = 1 / ohms
        case .softShort(let cell, let siemens):
            try checkCell(cell)
            try positive(siemens, "siemens")
            columns[.forcedSoft, cell] = siemens
        case .separatorDamage(let cell, let fraction):
            try checkCell(cell)
            guard fraction.isFinite, (0...1).contains(fraction) else {
                throw PackFaultRejected(reason: "fraction must be within 0…1, got \(fraction)")
            }
            let damage = max(columns[.separatorDamage, cell], min(fraction, 0.99))
            let separator = cellConstants.separatorMicrometres
            columns.withCell(cell) { state, fixed in
                state.separatorDamage = damage
                fixed.inverseSeparatorMicrometres = damage == 0 ? 1 / separator : 1 / (separator * (1 - damage))
            }
        case .electrolyteLeak(let cell, let gramsPerHour):
            try checkCell(cell)
            try positive(gramsPerHour, "gramsPerHour")
            columns[.leakRate, cell] = gramsPerHour / 3_600
        case .isolationFault(let ohms):
            try positive(ohms, "ohms")
            link.isolationFaultSiemens = 1 / ohms
        }
    }

    /// Removes the faults that can be removed: external short, isolation fault, electrolyte leaks and forced
    /// soft shorts. Internal (nail) shorts and separator damage are physical damage and stay.
    public mutating func clearFaults() {
        link.externalShortSiemens = 0
        link.isolationFaultSiemens = 0
        for index in 0..<packConstants.cellCount {
            columns[.leakRate, index] = 0
            columns[.forcedSoft, index] = 0
        }
    }
}
