// The LD06 / LD19, as the gateway hears it: every sample ray-cast against the street and the people on
// it, packed 12 to a packet, 375 packets a second, byte-exact.

import LD06

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// How the simulated LD06 behaves.
public struct LD06Settings: Sendable {
    public var scene: StreetScene
    /// Turns per second (the LD06 runs at 5–13 Hz, 10 by default).
    public var rotationHz: Double
    /// Relative random walk of the rotation speed per packet, and its largest deviation.
    public var speedJitter: Double
    /// Range noise: standard deviation in metres at 0 m, plus this share of the range.
    public var rangeNoise: Double
    public var rangeNoiseShare: Double
    /// Probability that a sample has no return although something is there.
    public var dropout: Double
    /// Farther than this there is no return (m).
    public var maxRange: Double
    /// Cyclists per hour each way.
    public var cyclistsPerHourAToB: Double
    public var cyclistsPerHourBToA: Double
    /// Probability that a packet has a damaged byte (bad CRC).
    public var corruptProbability: Double
    /// A technician walking the counting line (`passant calibrate line --walk`).
    public var surveyor: Surveyor?

    public init(
        scene: StreetScene = .street, rotationHz: Double = 10, speedJitter: Double = 0.003,
        rangeNoise: Double = 0.01, rangeNoiseShare: Double = 0.005, dropout: Double = 0.01,
        maxRange: Double = 12, cyclistsPerHourAToB: Double = 0, cyclistsPerHourBToA: Double = 0,
        corruptProbability: Double = 0, surveyor: Surveyor? = nil
    ) {
        self.surveyor = surveyor
        self.scene = scene
        self.rotationHz = rotationHz
        self.speedJitter = speedJitter
        self.rangeNoise = rangeNoise
        self.rangeNoiseShare = rangeNoiseShare
        self.dropout = dropout
        self.maxRange = maxRange
        self.cyclistsPerHourAToB = cyclistsPerHourAToB
        self.cyclistsPerHourBToA = cyclistsPerHourBToA
        self.corruptProbability = corruptProbability
    }
}

/// Renders a walkway into the exact byte stream of an LD06.
///
/// Pull chunks with `next()`: each holds the packets of about 10 ms and the simulation time (ms) they
/// leave the sensor. The sensor streams from time 0; the timestamp is simulation ms modulo 30000.
public struct LD06Renderer: Sendable {
    public struct Chunk: Sendable, Hashable {
        public var time: Int64
        public var bytes: [UInt8]
    }

    public struct Statistics: Sendable, Hashable {
        public var packets = 0
        public var turns = 0
        public var bytes = 0
        public var corrupted = 0
    }

    /// Packets per chunk: 4 packets are 10.7 ms.
    static let packetsPerChunk = 4
    static let packetSeconds = 12.0 / 4500

    public let settings: LD06Settings
    public let end: Int64?
    public private(set) var statistics = Statistics()
    /// Cyclists who passed the line (y = 0) so far: the truth for fast movers.
    public private(set) var cyclistCrossings: [Cyclist] = []

    /// Where everyone walking was at the last packet (person id, torso centre in the sensor frame,
    /// metres): for tracing what the tracker made of them.
    public var walkersNow: [(id: Int, x: Double, y: Double)] {
        onStage.filter { $0.trajectory.startTime <= lastStaged }.map { person in
            (
                person.id, settings.scene.walkwayEdge + laterals[person.id, default: person.lateral],
                person.trajectory.position(at: lastStaged) - walkway.spacing / 2
            )
        }
    }

    /// Where every rider was at the last packet (cyclist id, the bicycle's middle).
    public var ridersNow: [(id: Int, x: Double, y: Double)] {
        ridersOnStage.filter { $0.startTime <= lastStaged }.map {
            ($0.id, settings.scene.walkwayEdge + $0.lateral, $0.y(at: lastStaged))
        }
    }

    private let walkway: WalkwayParameters
    private var generator: PedestrianGenerator
    private var cyclists: CyclistGenerator
    private var onStage: [Pedestrian] = []
    private var ridersOnStage: [Cyclist] = []
    private var arrived: [Pedestrian] = []
    private var packetIndex = 0
    private var angle: Double = 0  // degrees of the next packet's first sample
    private var speed: Double  // degrees per second
    private var noise: SeededRandom
    private var faults: SeededRandom
    private var blobs: [Blob] = []
    /// Where each person on stage walks across the walkway now (m from the near edge): their own line,
    /// bent to make room for others.
    private var laterals: [Int: Double] = [:]
    private var lastStaged = 0.0

