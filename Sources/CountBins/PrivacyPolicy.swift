// The site's privacy policy, applied to a bin once, when it closes, before it is stored: what is
// stored is what is sent, and the true counts are gone. Pure: the random source is passed in (the
// daemon passes `SystemRandomNumberGenerator`, which is getrandom(2) on Linux; tests a seeded one).

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Small-count suppression and differential-privacy noise for a site's bins.
///
/// **Order: noise first, then suppression.** With noise on, each direction's count becomes
/// `max(0, count + Z)`, then a result in `1…minimumCount−1` is published as 0 and the bin flagged
/// `suppressed`. Suppressing after the noise is post-processing of an ε-differentially-private
/// value, so the guarantee holds whatever the threshold. The other order would decide on the *true*
/// count: moving one person in or out of a bin could then change the output by `minimumCount`, not
/// by 1, and the `suppressed` flag itself would tell exactly that the true count was small.
///
/// **Noise: the two-sided geometric mechanism** (the discrete Laplace): `P(Z = k) ∝ α^|k|` with
/// `α = e^−ε`. One person is at most one crossing in one direction of one bin (sensitivity 1 per
/// bin and direction), so each published count is ε-differentially private for that person in
/// that bin; a person seen in several bins (or both directions) spends ε in each. `Z` has mean 0
/// and variance `2α/(1−α)²`.
///
/// **Bias from clamping at 0.** Counts cannot be negative (receivers and the store refuse them), so a
/// negative result is published as 0. That makes small counts biased upwards: for a true 0 the
/// expected published value is `α/(1−α²)` (0.43 at ε = 1, 2.5 at ε = 0.2). Large counts are
/// unbiased. Analysts summing many quiet bins should know this; the `noised` flag says which bins.
///
/// Suppression alone (no noise) is not differential privacy: the `suppressed` flag says that a
/// direction saw between 1 and `minimumCount − 1` people, without saying how many.
public struct PrivacyPolicy: Sendable, Hashable {
    /// `minimum_count`: counts from 1 to `minimumCount − 1` are published as 0 and the bin flagged
    /// `suppressed`. 1 (the default) suppresses nothing.
    public var minimumCount: Int
    /// `noise.epsilon`: the privacy budget per person, bin and direction; nil for no noise. Smaller
    /// is more private and noisier.
    public var epsilon: Double?

    public init(minimumCount: Int = 1, epsilon: Double? = nil) {
        self.minimumCount = max(1, minimumCount)
        self.epsilon = epsilon
    }

    /// No suppression, no noise: bins are stored as counted.
    public static let off = PrivacyPolicy()

    /// Whether the policy changes anything.
    public var isActive: Bool { minimumCount > 1 || epsilon != nil }

    /// `α = e^−ε`, the ratio between the probabilities of neighbouring noise values.
    public var alpha: Double? { epsilon.map { exp(-$0) } }

    /// The variance of the noise added to each count, `2α/(1−α)²`; nil without noise. Noise of
    /// independent bins adds up: a day of 96 quarter-hour bins carries 96 times this variance.
    public var noiseVariance: Double? {
        alpha.map { 2 * $0 / ((1 - $0) * (1 - $0)) }
    }

    /// The bin as it may be stored and sent: noised (when `epsilon` is set), then with small counts
    /// suppressed, flagged accordingly. Draws one noise value per count (two directions, and two more
    /// for fast movers when the bin has them) from `generator`; call it once per bin, when it closes,
    /// and keep the result. Fast movers are people too: their counts get the same treatment.
    public func apply(to bin: CountBin, using generator: inout some RandomNumberGenerator) -> CountBin {
        guard isActive else { return bin }
        var bin = bin
        var suppressed = false
        func publish(_ count: inout Int) {
            if epsilon != nil { count = max(0, count + noise(using: &generator)) }
            if (1..<minimumCount).contains(count) {
                count = 0
                suppressed = true
            }
        }
        publish(&bin.aToB)
        publish(&bin.bToA)
        if var fast = bin.fastMovers {
            publish(&fast.aToB)
            publish(&fast.bToA)
            bin.fastMovers = fast
        }
        if epsilon != nil { bin.flags.insert(.noised) }
        if suppressed { bin.flags.insert(.suppressed) }
        return bin
    }

    /// One draw of the two-sided geometric noise `Z`, `P(Z = k) = (1−α)/(1+α)·α^|k|`; 0 without noise.
    ///
    /// The difference of two independent one-sided geometric variables `G` with `P(G = k) = (1−α)α^k`
    /// has exactly this law. Each `G` is drawn by inversion: for `U` uniform in (0, 1],
    /// `G = ⌊ln U / ln α⌋`, since `P(G ≥ k) = P(U ≤ α^k) = α^k`.
    public func noise(using generator: inout some RandomNumberGenerator) -> Int {
        guard let alpha, alpha > 0, alpha < 1 else { return 0 }
        return Self.geometric(alpha, using: &generator) - Self.geometric(alpha, using: &generator)
    }

    static func geometric(_ alpha: Double, using generator: inout some RandomNumberGenerator) -> Int {
        // 1 − [0, 1) is (0, 1]: ln U is finite. Capped far beyond anything plausible (ε ≥ 0.01 makes
        // a draw above 10⁴ a 1-in-e^100 event) so that the conversion to Int cannot trap.
        let uniform = 1 - Double.random(in: 0..<1, using: &generator)
        let value = (log(uniform) / log(alpha)).rounded(.down)
        return Int(min(value, 1_000_000))
    }
}
