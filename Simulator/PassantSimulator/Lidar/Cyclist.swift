// Cyclists (and scooters) on the walkway: fast, elongated, never pedestrians.

/// Someone riding through along the walkway at constant speed.
public struct Cyclist: Sendable, Hashable {
    public var id: Int
    public var direction: WalkDirection
    /// m/s.
    public var speed: Double
    /// Distance of the centre from the walkway's near edge (m).
    public var lateral: Double
    /// When the centre passes y = 0 (s).
    public var crossingTime: Double

    /// The centre's y at `time`; riders enter 8 m before the line and leave 8 m after.
    public func y(at time: Double) -> Double {
        let travelled = (time - crossingTime) * speed
        return direction == .aToB ? travelled : -travelled
    }

    public var startTime: Double { crossingTime - Self.reach / speed }
    public var endTime: Double { crossingTime + Self.reach / speed }
    public static let reach = 8.0
}

/// Poisson arrivals of cyclists per direction, from their own random stream (adding cyclists leaves
/// the pedestrians of a seed unchanged).
public struct CyclistGenerator: Sendable {
    private var random: SeededRandom
    private var next: [Double]
    private let rates: [Double]
    private var nextID = 0
    private let walkwayWidth: Double

    /// `perHour` riders each way.
    public init(perHourAToB: Double, perHourBToA: Double, walkwayWidth: Double, seed: UInt64) {
        random = SeededRandom(seed: seed, stream: "cyclists")
        rates = [perHourAToB / 3600, perHourBToA / 3600]
        self.walkwayWidth = walkwayWidth
        next = []
        next = rates.map { $0 > 0 ? random.exponential(rate: $0) : .infinity }
    }

    /// When the next cyclist enters (s).
    public var nextStart: Double { next.min() ?? .infinity }

    /// The next cyclist to enter.
    public mutating func take() -> Cyclist? {
        guard let index = next.indices.min(by: { next[$0] < next[$1] }), next[index].isFinite else {
            return nil
        }
        let start = next[index]
        next[index] += random.exponential(rate: rates[index])
        let speed = random.uniform(4.0...7.0)
        let cyclist = Cyclist(
            id: nextID, direction: index == 0 ? .aToB : .bToA, speed: speed,
            lateral: random.uniform(0.5...max(0.5, walkwayWidth - 0.5)),
            crossingTime: start + Cyclist.reach / speed)
        nextID += 1
        return cyclist
    }
}
