// What a single-point rangefinder looking across the walkway sees: the nearest body in its line of sight,
// or the opposite wall, or nothing. Computed from the walkway model directly (positions, widths, lateral
// places), never from the counting code.

/// Where the rangefinders are and what they look at.
///
/// Both sensors sit at the walkway's near edge (lateral 0), about hip height, looking straight across:
/// channel A's line of sight at walking position 0 (where beam A would be), B's at `spacing`.
public struct RangeGeometry: Sendable, Hashable {
    /// Distance to the opposite surface (m), or nil when there is none within range (an open square).
    public var wall: Double?
    /// Share of the light the wall sends back (0–1): painted render 0.4–0.8, dark brick 0.1.
    public var wallReflectivity: Double
    /// The spot's radius at the sensor, plus its growth per metre (TFmini: 2° beam, 3.5 cm/m) (m).
    public var spotRadius: Double
    public var spotGrowthPerMetre: Double

    public init(
        wall: Double? = 3.0, wallReflectivity: Double = 0.5, spotRadius: Double = 0.01,
        spotGrowthPerMetre: Double = 0.0175
    ) {
        self.wall = wall
        self.wallReflectivity = wallReflectivity
        self.spotRadius = spotRadius
        self.spotGrowthPerMetre = spotGrowthPerMetre
    }

    public var problems: [String] {
        var problems: [String] = []
        if let wall, !(0.3...12).contains(wall) {
            problems.append("wall distance \(wall) m is outside 0.3–12 m")
        }
        if !(0.01...1).contains(wallReflectivity) { problems.append("wall reflectivity must be 0.01–1") }
        return problems
    }
}

/// One line of sight at one instant: the surfaces it meets, nearest first.
public struct RangeTarget: Sendable, Hashable {
    /// Distance (m).
    public var distance: Double
    /// Share of light returned (0–1).
    public var reflectivity: Double
    /// Share of the spot this surface covers (0–1); the rest falls on what lies behind.
    public var cover: Double

    public init(distance: Double, reflectivity: Double, cover: Double) {
        self.distance = distance
        self.reflectivity = reflectivity
        self.cover = cover
    }
}

/// The people on the walkway, pulled from the generator as time advances, and what each line of sight
/// meets.
public struct RangeScene: Sendable {
    public let geometry: RangeGeometry
    public let spacing: Double
    private var generator: PedestrianGenerator
    /// People on the walkway and their clothing's reflectivity.
    private var active: [(person: Pedestrian, reflectivity: Double)] = []
    private var generated: [Pedestrian] = []

    public init(generator: PedestrianGenerator, spacing: Double, geometry: RangeGeometry) {
        self.generator = generator
        self.spacing = spacing
        self.geometry = geometry
    }

    /// The people who have entered since the last call, for the ground truth.
    public mutating func takePedestrians() -> [Pedestrian] {
        defer { generated.removeAll(keepingCapacity: true) }
        return generated
    }

    /// Brings everyone who has arrived by `time` (s) onto the walkway and lets go of those who left.
    public mutating func advance(to time: Double) {
        while generator.nextArrival <= time, let person = generator.next() {
            active.append((person, Self.reflectivity(of: person)))
            generated.append(person)
        }
        active.removeAll { $0.person.trajectory.endTime < time }
    }

    /// What the line of sight at walking position `position` (m) meets at `time` (s): the nearest
    /// body covering any of the spot, then the wall. Empty when it meets nothing.
    public func targets(at position: Double, time: Double, into targets: inout [RangeTarget]) {
        targets.removeAll(keepingCapacity: true)
        for (person, reflectivity) in active {
            let centre = person.trajectory.position(at: time)
            let distance = max(0.03, person.lateral - person.width / 2)
            let radius = geometry.spotRadius + geometry.spotGrowthPerMetre * distance
            let low = max(centre - person.depth / 2, position - radius)
            let high = min(centre + person.depth / 2, position + radius)
            guard high > low else { continue }
            let cover = min(1, (high - low) / (2 * radius))
            targets.append(RangeTarget(distance: distance, reflectivity: reflectivity, cover: cover))
        }
        if targets.count > 1 { targets.sort { $0.distance < $1.distance } }
        if let wall = geometry.wall {
            targets.append(RangeTarget(distance: wall, reflectivity: geometry.wallReflectivity, cover: 1))
        }
    }

    /// Clothing from black (0.04) to white (0.9), fixed per person: drawn from the id alone, so the
    /// walkway's random streams are untouched.
    static func reflectivity(of person: Pedestrian) -> Double {
        var random = SeededRandom(seed: UInt64(truncatingIfNeeded: person.id), stream: "clothing")
        return random.uniform(0.04...0.9)
    }
}
