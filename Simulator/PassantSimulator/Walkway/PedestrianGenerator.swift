// Where people come from: a Poisson stream of walking units per direction (singles, pairs, groups),
// each person with a speed, a body and a behaviour, walking in single file behind the unit ahead.

/// Generates the people on a walkway, in order of arrival, deterministically from a seed.
///
/// Each direction is an independent lane with its own random stream, so changing the B→A flow leaves
/// the A→B walkers exactly as they were. A follower never closes in on the through-walking unit ahead
/// of it in its lane by less than its following gap (it slows down and queues instead); people walking
/// the other way, and people turning back, pass each other side by side.
public struct PedestrianGenerator: Sendable {
    /// How far before the first beam people appear, and how far past the second they leave (m).
    public static let approachLength = 3.0
    public static let exitLength = 3.0

    public let parameters: WalkwayParameters
    private var lanes: [Lane]
    private var pending: [Pedestrian] = []
    private var nextID = 0
    private var nextGroup = 0

    private struct Leader: Sendable {
        var trajectory: Trajectory  // lane coordinates
        var depth: Double
    }

    private struct Lane: Sendable {
        var direction: WalkDirection
        var random: SeededRandom
        var unitsPerSecond: Double
        var nextArrival: Double
        var leaders: [Leader] = []
    }

    /// People on a walkway described by `parameters`, from simulation time 0 on.
    public init(parameters: WalkwayParameters, seed: UInt64) {
        if let walks = parameters.walkTest {
            self.init(scripted: Self.walkTest(walks, parameters: parameters, seed: seed), parameters: parameters)
        } else {
            self.init(random: parameters, seed: seed)
        }
    }

    private init(random parameters: WalkwayParameters, seed: UInt64) {
        self.parameters = parameters
        lanes = WalkDirection.allCases.map { direction in
            var random = SeededRandom(seed: seed, stream: "walkway-\(direction.rawValue)")
            let unitsPerSecond = parameters.ratePerHour(direction) / 3600 / parameters.meanUnitSize
            let first = unitsPerSecond > 0 ? random.exponential(rate: unitsPerSecond) : .infinity
            return Lane(
                direction: direction, random: random, unitsPerSecond: unitsPerSecond, nextArrival: first)
        }
    }

    /// Exactly these people and no one else (for tests and constructed situations). Their trajectories
    /// are taken as they are; everyone's beam activity must come after their `arrival`.
    public init(scripted people: [Pedestrian], parameters: WalkwayParameters = WalkwayParameters()) {
        self.parameters = parameters
        lanes = []
        pending = people.sorted { ($0.arrival, $0.id) < ($1.arrival, $1.id) }
        for person in pending {
            precondition(
                person.trajectory.startTime >= person.arrival,
                "person \(person.id) moves before arriving")
        }
    }

    /// When the next person `next()` returns arrives (s); infinite on an empty walkway.
    public var nextArrival: Double {
        if let first = pending.first { return first.arrival }
        return lanes.map(\.nextArrival).min() ?? .infinity
    }

    /// The next person to arrive, or `nil` if no one ever will (both rates zero, or the script is done).
    public mutating func next() -> Pedestrian? {
        if pending.isEmpty {
            guard lanes.count == 2 else { return nil }
            let laneIndex = lanes[0].nextArrival <= lanes[1].nextArrival ? 0 : 1
            guard lanes[laneIndex].nextArrival.isFinite else { return nil }
            pending = makeUnit(lane: laneIndex)
        }
        return pending.removeFirst()
    }

    // MARK: - One walking unit

    private mutating func makeUnit(lane laneIndex: Int) -> [Pedestrian] {
        var lane = lanes[laneIndex]
        defer { lanes[laneIndex] = lane }
        let p = parameters
        let arrival = lane.nextArrival
        lane.nextArrival += lane.random.exponential(rate: lane.unitsPerSecond)

        let kind = lane.random.unit()
        let size: Int
        if kind < p.pairShare {
            size = 2
        } else if kind < p.pairShare + p.groupShare {
            size = lane.random.chance(0.6) ? 3 : 4
        } else {
            size = 1
        }
        var behaviourDraw = 1.0
        if size == 1 { behaviourDraw = lane.random.unit() }
        // Groups walk a little slower than people alone.
        let groupFactor = size == 1 ? 1.0 : 0.92
        let speed = clamp(
            lane.random.normal(mean: p.speedMean, standardDeviation: p.speedStandardDeviation) * groupFactor,
            p.speedRange)
        let unitCentre = lane.random.uniform(0.6...max(0.6, p.walkwayWidth - 0.6))

        let group = nextGroup
        nextGroup += 1
        var members: [Pedestrian] = []
        var newLeaders: [Leader] = []
        var crossesAsUnit = true
        for member in 0..<size {
            let depth = lane.random.uniform(p.depthRange)
            let width = lane.random.uniform(p.widthRange)
            // Two abreast; a second row walks half a metre or so behind the first.
            let row = Double(member / 2)
            let offset =
                size == 1 ? 0 : -row * lane.random.uniform(0.45...0.70) + lane.random.uniform(-0.12...0.12)
            let side = size == 1 ? 0 : (member % 2 == 0 ? -1.0 : 1.0) * lane.random.uniform(0.25...0.35)
            let gap = lane.random.uniform(p.followingGapRange)

            let behaviour: Behaviour
            if size > 1 || behaviourDraw >= p.pauseShare + p.turnBackShare {
                behaviour = .through
            } else if behaviourDraw < p.pauseShare {
                behaviour = .pause(seconds: lane.random.uniform(p.pauseRange))
            } else {
                let deep = lane.random.chance(p.turnBackDeepShare)
                let half = depth / 2
                let turnPoint =
                    deep
                    ? lane.random.uniform((p.spacing - half + 0.03)...(p.spacing + 0.03))
                    : lane.random.uniform((-half + 0.03)...max(-half + 0.04, p.spacing - half - 0.03))
                behaviour = .turnBack(turnPoint: turnPoint)
                crossesAsUnit = false
            }

            var trajectory = freeTrajectory(
                arrival: arrival, offset: offset, speed: speed, depth: depth, behaviour: behaviour,
                random: &lane.random)
            trajectory = keepingDistance(
                trajectory, depth: depth, gap: gap, speed: speed, leaders: lane.leaders)
            newLeaders.append(Leader(trajectory: trajectory, depth: depth))

            let walkwayTrajectory =
                lane.direction == .aToB ? trajectory : trajectory.mirrored(about: p.spacing / 2)
            members.append(
                Pedestrian(
                    id: nextID, group: group, groupSize: size, direction: lane.direction,
                    behaviour: behaviour,
                    speed: speed, depth: depth, width: width, lateral: unitCentre + side, arrival: arrival,
                    trajectory: walkwayTrajectory))
            nextID += 1
        }
        if crossesAsUnit { lane.leaders = newLeaders }
        return members
    }