    public init(walkway: WalkwayParameters, settings: LD06Settings, seed: UInt64, end: Int64?) {
        self.walkway = walkway
        self.settings = settings
        self.end = end
        generator = PedestrianGenerator(parameters: walkway, seed: seed)
        cyclists = CyclistGenerator(
            perHourAToB: settings.cyclistsPerHourAToB, perHourBToA: settings.cyclistsPerHourBToA,
            walkwayWidth: walkway.walkwayWidth, seed: seed)
        speed = settings.rotationHz * 360
        noise = SeededRandom(seed: seed, stream: "ld06-noise")
        faults = SeededRandom(seed: seed, stream: "ld06-faults")
    }

    /// The people who entered since the last call, for `GroundTruth`.
    public mutating func takePedestrians() -> [Pedestrian] {
        defer { arrived.removeAll(keepingCapacity: true) }
        return arrived
    }

    public mutating func next() -> Chunk? {
        let time = Int64((Double(packetIndex) * Self.packetSeconds * 1000).rounded(.down))
        if let end, time >= end { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(LD06Packet.length * Self.packetsPerChunk)
        for _ in 0..<Self.packetsPerChunk {
            var packet = renderPacket().encoded
            if settings.corruptProbability > 0, faults.chance(settings.corruptProbability) {
                packet[faults.integer(in: 2...45)] ^= UInt8(faults.integer(in: 1...255))
                statistics.corrupted += 1
            }
            bytes += packet
        }
        statistics.bytes += bytes.count
        return Chunk(time: time, bytes: bytes)
    }

    private mutating func renderPacket() -> LD06Packet {
        let seconds = Double(packetIndex) * Self.packetSeconds
        packetIndex += 1
        statistics.packets += 1
        stage(at: seconds)

        // The motor's speed wanders a little around its set point.
        let target = settings.rotationHz * 360
        speed += speed * settings.speedJitter * (noise.unit() * 2 - 1) + (target - speed) * 0.02
        speed = min(max(speed, target * 0.95), target * 1.05)
        let stepDegrees = speed / 4500
        let start = angle
        var points: [LD06Point] = []
        points.reserveCapacity(12)
        for index in 0..<12 {
            var degrees = start + Double(index) * stepDegrees
            if degrees >= 360 { degrees -= 360 }
            points.append(sample(degrees: degrees))
        }
        angle = start + 12 * stepDegrees
        if angle >= 360 {
            angle -= 360
            statistics.turns += 1
        }
        let startCenti = UInt16(Int((start * 100).rounded()) % 36000)
        let endCenti = UInt16(Int(((start + 11 * stepDegrees) * 100).rounded()) % 36000)
        let timestamp = UInt16(Int64((seconds * 1000).rounded(.down)) % Int64(LD06Packet.timestampWrap))
        return LD06Packet(
            speed: UInt16(speed.rounded()), startAngle: startCenti, endAngle: endCenti, timestamp: timestamp,
            points: points)
    }

    /// Brings people and riders on and off stage, and lays out their bodies at `seconds`.
    private mutating func stage(at seconds: Double) {
        while generator.nextArrival <= seconds, let person = generator.next() {
            arrived.append(person)
            onStage.append(person)
        }
        while cyclists.nextStart <= seconds, let rider = cyclists.take() {
            ridersOnStage.append(rider)
        }
        onStage.removeAll { $0.trajectory.endTime < seconds }
        ridersOnStage.removeAll { rider in
            guard rider.endTime < seconds else { return false }
            cyclistCrossings.append(rider)
            return true
        }

        blobs.removeAll(keepingCapacity: true)
        let edge = settings.scene.walkwayEdge
        let walking = onStage.filter { $0.trajectory.startTime <= seconds }
        let positions = walking.map { $0.trajectory.position(at: seconds) - walkway.spacing / 2 }
        makeRoom(walking, positions, seconds: seconds)
        for (index, person) in walking.enumerated() {
            let y = positions[index]
            let x = edge + laterals[person.id, default: person.lateral]
            // Torso (hips) and two arms swinging in opposition while walking.
            blobs.append(
                Blob(x: x, y: y, radiusX: person.width * 0.4, radiusY: person.depth / 2, intensity: 120))
            let moving =
                abs(person.trajectory.position(at: seconds + 0.05) - person.trajectory.position(at: seconds))
                > 0.01
            let swing = moving ? 0.18 * sin(2 * .pi * 0.9 * seconds + Double(person.id)) : 0
            for side in [-1.0, 1.0] {
                blobs.append(
                    Blob(
                        x: x + side * (person.width * 0.4 + 0.05), y: y + side * swing, radiusX: 0.045,
                        radiusY: 0.045, intensity: 140))
            }
        }
        if let position = settings.surveyor?.position(at: seconds) {
            blobs.append(Blob(x: position.x, y: position.y, radiusX: 0.2, radiusY: 0.15, intensity: 120))
        }
        for rider in ridersOnStage where rider.startTime <= seconds {
            // At hip height: the rider's legs, saddle and frame, long along the way.
            blobs.append(
                Blob(
                    x: edge + rider.lateral, y: rider.y(at: seconds), radiusX: 0.2, radiusY: 0.55,
                    intensity: 160))
        }
    }

    /// People do not walk through each other: someone with another body close ahead or alongside
    /// steps sideways (at most 0.8 m/s), and drifts back to their own line once clear. Only the
    /// lateral position changes, so when everyone crosses the line (the ground truth) stays as the
    /// walkway model says.
    private mutating func makeRoom(_ walking: [Pedestrian], _ positions: [Double], seconds: Double) {
        let dt = seconds - lastStaged
        lastStaged = seconds
        var current = walking.map { laterals[$0.id, default: $0.lateral] }
        let riders = ridersOnStage.filter { $0.startTime <= seconds }
        for (i, person) in walking.enumerated() {
            var push = (person.lateral - current[i]) * 0.5
            func avoid(_ dx: Double, _ dy: Double, _ tiebreak: Bool) {
                guard abs(dy) < 1.5, abs(dx) < 0.6 else { return }
                let away: Double = dx > 0 ? 1 : (dx < 0 ? -1 : (tiebreak ? 1 : -1))
                push += away * (0.6 - abs(dx)) / 0.6 * (1.5 - abs(dy)) / 1.5 * 2.0
            }
            for (j, other) in walking.enumerated() where j != i {
                avoid(current[i] - current[j], positions[i] - positions[j], person.id > other.id)
            }
            for rider in riders {
                avoid(current[i] - rider.lateral, positions[i] - rider.y(at: seconds), true)
            }
            current[i] += min(0.8, max(-0.8, push)) * dt
            current[i] = min(max(current[i], 0.2), walkway.walkwayWidth - 0.2)
        }
        laterals.removeAll(keepingCapacity: true)
        for (i, person) in walking.enumerated() { laterals[person.id] = current[i] }
    }

    private mutating func sample(degrees: Double) -> LD06Point {
        let radians = degrees * .pi / 180
        let dx = cos(radians)
        let dy = -sin(radians)
        var nearest = Double.infinity
        var intensity = 0.0
        for wall in settings.scene.walls {
            if let t = hit(wall, dx: dx, dy: dy), t < nearest {
                nearest = t
                intensity = wall.intensity
            }
        }
        for post in settings.scene.posts {
            if let t = hit(post, dx: dx, dy: dy), t < nearest {
                nearest = t
                intensity = post.intensity
            }
        }
        for blob in blobs {
            if let t = hit(blob, dx: dx, dy: dy), t < nearest {
                nearest = t
                intensity = blob.intensity
            }
        }
        // Too near (the facade under the sensor), too far, or a dropout: no return.
        guard nearest >= 0.05, nearest <= settings.maxRange, !noise.chance(settings.dropout) else {
            return LD06Point(distance: 0, intensity: UInt8(noise.integer(in: 0...40)))
        }
        let sigma = settings.rangeNoise + settings.rangeNoiseShare * nearest
        let measured = max(0.02, nearest + noise.normal(mean: 0, standardDeviation: sigma))
        let strength = max(
            10, min(255, intensity - 6 * nearest + noise.normal(mean: 0, standardDeviation: 6)))
        return LD06Point(
            distance: UInt16(min(65535, (measured * 1000).rounded())), intensity: UInt8(strength))
    }
}
