// A small, seeded pseudo-random generator. The simulator never touches system randomness: the same seed
// gives the same walkway, the same faults and the same bytes on every machine and every Swift version
// (which is also why it does not lean on the standard library's `random(in:using:)` algorithms).

/// xoshiro256** seeded through SplitMix64, with the few distributions the walkway model needs.
public struct SeededRandom: Sendable, Hashable {
    private var s0: UInt64
    private var s1: UInt64
    private var s2: UInt64
    private var s3: UInt64

    /// A generator whose whole output is determined by `seed`.
    public init(seed: UInt64) {
        var splitMix = seed
        func nextSplitMix() -> UInt64 {
            splitMix &+= 0x9E37_79B9_7F4A_7C15
            var z = splitMix
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        s0 = nextSplitMix()
        s1 = nextSplitMix()
        s2 = nextSplitMix()
        s3 = nextSplitMix()
    }

    /// A generator for an independent purpose (one per walking direction, one for faults, …), so that
    /// changing one part of a scenario does not reshuffle the others.
    public init(seed: UInt64, stream: String) {
        // FNV-1a of the stream name, mixed into the seed.
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in stream.utf8 {
            hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3
        }
        self.init(seed: seed ^ hash)
    }

    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        let result = rotateLeft(s1 &* 5, 7) &* 9
        let t = s1 << 17
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = rotateLeft(s3, 45)
        return result
    }

    /// Uniform in [0, 1), 53 bits.
    public mutating func unit() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }

    /// Uniform in `range`.
    public mutating func uniform(_ range: ClosedRange<Double>) -> Double {
        range.lowerBound + (range.upperBound - range.lowerBound) * unit()
    }

    /// Uniform integer in `range`.
    public mutating func integer(in range: ClosedRange<Int>) -> Int {
        let span = UInt64(range.upperBound - range.lowerBound) + 1
        return range.lowerBound + Int(next() % span)
    }

    /// `true` with probability `probability`.
    public mutating func chance(_ probability: Double) -> Bool {
        unit() < probability
    }

    /// Exponentially distributed with the given rate (mean `1 / rate`): the gap between Poisson events.
    public mutating func exponential(rate: Double) -> Double {
        -SimMath.log(1 - unit()) / rate
    }

    /// Normally distributed (Marsaglia's polar method).
    public mutating func normal(mean: Double, standardDeviation: Double) -> Double {
        while true {
            let u = 2 * unit() - 1
            let v = 2 * unit() - 1
            let s = u * u + v * v
            if s > 0 && s < 1 {
                return mean + standardDeviation * u * (-2 * SimMath.log(s) / s).squareRoot()
            }
        }
    }

    private func rotateLeft(_ x: UInt64, _ k: UInt64) -> UInt64 {
        (x << k) | (x >> (64 - k))
    }
}

/// The one transcendental function the model needs, written out so the library needs neither Foundation
/// nor the C library, and gives the same bits everywhere.
enum SimMath {
    static let ln2 = 0.693_147_180_559_945_309_417_232_121_458

    /// Natural logarithm of a positive, finite `x`.
    static func log(_ x: Double) -> Double {
        precondition(x > 0 && x.isFinite, "log of \(x)")
        var exponent = Double(x.exponent)
        var mantissa = x.significand  // [1, 2)
        if mantissa > 1.414_213_562_373_095_1 {
            mantissa /= 2
            exponent += 1
        }
        // log(m) = 2 atanh(z), z = (m - 1) / (m + 1), |z| < 0.172: 14 terms are past double precision.
        let z = (mantissa - 1) / (mantissa + 1)
        let z2 = z * z
        var term = z
        var sum = 0.0
        var k = 1.0
        for _ in 0..<14 {
            sum += term / k
            term *= z2
            k += 2
        }
        return 2 * sum + exponent * ln2
    }
}
