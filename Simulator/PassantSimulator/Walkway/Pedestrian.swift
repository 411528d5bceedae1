// The people on the walkway. Coordinates: the walking axis runs from beam A (0 m) to beam B
// (`spacing`); a person walking A→B moves towards larger positions. Lateral position and width matter
// to no two-beam node; they are kept for the LiDAR renderers to come.

/// Which way someone walks.
public enum WalkDirection: String, Sendable, Hashable, CaseIterable {
    /// From the beam A side towards the beam B side.
    case aToB = "a_to_b"
    /// From the beam B side towards the beam A side.
    case bToA = "b_to_a"
}

/// What someone does in the counting zone.
public enum Behaviour: Sendable, Hashable {
    /// Walks straight through.
    case through
    /// Stops inside the beams for the given number of seconds, then walks on.
    case pause(seconds: Double)
    /// Walks in, turns around at `turnPoint` (metres along their own walking direction, beam they meet
    /// first at 0) and leaves where they came from.
    case turnBack(turnPoint: Double)
}

/// One person on the walkway, from the approach to the exit.
public struct Pedestrian: Sendable, Hashable {
    /// Unique within a run, in order of arrival.
    public var id: Int
    /// The walking unit (a single walker, a pair or a group); members share it.
    public var group: Int
    /// How many people walk in this unit.
    public var groupSize: Int
    public var direction: WalkDirection
    public var behaviour: Behaviour
    /// Free walking speed (m/s).
    public var speed: Double
    /// Extent of the body along the walking axis at beam height (m).
    public var depth: Double
    /// Extent of the body across the walking axis (m).
    public var width: Double
    /// Distance of the body centre from the walkway's near edge (m).
    public var lateral: Double
    /// When the unit appeared at the start of the approach (s). All beam activity comes later.
    public var arrival: Double
    /// The body centre along the walking axis, in walkway coordinates.
    public var trajectory: Trajectory

    public init(
        id: Int, group: Int, groupSize: Int, direction: WalkDirection, behaviour: Behaviour, speed: Double,
        depth: Double, width: Double, lateral: Double, arrival: Double, trajectory: Trajectory
    ) {
        self.id = id
        self.group = group
        self.groupSize = groupSize
        self.direction = direction
        self.behaviour = behaviour
        self.speed = speed
        self.depth = depth
        self.width = width
        self.lateral = lateral
        self.arrival = arrival
        self.trajectory = trajectory
    }

    /// Whether this person ends up on the other side (everyone but those who turn back).
    public var crosses: Bool {
        if case .turnBack = behaviour { return false }
        return true
    }

    /// While the body interrupts a beam at `position`.
    public func occupancy(ofBeamAt position: Double) -> [TimeInterval] {
        trajectory.intervals(inside: position - depth / 2, position + depth / 2)
    }

    /// From the first to the last moment the body overlaps the zone between and including both beams,
    /// or `nil` if it never does. Two people whose zone spans overlap cannot be told apart by two beams.
    public func zoneSpan(spacing: Double) -> TimeInterval? {
        let intervals = trajectory.intervals(inside: -depth / 2, spacing + depth / 2)
        guard let first = intervals.first, let last = intervals.last else { return nil }
        return TimeInterval(start: first.start, end: last.end)
    }

    /// When the body centre passes the middle between the beams, for people who cross.
    public func crossingTime(spacing: Double) -> Double? {
        crosses ? trajectory.firstTime(reaching: spacing / 2) : nil
    }
}

extension Pedestrian {
    /// Someone alone walking straight through at a constant `speed`, whose centre passes the middle
    /// between the beams at `crossingTime` (s). For constructed situations in tests.
    public static func walker(
        id: Int, direction: WalkDirection, crossingTime: Double, speed: Double = 1.34, depth: Double = 0.25,
        spacing: Double = 0.20, group: Int? = nil, groupSize: Int = 1
    ) -> Pedestrian {
        let middle = spacing / 2
        let start = -PedestrianGenerator.approachLength
        let end = spacing + PedestrianGenerator.exitLength
        let arrival = crossingTime - (middle - start) / speed
        var trajectory = Trajectory(knots: [
            .init(time: arrival, position: start),
            .init(time: crossingTime + (end - middle) / speed, position: end),
        ])
        if direction == .bToA { trajectory = trajectory.mirrored(about: middle) }
        return Pedestrian(
            id: id, group: group ?? id, groupSize: groupSize, direction: direction, behaviour: .through,
            speed: speed, depth: depth, width: 0.5, lateral: 1.0, arrival: arrival, trajectory: trajectory)
    }

    /// Someone alone who walks in from the `direction` side at `speed`, stands at `turnPoint` (metres past
    /// the first beam they meet) for `dwell` seconds and walks back out. For constructed situations.
    public static func turningBack(
        id: Int, direction: WalkDirection, arrival: Double, turnPoint: Double, dwell: Double = 0.5,
        speed: Double = 1.34, depth: Double = 0.25, spacing: Double = 0.20
    ) -> Pedestrian {
        let start = -PedestrianGenerator.approachLength
        let turnTime = arrival + (turnPoint - start) / speed
        var trajectory = Trajectory(knots: [
            .init(time: arrival, position: start), .init(time: turnTime, position: turnPoint),
            .init(time: turnTime + dwell, position: turnPoint),
            .init(time: turnTime + dwell + (turnPoint - start) / speed, position: start),
        ])
        if direction == .bToA { trajectory = trajectory.mirrored(about: spacing / 2) }
        return Pedestrian(
            id: id, group: id, groupSize: 1, direction: direction, behaviour: .turnBack(turnPoint: turnPoint),
            speed: speed, depth: depth, width: 0.5, lateral: 1.0, arrival: arrival, trajectory: trajectory)
    }
}
