/// A tiny, fast, seedable generator (Steele, Lea and Flood, "Fast splittable pseudorandom number
/// generators", OOPSLA 2014). Used to seed ``Xoshiro256`` and for test data.
///
/// The same seed always gives the same sequence on every platform, which is what determinism needs.
public struct SplitMix64: RandomNumberGenerator, Hashable, Sendable {
    private var state: UInt64

    /// Creates a generator whose sequence is fixed by `seed`.
    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
