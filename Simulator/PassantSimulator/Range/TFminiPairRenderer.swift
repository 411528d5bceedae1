// Two TFmini-family sensors on two ports, looking across one walkway: the byte streams a gateway reads
// from each, and the firmware answering its commands.

import PCNT
import TFmini

/// Renders a walkway into the exact byte streams of two rangefinders, channel A at beam A's place and
/// channel B at beam B's.
///
/// Pull chunks with `next()`: each is one port's bytes leaving the sensor at a simulation time (ms).
/// Frames follow each sensor's frame rate, B's clock a few milliseconds out of phase with A's (two
/// sensors never tick together). Commands fed with `command(_:on:at:)` are answered at once, and what
/// they change (rate, output, format) holds from then on.
public struct TFminiPairRenderer: Sendable {
    public struct Chunk: Sendable, Hashable {
        /// Simulation time, ms.
        public var time: Int64
        public var channel: Channel
        public var bytes: [UInt8]
    }

    public struct Statistics: Sendable, Hashable {
        public var framesA = 0
        public var framesB = 0
        public var commands = 0
        public var corrupted = 0
        public var garbageBytes = 0
        public var bytes = 0
    }

    public let end: Int64?
    public private(set) var statistics = Statistics()
    public private(set) var sensors: [TFminiSensor]

    private var scene: RangeScene
    private let positions: [Double]
    /// Per channel: when the current rate took effect (ms), and frames since.
    private var rateStart: [Double]
    private var frameIndex: [Int64] = [0, 0]
    private var replies: [Chunk] = []
    private var targets: [RangeTarget] = []
    private var faults: NodeFaults
    private var faultRandom: SeededRandom
    private var nextGarbage: Int64 = .max
    private var now: Int64 = 0

    public init(
        walkway parameters: WalkwayParameters, geometry: RangeGeometry,
        models: (a: TFminiModel, b: TFminiModel),
        version: TFminiVersion = TFminiVersion(major: 2, minor: 1, patch: 4), frameRateHz: UInt16 = 100,
        faults: NodeFaults = NodeFaults(), seed: UInt64, end: Int64?
    ) {
        scene = RangeScene(
            generator: PedestrianGenerator(parameters: parameters, seed: seed), spacing: parameters.spacing,
            geometry: geometry)
        positions = [0, parameters.spacing]
        let settings = TFminiSettings(frameRateHz: frameRateHz)
        sensors = [
            TFminiSensor(
                model: models.a, version: version, settings: settings, seed: seed, stream: "tfmini-a"),
            TFminiSensor(
                model: models.b, version: version, settings: settings, seed: seed, stream: "tfmini-b"),
        ]
        var phase = SeededRandom(seed: seed, stream: "tfmini-phase")
        rateStart = [0, phase.uniform(1...9)]
        self.faults = faults
        faultRandom = SeededRandom(seed: seed, stream: "tfmini-faults")
        self.end = end
        scheduleGarbage(after: 0)
    }

    /// The people who have entered since the last call, in arrival order, for `GroundTruth`.
    public mutating func takePedestrians() -> [Pedestrian] { scene.takePedestrians() }

    /// The next bytes either sensor sends, or nil once the stream has ended. When neither streams
    /// (output off, trigger mode) an empty chunk marks the passing of time every 10 ms.
    public mutating func next() -> Chunk? {
        if !replies.isEmpty { return replies.removeFirst() }
        let due = [0, 1].map { nextFrameTime($0) }
        let side = due[0] <= due[1] ? 0 : 1
        let frameDue = due[side].isFinite ? Int64(due[side].rounded(.up)) : Int64.max
        let time = min(frameDue, now + 10)
        if time >= end ?? .max { return nil }
        if nextGarbage <= time {
            now = max(now, nextGarbage)
            var bytes: [UInt8] = []
            for _ in 0..<faultRandom.integer(in: 1...24) {
                bytes.append(UInt8(truncatingIfNeeded: faultRandom.next()))
            }
            statistics.garbageBytes += bytes.count
            statistics.bytes += bytes.count
            let channel: Channel = faultRandom.chance(0.5) ? .a : .b
            scheduleGarbage(after: now)
            return Chunk(time: now, channel: channel, bytes: bytes)
        }
        now = max(now, time)
        guard frameDue <= time else {
            return Chunk(time: time, channel: .a, bytes: [])
        }
        frameIndex[side] += 1
        let frame = measure(side, at: due[side])
        var bytes = frame.encoded
        if faults.corruptProbability > 0 && faultRandom.chance(faults.corruptProbability) {
            bytes[faultRandom.integer(in: 2...8)] ^= UInt8(1 << faultRandom.integer(in: 0...7))
            statistics.corrupted += 1
        }
        if side == 0 { statistics.framesA += 1 } else { statistics.framesB += 1 }
        statistics.bytes += bytes.count
        return Chunk(time: time, channel: side == 0 ? .a : .b, bytes: bytes)
    }

    /// Bytes from the gateway for `channel`'s sensor at simulation time `time` (ms): commands in them
    /// are answered by the next chunks.
    public mutating func command(
        _ bytes: [UInt8], on channel: Channel, at time: Int64, decoder: inout TFminiCommandDecoder
    ) {
        let side = channel == .a ? 0 : 1
        var commands: [TFminiCommand] = []
        decoder.decode(bytes) { commands.append($0) }
        for command in commands {
            statistics.commands += 1
            let before = sensors[side].streamingRate
            scene.advance(to: Double(time) / 1000)
            scene.targets(at: positions[side], time: Double(time) / 1000, into: &targets)
            let reply = sensors[side].answer(command, targets: targets)
            if sensors[side].streamingRate != before {
                // A new rate, or a stream stopped or resumed: frames count from now.
                rateStart[side] = Double(time)
                frameIndex[side] = 0
            }
            replies.append(Chunk(time: max(time, now), channel: channel, bytes: reply))
            statistics.bytes += reply.count
        }
    }

    private func nextFrameTime(_ side: Int) -> Double {
        guard let rate = sensors[side].streamingRate else { return .infinity }
        return rateStart[side] + Double(frameIndex[side]) * 1000 / Double(rate)
    }

    private mutating func measure(_ side: Int, at time: Double) -> TFminiFrame {
        scene.advance(to: time / 1000)
        scene.targets(at: positions[side], time: time / 1000, into: &targets)
        return sensors[side].frame(targets, glare: faults.isGlaring(side == 0 ? .a : .b, at: time))
    }

    private mutating func scheduleGarbage(after time: Int64) {
        let rate = faults.garbageBurstsPerHour
        guard rate > 0 else {
            nextGarbage = .max
            return
        }
        nextGarbage = time + max(1, Int64(faultRandom.exponential(rate: rate / 3_600_000).rounded()))
    }
}