    /// The path someone would take on an empty walkway, in lane coordinates (first beam at 0).
    private func freeTrajectory(
        arrival: Double, offset: Double, speed: Double, depth: Double, behaviour: Behaviour,
        random: inout SeededRandom
    ) -> Trajectory {
        typealias Knot = Trajectory.Knot
        let spacing = parameters.spacing
        let start = -Self.approachLength + offset
        let end = spacing + Self.exitLength
        switch behaviour {
        case .through:
            return Trajectory(knots: [
                Knot(time: arrival, position: start),
                Knot(time: arrival + (end - start) / speed, position: end),
            ])
        case .pause(let seconds):
            let half = depth / 2
            let stop = random.uniform((-half + 0.03)...(spacing + half - 0.03))
            let stopTime = arrival + (stop - start) / speed
            return Trajectory(knots: [
                Knot(time: arrival, position: start),
                Knot(time: stopTime, position: stop),
                Knot(time: stopTime + seconds, position: stop),
                Knot(time: stopTime + seconds + (end - stop) / speed, position: end),
            ])
        case .turnBack(let turnPoint):
            let turnTime = arrival + (turnPoint - start) / speed
            let dwell = random.uniform(0.3...1.2)
            let backSpeed = speed * random.uniform(0.8...1.0)
            return Trajectory(knots: [
                Knot(time: arrival, position: start),
                Knot(time: turnTime, position: turnPoint),
                Knot(time: turnTime + dwell, position: turnPoint),
                Knot(time: turnTime + dwell + (turnPoint - start) / backSpeed, position: start),
            ])
        }
    }

    /// `trajectory`, slowed down where needed so the body stays `gap` behind every leader's body.
    private func keepingDistance(
        _ trajectory: Trajectory, depth: Double, gap: Double, speed: Double, leaders: [Leader]
    ) -> Trajectory {
        guard !leaders.isEmpty else { return trajectory }
        let endPosition = trajectory.knots[trajectory.knots.count - 1].position
        let walksOn = trajectory.finalVelocity > 0
        var result = trajectory
        for _ in 0..<32 {
            for leader in leaders {
                result = result.heldBehind(leader.trajectory, gap: leader.depth / 2 + depth / 2 + gap)
            }
            let last = result.knots[result.knots.count - 1]
            // Held back past the end of the free path: walk on to the exit and check again.
            guard walksOn, last.position < endPosition - 1e-9 else { break }
            result.knots.append(
                Trajectory.Knot(
                    time: last.time + (endPosition - last.position) / speed, position: endPosition))
        }
        return result
    }

    private func clamp(_ value: Double, _ range: ClosedRange<Double>) -> Double {
        min(max(value, range.lowerBound), range.upperBound)
    }
}

extension PedestrianGenerator {
    /// A technician's walk test: `walks` walks A→B, then `walks` back, one person at a time at a brisk
    /// but varying pace, a few seconds apart (the first one 5 s in).
    static func walkTest(_ walks: Int, parameters: WalkwayParameters, seed: UInt64) -> [Pedestrian] {
        var random = SeededRandom(seed: seed, stream: "walk-test")
        var people: [Pedestrian] = []
        var time = 5.0
        for index in 0..<(2 * walks) {
            var direction: WalkDirection = index < walks ? .aToB : .bToA
            if parameters.walkTestReversed { direction = direction == .aToB ? .bToA : .aToB }
            let speed = random.uniform(1.0...1.6)
            people.append(
                .walker(
                    id: index, direction: direction, crossingTime: time, speed: speed, spacing: parameters.spacing))
            time += random.uniform(5...8) + (index == walks - 1 ? 4 : 0)
        }
        return people
    }
}
