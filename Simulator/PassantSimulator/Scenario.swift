// Named, reproducible walkways. A scenario plus a seed fixes every person, every byte and the truth.

/// A named preset of walkway parameters.
public struct Scenario: Sendable, Hashable {
    public var name: String
    /// One line for `--help` and logs.
    public var summary: String
    public var walkway: WalkwayParameters
    /// Cyclists per hour each way. Only a LiDAR sees them (they ride past two beams at hip height as a
    /// blur that a PCNT node does not report).
    public var cyclistsPerHour: Double

    public init(name: String, summary: String, walkway: WalkwayParameters, cyclistsPerHour: Double = 0) {
        self.name = name
        self.summary = summary
        self.walkway = walkway
        self.cyclistsPerHour = cyclistsPerHour
    }

    /// 60 people per hour each way, all alone, all walking straight through.
    public static let sparse = Scenario(
        name: "sparse", summary: "60/h each way, singles walking straight through",
        walkway: WalkwayParameters(ratePerHourAToB: 60, ratePerHourBToA: 60))

    /// About 600 people per hour in all, some pairs and the odd group, pause or turn-back.
    public static let moderate = Scenario(
        name: "moderate", summary: "300/h each way, some pairs and groups, rare pauses and turn-backs",
        walkway: WalkwayParameters(
            ratePerHourAToB: 300, ratePerHourBToA: 300, pairShare: 0.15, groupShare: 0.03, pauseShare: 0.01,
            turnBackShare: 0.02))

    /// About 2500 people per hour in all: many pairs and groups, short headways, people queueing.
    public static let dense = Scenario(
        name: "dense", summary: "1250/h each way, many pairs and groups, short headways",
        walkway: WalkwayParameters(
            ratePerHourAToB: 1250, ratePerHourBToA: 1250, pairShare: 0.30, groupShare: 0.12, pauseShare: 0.01,
            turnBackShare: 0.02, followingGapRange: 0.05...0.30))

    /// A quiet walkway where many people turn back, half of them after reaching the far beam.
    public static let turnBacks = Scenario(
        name: "turnbacks", summary: "120/h each way, 40% of them turn back in the beams",
        walkway: WalkwayParameters(
            ratePerHourAToB: 120, ratePerHourBToA: 120, turnBackShare: 0.4, turnBackDeepShare: 0.5))

    /// A quiet walkway where many people stop inside the beams for 1–8 s.
    public static let pauses = Scenario(
        name: "pauses", summary: "120/h each way, 30% of them stop in the beams for 1-8 s",
        walkway: WalkwayParameters(ratePerHourAToB: 120, ratePerHourBToA: 120, pauseShare: 0.3))

    /// A technician's walk test: 5 walks A→B, then 5 back (`--walks` sets how many).
    public static let walkTest = Scenario(
        name: "walk-test", summary: "a technician walking 5 times A->B, then 5 times back",
        walkway: WalkwayParameters(walkTest: 5))

    /// Mostly pairs and groups of three or four walking side by side.
    public static let groups = Scenario(
        name: "groups", summary: "400/h each way, 40% pairs and 30% groups of 3-4",
        walkway: WalkwayParameters(
            ratePerHourAToB: 400, ratePerHourBToA: 400, pairShare: 0.4, groupShare: 0.3))

    /// A shared path: walkers and, among them, cyclists at 4–7 m/s (LD06 only).
    public static let cyclists = Scenario(
        name: "cyclists", summary: "150/h walkers and 60/h cyclists each way (cyclists: LD06 only)",
        walkway: WalkwayParameters(ratePerHourAToB: 150, ratePerHourBToA: 150, pairShare: 0.1),
        cyclistsPerHour: 60)

    /// Every named scenario.
    public static let all: [Scenario] = [sparse, moderate, dense, turnBacks, pauses, groups, cyclists, walkTest]

    /// The scenario called `name`, if there is one.
    public static func named(_ name: String) -> Scenario? {
        all.first { $0.name == name }
    }
}
