import CountBins
import Yams

// The `privacy:` section: the site's policy for what its bins may say (see PRIVACY.md).
//
//     privacy:
//       minimum_count: 3        # counts 1…2 in a bin and direction are published as 0, flagged suppressed
//       noise: {epsilon: 1.0}   # two-sided geometric noise per count, drawn once when the bin closes
//
// Absent, bins are stored and sent as counted.

extension Configuration {
    /// `minimum_count` between 1 (suppress nothing) and this: more would hide whole quiet hours.
    public static let minimumCountRange = 1...100
    /// `noise.epsilon`: below 0.01 the noise (standard deviation ≈ 141) drowns any street; above 10
    /// it is practically never anything but 0 (α = e^−10 ≈ 0.00005), which would be noise in name only.
    public static let epsilonRange = 0.01...10.0
}

extension Reader {
    /// The `privacy:` section, or `.off` when it has errors (they are recorded).
    mutating func privacy(_ node: Node, key: String) -> PrivacyPolicy {
        let fields = mapping(node, key: key, allowed: ["minimum_count", "noise"])
        var minimum = 1
        if let value = fields["minimum_count"] {
            minimum =
                integer(value, key: "\(key).minimum_count", in: Configuration.minimumCountRange) ?? minimum
        }
        var epsilon: Double?
        if let noise = fields["noise"] {
            let entries = mapping(noise, key: "\(key).noise", allowed: ["epsilon"])
            if let value = entries["epsilon"] {
                epsilon = decimal(value, key: "\(key).noise.epsilon", in: Configuration.epsilonRange)
            } else if case .mapping = noise {
                fail(
                    noise, key: "\(key).noise.epsilon",
                    "is missing; give the privacy budget per count, e.g. 'noise: {epsilon: 1.0}', or remove 'noise'"
                )
            }
        }
        return PrivacyPolicy(minimumCount: minimum, epsilon: epsilon)
    }
}
