// What the walkway is like: flows, how people walk and what they do. Named scenarios are presets of it.

/// The tunable description of a walkway and its pedestrians.
public struct WalkwayParameters: Sendable, Hashable {
    /// People per hour walking A→B (all people, including members of pairs and groups).
    public var ratePerHourAToB: Double
    /// People per hour walking B→A.
    public var ratePerHourBToA: Double
    /// Share of arrivals (walking units) that are two people side by side.
    public var pairShare: Double
    /// Share of arrivals that are groups of three or four (two abreast, in rows).
    public var groupShare: Double
    /// Share of single walkers who stop inside the beams.
    public var pauseShare: Double
    /// Share of single walkers who turn back in the beams.
    public var turnBackShare: Double
    /// Share of turn-backs that reach the far beam before turning.
    public var turnBackDeepShare: Double
    /// Walking speed: mean and standard deviation (m/s), clipped to `speedRange`.
    public var speedMean: Double
    public var speedStandardDeviation: Double
    public var speedRange: ClosedRange<Double>
    /// Body depth along the walking axis at beam height (m).
    public var depthRange: ClosedRange<Double>
    /// Body width (m).
    public var widthRange: ClosedRange<Double>
    /// How long a pause lasts (s).
    public var pauseRange: ClosedRange<Double>
    /// The least clear space a follower in single file keeps to the one ahead (m).
    public var followingGapRange: ClosedRange<Double>
    /// Distance between beam A and beam B (m).
    public var spacing: Double
    /// Width of the walkway (m).
    public var walkwayWidth: Double
    /// A technician's walk test instead of random people: this many walks A→B, then as many back,
    /// one at a time (`passant walk-test --expect N`).
    public var walkTest: Int?
    /// The walk test starts from the B side: what a sensor whose beams are wired the wrong way round
    /// sees of a technician starting from the A side.
    public var walkTestReversed = false

    /// A quiet walkway: 60 people per hour each way, everyone alone and walking through.
    public init(
        ratePerHourAToB: Double = 60, ratePerHourBToA: Double = 60, pairShare: Double = 0,
        groupShare: Double = 0, pauseShare: Double = 0, turnBackShare: Double = 0,
        turnBackDeepShare: Double = 0.5, speedMean: Double = 1.34, speedStandardDeviation: Double = 0.2,
        speedRange: ClosedRange<Double> = 0.5...2.5, depthRange: ClosedRange<Double> = 0.20...0.35,
        widthRange: ClosedRange<Double> = 0.40...0.60, pauseRange: ClosedRange<Double> = 1...8,
        followingGapRange: ClosedRange<Double> = 0.10...0.50, spacing: Double = 0.20,
        walkwayWidth: Double = 2.5, walkTest: Int? = nil
    ) {
        self.walkTest = walkTest
        self.ratePerHourAToB = ratePerHourAToB
        self.ratePerHourBToA = ratePerHourBToA
        self.pairShare = pairShare
        self.groupShare = groupShare
        self.pauseShare = pauseShare
        self.turnBackShare = turnBackShare
        self.turnBackDeepShare = turnBackDeepShare
        self.speedMean = speedMean
        self.speedStandardDeviation = speedStandardDeviation
        self.speedRange = speedRange
        self.depthRange = depthRange
        self.widthRange = widthRange
        self.pauseRange = pauseRange
        self.followingGapRange = followingGapRange
        self.spacing = spacing
        self.walkwayWidth = walkwayWidth
    }

    /// People per hour in `direction`.
    public func ratePerHour(_ direction: WalkDirection) -> Double {
        direction == .aToB ? ratePerHourAToB : ratePerHourBToA
    }

    /// Mean people per arrival: singles, pairs and groups of 3 or 4 (3.5 on average).
    public var meanUnitSize: Double {
        (1 - pairShare - groupShare) + 2 * pairShare + 3.5 * groupShare
    }

    /// Problems with the parameters, in words a tester can act on; empty when they are usable.
    public var problems: [String] {
        var problems: [String] = []
        if ratePerHourAToB < 0 || ratePerHourBToA < 0 { problems.append("rates must not be negative") }
        for (name, share) in [
            ("pairs", pairShare), ("groups", groupShare), ("pauses", pauseShare),
            ("turn-backs", turnBackShare), ("deep turn-backs", turnBackDeepShare),
        ] where !(0...1).contains(share) {
            problems.append("\(name) share \(share) must be between 0 and 1")
        }
        if pairShare + groupShare > 1 { problems.append("pairs + groups shares exceed 1") }
        if pauseShare + turnBackShare > 1 { problems.append("pauses + turn-backs shares exceed 1") }
        if !(0.05...1.0).contains(spacing) { problems.append("beam spacing \(spacing) m is not plausible") }
        if speedRange.lowerBound <= 0 { problems.append("speeds must be positive") }
        if depthRange.lowerBound <= 0 { problems.append("body depths must be positive") }
        return problems
    }
}
